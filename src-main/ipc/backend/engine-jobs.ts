/**
 * How each job kind runs on the engine: one case per JobRequest kind, mapping the validated
 * request onto its engine method. A new kind (img2img, inpaint, denoise, ...) adds its case here
 * and its schema to the JobRequest union; the queue, events and gallery stay as they are.
 */
import type { EngineHost, InvokeOptions } from '../../engine/hosting/host.ts';
import type { EngineJobEvent } from '../../engine/service.ts';
import type { JobRequest, ModelReport } from '../contract.ts';
import { LoraTagError, resolveLoras } from '../../engine/checkpoints/lora-tags.ts';
import type { LoraParam } from '../../engine/pipelines/params.ts';
import { ApiCallError } from '../errors.ts';
import type { InputStore } from './edit-inputs.ts';
import { runEditEngineJob } from './edit-requests.ts';

export interface EngineJobResult {
  provider: string;
  providerNote?: string;
  warnings: string[];
}

export interface EngineJobOptions {
  signal?: AbortSignal;
  onEvent: (event: EngineJobEvent) => void;
  /** a live preview every N steps (settings.previewEvery) */
  previewEvery: number;
  /** where the edit jobs' input images are (edit-inputs.ts) */
  inputs?: InputStore;
  /** where a prompt's <lora:NAME:weight> tags find NAME.safetensors */
  loraDirs?: string[];
}

/** The LoRAs a prompt's <lora:NAME:weight> tags name, found in the LoRA folders; a clear BAD_INPUT error otherwise. */
export async function promptLoras(prompt: string, dirs: readonly string[]): Promise<LoraParam[]> {
  try {
    return (await resolveLoras(prompt, [], dirs)).loras;
  } catch (err) {
    if (err instanceof LoraTagError) throw new ApiCallError('BAD_INPUT', err.message);
    throw err;
  }
}

export async function runEngineJob(host: EngineHost, request: JobRequest, model: ModelReport, opts: EngineJobOptions): Promise<EngineJobResult> {
  const invokeOptions: InvokeOptions = { ...(opts.signal ? { signal: opts.signal } : {}), onEvent: (e) => opts.onEvent(e as EngineJobEvent) };
  const loras = await promptLoras(request.params.prompt, opts.loraDirs ?? []);
  switch (request.kind) {
    case 'img2img':
    case 'inpaint':
    case 'denoise': {
      if (!opts.inputs) throw new ApiCallError('INTERNAL', `${request.kind} jobs need the input image store, which this queue was built without`);
      return runEditEngineJob(host, request, model, { ...opts, images: await opts.inputs.paths(request), loras });
    }
    case 'txt2img': {
      const p = request.params;
      return host.invoke(
        'txt2img',
        {
          modelDir: model.path,
          prompt: p.prompt,
          negativePrompt: p.negativePrompt,
          seed: p.seed,
          ...(p.cfgScale !== undefined ? { cfgScale: p.cfgScale } : {}),
          ...(p.steps !== undefined ? { steps: p.steps } : {}),
          ...(p.sampler !== undefined ? { sampler: p.sampler } : {}),
          ...(p.sdeNoise !== undefined ? { sdeNoise: p.sdeNoise } : {}),
          ...(p.schedule !== undefined ? { schedule: p.schedule } : {}),
          ...(p.width !== undefined ? { width: p.width } : {}),
          ...(p.height !== undefined ? { height: p.height } : {}),
          ...(p.hires ? { hires: p.hires } : {}),
          ...(p.sizeConditioning ? { sizeConditioning: p.sizeConditioning } : {}),
          ...(loras.length ? { loras } : {}),
          batchSize: p.batchSize,
          batchCount: p.batchCount,
          provider: p.provider,
          previewEvery: opts.previewEvery,
        },
        invokeOptions,
      );
    }
  }
}
