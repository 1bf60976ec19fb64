/**
 * The edit tabs and process viewers' shared state: uploads of input images (edit.upload, once per
 * image), the job.output reports, the generation parameters every edit job takes from the Generate
 * form. The tab states themselves are held by `EditStudio` (edit-studio.svelte.ts).
 */
import { SvelteMap } from 'svelte/reactivity';
import type { EditUploadResult, JobOutput, ModelReport, ReverieApi, Settings } from '../api/types.ts';
import { blobToBase64 } from './input-image.svelte.ts';
import type { Studio } from './studio.svelte.ts';
import { errorText } from './system.svelte.ts';
import type { SdeNoise } from './generate-form.svelte.ts';
import type { SizeConditioningRequest } from './sdxl-size.svelte.ts';

export type UploadPurpose = 'image' | 'mask' | 'reference';

export interface UploadStatus {
  readonly result: EditUploadResult | null;
  readonly error: string | null;
}

const KEEP_UPLOADS = 12;

/**
 * Images go to the main side once: the same Blob is uploaded once, its result (upload id, size,
 * estimated noise) kept and readable reactively through `status()`.
 */
export class Uploads {
  /** plain: started uploads (not reactive, so `status()` may start one inside a $derived) */
  readonly #started = new WeakMap<Blob, Promise<EditUploadResult>>();
  readonly #done = new SvelteMap<Blob, UploadStatus>();

  constructor(private readonly api: ReverieApi) {}

  upload(blob: Blob, name: string, purpose: UploadPurpose): Promise<EditUploadResult> {
    const started = this.#started.get(blob);
    if (started) return started;
    const promise = (async () => this.api.edit.upload({ data: await blobToBase64(blob), name, purpose }))();
    this.#started.set(blob, promise);
    promise.then(
      (result) => this.#settle(blob, { result, error: null }),
      (err: unknown) => {
        this.#started.delete(blob);
        this.#settle(blob, { result: null, error: errorText(err) });
      },
    );
    return promise;
  }

  /** Reactive: the upload's result or error, null while it runs; starts it when it is new. */
  status(blob: Blob, name: string, purpose: UploadPurpose): UploadStatus | null {
    const done = this.#done.get(blob);
    if (done) return done;
    void this.upload(blob, name, purpose).catch(() => undefined);
    return null;
  }

  #settle(blob: Blob, status: UploadStatus): void {
    this.#done.set(blob, status);
    while (this.#done.size > KEEP_UPLOADS) this.#done.delete(this.#done.keys().next().value as Blob);
  }
}

/** The generation parameters an edit job takes from the Generate form (shared by all tabs). */
export interface BaseParams {
  model: string;
  prompt: string;
  negativePrompt: string;
  cfgScale: number;
  steps: number;
  sampler: string;
  /** the SDE samplers' noise, when the form's sampler takes it and it is not the default */
  sdeNoise?: SdeNoise;
  schedule: Settings['defaults']['schedule'];
  seed: number;
  provider: Settings['provider'];
  /** SDXL's size conditioning from the shared form, for an SDXL model when it is not the default */
  sizeConditioning?: SizeConditioningRequest;
}

/** The form's parameters for `model` (default: the form's model), or what stops them, in plain words. */
export function baseParams(studio: Studio, model: ModelReport | null = studio.form.model ?? null): { params: BaseParams } | { problem: string } {
  const form = studio.form;
  if (!model) return { problem: 'No model is ready: add a model folder in Settings.' };
  if (!form.seedParse.ok) return { problem: form.seedParse.message };
  const sizeConditioning = form.sizeConditioning(model);
  return {
    params: {
      ...(sizeConditioning ? { sizeConditioning } : {}),
      model: model.id,
      prompt: form.prompt,
      negativePrompt: form.negativePrompt,
      cfgScale: form.cfgScale,
      steps: form.steps,
      sampler: form.sampler,
      ...form.sdeNoiseRequest(),
      schedule: form.schedule,
      seed: form.seedParse.seed,
      provider: studio.settings.settings?.provider ?? 'auto',
    },
  };
}

/** Job reports (job.output) by job id, for the tabs that follow their jobs. */
export class JobOutputs {
  readonly #outputs = new SvelteMap<string, JobOutput>();

  get(jobId: string): JobOutput | null {
    return this.#outputs.get(jobId) ?? null;
  }

  connect(api: ReverieApi): () => void {
    return api.on('job.output', ({ jobId, output }) => {
      this.#outputs.set(jobId, output);
      while (this.#outputs.size > 50) this.#outputs.delete(this.#outputs.keys().next().value as string);
    });
  }
}
