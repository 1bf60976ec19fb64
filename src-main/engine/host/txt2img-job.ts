/**
 * Runs one text-to-image job inside the engine: adapts the txt2img pipeline to the host's job
 * protocol (stage/step/image events, PNG bytes with A1111 parameters).
 */
import type { ProviderPreference } from '../runtime/ort.ts';
import type { ScheduleId } from '../schedules/index.ts';
import { EngineError } from '../types.ts';
import type { EngineCallContext } from '../service.ts';

export interface Txt2ImgJobInput {
  modelDir: string;
  prompt: string;
  negativePrompt: string;
  cfgScale: number;
  steps: number;
  sampler: string;
  schedule: ScheduleId;
  /** resolved seed of the first run (run k uses seed + k·batchSize ... see pipeline) */
  seed: number;
  width?: number;
  height?: number;
  batchSize: number;
  batchCount: number;
  provider: ProviderPreference;
  /** a preview every N steps, 0 = none */
  previewEvery: number;
}

export type JobStage = 'loading' | 'encoding' | 'sampling' | 'decoding' | 'saving';

export type EngineJobEvent =
  | { type: 'stage'; stage: JobStage; run: number; runs: number }
  | { type: 'step'; run: number; runs: number; step: number; steps: number; sigma: number; previewDataUrl: string | null }
  /** one finished image, sent as soon as it exists so a later cancel keeps it */
  | { type: 'image'; run: number; png: Uint8Array; width: number; height: number; seed: number; parameters: string; modelName: string };

export interface Txt2ImgJobOutput {
  images: number;
  provider: string;
  providerNote?: string;
}

export async function runTxt2ImgJob(input: Txt2ImgJobInput, ctx: EngineCallContext<EngineJobEvent>): Promise<Txt2ImgJobOutput> {
  void ctx;
  throw new EngineError(
    'RUNTIME',
    `Text to image is not available in this build yet: the txt2img pipeline (src-main/engine/pipelines/txt2img.ts) has not landed (model ${input.modelDir}).`,
  );
}
