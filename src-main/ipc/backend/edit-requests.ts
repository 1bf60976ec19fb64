/**
 * The edit jobs and process viewers on the main side: how an img2img, inpaint or denoise request
 * runs on the engine (engine-jobs.ts dispatches here), and the handlers of edit.upload and the
 * process.* calls. Heavy work (decoding, previews, VAE decodes, exports) happens in the engine
 * process; this side resolves references (gallery items, uploads, models) and checks them, with
 * errors that say what to do.
 */
import { randomInt } from 'node:crypto';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { LoraParam } from '../../engine/pipelines/params.ts';
import type { EngineHost, InvokeOptions } from '../../engine/hosting/host.ts';
import type { EditJobResult } from '../../engine/edit-methods.ts';
import type { EngineJobEvent } from '../../engine/service.ts';
import type { GalleryStore } from '../../storage/gallery.ts';
import type { GalleryItem, JobRequest, JobSummary, ModelReport, Settings } from '../contract.ts';
import type { Handlers } from '../dispatch.ts';
import { ApiCallError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import type { InputStore, JobImages } from './edit-inputs.ts';

type EditRequest = Exclude<JobRequest, { kind: 'txt2img' }>;

export interface EditJobOptions {
  signal?: AbortSignal;
  onEvent: (event: EngineJobEvent) => void;
  previewEvery: number;
  images: JobImages;
  /** the LoRAs the prompt's <lora:…> tags name, resolved (engine-jobs.ts) */
  loras?: LoraParam[];
}

function need(file: string | undefined, what: string): string {
  if (file === undefined) throw new ApiCallError('INTERNAL', `the job's ${what} was not resolved before it ran`);
  return file;
}

const optional = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export async function runEditEngineJob(host: EngineHost, request: EditRequest, model: ModelReport, opts: EditJobOptions): Promise<EditJobResult> {
  const invokeOptions: InvokeOptions = { ...(opts.signal ? { signal: opts.signal } : {}), onEvent: (e) => opts.onEvent(e as EngineJobEvent) };
  const p = request.params;
  const base = {
    modelDir: model.path,
    prompt: p.prompt,
    negativePrompt: p.negativePrompt,
    seed: p.seed,
    provider: p.provider,
    previewEvery: opts.previewEvery,
    ...optional({ cfgScale: p.cfgScale, steps: p.steps, sampler: p.sampler, sdeNoise: p.sdeNoise, schedule: p.schedule, sizeConditioning: p.sizeConditioning }),
    ...(opts.loras?.length ? { loras: opts.loras } : {}),
  };
  const image = need(opts.images.image, 'input image');
  switch (request.kind) {
    case 'img2img': {
      const q = request.params;
      return host.invoke('img2img', { ...base, ...optional({ width: q.width, height: q.height }), batchSize: q.batchSize, batchCount: q.batchCount, image, strength: q.strength, fit: q.fit }, invokeOptions);
    }
    case 'inpaint': {
      const q = request.params;
      return host.invoke(
        'inpaint',
        {
          ...base,
          ...optional({ width: q.width, height: q.height, latentBlend: q.latentBlend }),
          batchSize: q.batchSize,
          batchCount: q.batchCount,
          image,
          mask: need(opts.images.mask, 'mask'),
          strength: q.strength,
          fit: q.fit,
          feather: q.feather,
          mode: q.mode,
          padding: q.padding,
        },
        invokeOptions,
      );
    }
    case 'denoise': {
      const q = request.params;
      return host.invoke('denoise', { ...base, image, ...optional({ noiseSigma: q.noiseSigma, addNoise: q.addNoise, reference: opts.images.reference }) }, invokeOptions);
    }
  }
}

// ── process.* and edit.upload ─────────────────────────────────────────

export interface EditHandlerDeps {
  host: EngineHost;
  gallery: GalleryStore;
  inputs: InputStore;
  /** the model list (refresh: rescan the folders) */
  models: (refresh: boolean) => Promise<ModelReport[]>;
  settings: () => Settings;
  /** the queue's jobs (a running job's model must not be swapped out under it) */
  jobs: () => JobSummary[];
  /** queues a job exactly as jobs.submit does */
  submit: (request: JobRequest) => Promise<{ job: JobSummary }>;
  /** the LoRAs a prompt's <lora:…> tags name, resolved as for a job (engine-jobs.ts) */
  loras: (prompt: string) => Promise<LoraParam[]>;
  /** the studio's event bus (an export's progress) */
  events: EventBus;
  /** runs a heavy call in the job queue's order (JobQueue.runExclusive): after the running job, before the next */
  exclusive: <T>(run: () => Promise<T>, signal?: AbortSignal) => Promise<T>;
}

export type EditCallName =
  | 'edit.upload'
  | 'process.recording'
  | 'process.decodeStep'
  | 'process.export'
  | 'process.forward'
  | 'process.curves'
  | 'process.trajectories'
  | 'process.anomaly'
  | 'process.pipeline'
  | 'process.attention'
  | 'process.cancel';

export function recordingFile(gallery: GalleryStore, id: string): string {
  return path.join(gallery.dir, `${id}.rvrec`);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

export function createEditHandlers(deps: EditHandlerDeps): Pick<Handlers, EditCallName> {
  const findModel = async (id: string): Promise<ModelReport> => {
    const wanted = path.resolve(id);
    const model = (await deps.models(false)).find((m) => m.id === wanted) ?? (await deps.models(true)).find((m) => m.id === wanted);
    if (!model) throw new ApiCallError('MODEL_NOT_FOUND', `No model folder "${id}" in the models folders; pick one from the model list.`);
    if (!model.valid) throw new ApiCallError('MODEL_INVALID', `The model "${model.name}" cannot be used: ${model.problems.join('; ')}`, { problems: model.problems });
    return model;
  };
  /** The engine keeps one model loaded: loading another while a job runs would pull it out from under the job. */
  const idleFor = (model: ModelReport, what: string): void => {
    const running = deps.jobs().find((j) => j.status === 'running');
    if (running && path.resolve(running.request.params.model) !== model.id) {
      throw new ApiCallError('ENGINE_BUSY', `${what} needs ${model.name}, but a job with another model is running and the engine holds one model at a time. Try again when the queue is done, or cancel the job.`);
    }
  };
  const recordedItem = async (id: string): Promise<{ item: GalleryItem; file: string }> => {
    const item = await deps.gallery.get(id);
    if (!item) throw new ApiCallError('NOT_FOUND', `There is no gallery item "${id}" (it may have been deleted).`);
    const file = recordingFile(deps.gallery, id);
    if (!(await exists(file))) {
      throw new ApiCallError('NO_RECORDING', `${item.fileName} has no recorded process (it was made before Reverie recorded every run, or by image to image at strength 0). Generate it again to see its steps.`);
    }
    return { item, file };
  };
  const provider = () => deps.settings().provider;
  /** process calls running under a caller's requestId, so process.cancel can stop them */
  const cancellable = new Map<string, AbortController>();
  /**
   * Runs a process call under its requestId: the id is taken before anything is awaited, so a cancel that
   * arrives while the call still finds its model or reads its image (which took over 200 ms for a 512²
   * upload on a slow VM) stops it instead of being answered `cancelled: false` and lost. `prepare` does that
   * finding and reading; a cancel that came meanwhile ends the call before the engine is asked.
   */
  const underRequest = async <P, T>(requestId: string | undefined, prepare: () => Promise<P>, run: (prepared: P, signal: AbortSignal | undefined) => Promise<T>): Promise<T> => {
    if (requestId === undefined) return run(await prepare(), undefined);
    if (cancellable.has(requestId)) throw new ApiCallError('BAD_REQUEST', `A call with requestId "${requestId}" is already running; use a new id per call.`);
    const controller = new AbortController();
    cancellable.set(requestId, controller);
    try {
      const prepared = await prepare();
      if (controller.signal.aborted) throw new ApiCallError('CANCELLED', 'cancelled before it started');
      return await run(prepared, controller.signal);
    } finally {
      cancellable.delete(requestId);
    }
  };

  /**
   * A heavy process call (anomaly map, pipeline, attention, full-quality export) takes its turn in the job
   * queue: it waits for the running job (cancellable by its requestId while it waits) and the next job
   * waits for it, instead of the two sharing the engine or one being refused.
   */
  const heavy = <P, T>(requestId: string | undefined, prepare: () => Promise<P>, run: (prepared: P, signal: AbortSignal | undefined) => Promise<T>): Promise<T> =>
    underRequest(requestId, prepare, (prepared, signal) => deps.exclusive(() => run(prepared, signal), signal));

  /** a process view's one text-to-image run (Pipeline, Attention): the model checked, the seed drawn, the prompt's LoRA tags resolved */
  const oneRun = async (r: Parameters<Handlers['process.pipeline']>[0]) => {
    const { requestId: _requestId, model: id, ...rest } = r;
    const model = await findModel(id);
    const loras = await deps.loras(rest.prompt);
    return { ...rest, modelDir: model.path, seed: rest.seed >= 0 ? rest.seed : randomInt(0, 2 ** 32 - 1), ...(loras.length ? { loras } : {}) };
  };

  return {
    'edit.upload': async ({ data, name, purpose }) => {
      const bytes = Buffer.from(data, 'base64');
      return deps.inputs.upload(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), purpose, name);
    },
    'process.recording': async ({ id }) => {
      const { item, file } = await recordedItem(id);
      const modelDir = path.resolve(item.request.params.model);
      const view = await deps.host.invoke('processRecording', { file, modelDir: (await exists(modelDir)) ? modelDir : null });
      return { item, ...view };
    },
    'process.decodeStep': async ({ id, step, kind, requestId }) =>
      underRequest(
        requestId,
        async () => {
          const { item, file } = await recordedItem(id);
          const model = await findModel(item.request.params.model);
          idleFor(model, 'A full-quality decode');
          return { file, modelDir: model.path, provider: provider(), step, kind };
        },
        (params, signal) => deps.host.invoke('processDecodeStep', params, signal ? { signal } : {}),
      ),
    'process.export': async ({ id, kind, format, quality, frameMs, requestId }) => {
      const full = quality === 'full' && kind !== 'noise';
      const prepare = async () => {
        const { item, file } = await recordedItem(id);
        let modelDir: string | null = path.resolve(item.request.params.model);
        if (full) {
          modelDir = (await findModel(item.request.params.model)).path;
        } else if (!(await exists(modelDir))) modelDir = null;
        return { file, modelDir, provider: provider(), kind, format, quality, frameMs, finalImage: item.path, name: item.id };
      };
      // a call with a requestId can be followed (process.exportProgress) and cancelled (process.cancel)
      const onEvent: NonNullable<InvokeOptions['onEvent']> = (e) => {
        if (requestId !== undefined && e.type === 'export') deps.events.emit('process.exportProgress', { requestId, stage: e.stage, done: e.done, total: e.total });
      };
      // a full decode of every step is heavy and takes its turn in the queue; previews are not
      const call = (params: Awaited<ReturnType<typeof prepare>>, signal: AbortSignal | undefined) => deps.host.invoke('processExport', params, signal ? { signal, onEvent } : { onEvent });
      return full ? heavy(requestId, prepare, call) : underRequest(requestId, prepare, call);
    },
    'process.forward': async (r) =>
      underRequest(
        r.requestId,
        async () => {
          const model = await findModel(r.model);
          idleFor(model, 'The forward viewer');
          const image = await deps.inputs.resolve(r.image, 'image');
          return {
            modelDir: model.path,
            image,
            seed: r.seed,
            decoder: r.decoder,
            fit: r.fit,
            provider: provider(),
            ...optional({ t: r.t, sigma: r.sigma, width: r.width, height: r.height }),
          };
        },
        (params, signal) => deps.host.invoke('processForward', params, signal ? { signal } : {}),
      ),
    'process.curves': async ({ model, schedule, steps, strength }) => {
      const m = await findModel(model);
      return deps.host.invoke('processCurves', { modelDir: m.path, schedule, steps, strength });
    },
    'process.trajectories': async (r) => {
      const { ode, sde, ...params } = r;
      const seed = params.seed >= 0 ? params.seed : randomInt(0, 2 ** 32 - 1);
      const jobs: JobSummary[] = [];
      for (const sampler of [ode, sde]) {
        jobs.push((await deps.submit({ kind: 'txt2img', params: { ...params, seed, sampler, batchSize: 1, batchCount: 1 } })).job);
      }
      return { jobs };
    },
    'process.anomaly': async (r) =>
      // cancellable by its requestId; the engine host stops a call that ignores the cancel within a second
      heavy(
        r.requestId,
        async () => {
          const model = await findModel(r.model);
          const image = await deps.inputs.resolve(r.image, 'image');
          const seed = r.seed >= 0 ? r.seed : randomInt(0, 2 ** 32 - 1);
          return { modelDir: model.path, image, prompt: r.prompt, strength: r.strength, samples: r.samples, seed, fit: r.fit, provider: provider(), ...optional({ steps: r.steps }) };
        },
        (params, signal) => deps.host.invoke('processAnomaly', params, signal ? { signal } : {}),
      ),
    'process.pipeline': async (r) => heavy(r.requestId, () => oneRun(r), (params, signal) => deps.host.invoke('processPipeline', params, signal ? { signal } : {})),
    'process.attention': async (r) => heavy(r.requestId, () => oneRun(r), (params, signal) => deps.host.invoke('processAttention', params, signal ? { signal } : {})),
    'process.cancel': async ({ requestId }) => {
      const controller = cancellable.get(requestId);
      controller?.abort();
      return { cancelled: controller !== undefined };
    },
  };
}
