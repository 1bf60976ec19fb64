/**
 * The types of a pipeline run: options and events (steps, progress, stages, images), timings,
 * results, and the prepared run every pipeline samples (txt2img, img2img, inpaint, denoise, ...).
 */
import type { LoadedModel } from '../models/model.ts';
import type { ProviderId } from '../runtime/ort.ts';
import type { SamplerId } from '../samplers/registry.ts';
import type { F32Tensor, StepInfo } from '../types.ts';
import type { PipelineCache } from './cache.ts';
import type { HiresPlan } from './hires.ts';
import type { ResolvedParams } from './params.ts';
import type { SampleLatentsInput } from './sample.ts';

export interface Txt2ImgStep extends StepInfo {
  /** which batch (0 .. batchCount−1) */
  readonly iteration: number;
  readonly seeds: readonly number[];
}

export interface Txt2ImgProgress {
  /** steps done over the whole run */
  readonly step: number;
  readonly total: number;
  /** remaining sampling time at the average step time so far */
  readonly etaMs: number;
}

export type Txt2ImgStage = 'loading' | 'encoding' | 'sampling' | 'decoding';

export interface Txt2ImgOptions {
  /** keeps models and prompt embeddings between runs; a fresh one (disposed at the end) otherwise */
  readonly cache?: PipelineCache;
  readonly signal?: AbortSignal;
  readonly onStep?: (step: Txt2ImgStep) => void;
  /** the guidance split of each guided model call of the base pass (SampleLatentsInput.onGuidance) */
  readonly onGuidance?: SampleLatentsInput['onGuidance'];
  readonly onProgress?: (progress: Txt2ImgProgress) => void;
  /** stage changes; `iteration` is the batch (0 for loading and encoding) */
  readonly onStage?: (stage: Txt2ImgStage, iteration: number, batchCount: number) => void;
  /** each finished image as soon as it exists (so a later cancel keeps it); index over the whole run */
  readonly onImage?: (image: Txt2ImgImage & { readonly index: number; readonly parameters: string }) => void;
}

export interface Txt2ImgTimings {
  load: number;
  encode: number;
  /** ms per sampler step, batchCount·steps entries in run order */
  steps: number[];
  decode: number;
  total: number;
}

export interface Txt2ImgImage {
  png: Buffer;
  seed: number;
  width: number;
  height: number;
}

export interface Txt2ImgResult {
  images: Txt2ImgImage[];
  /** A1111 infotext per image (also in each PNG's `parameters` chunk) */
  parameters: string[];
  /** the run's base seed (the drawn one when the request said −1) */
  seed: number;
  provider: ProviderId;
  providerNote?: string;
  timings: Txt2ImgTimings;
  /** the prompt or negative prompt was cut to the text encoder's length */
  truncated: boolean;
  /** things the user should know (empty prompt, truncation, settings without effect) */
  warnings: string[];
  /** what actually ran, defaults filled in (plain data: the sampler by id) */
  params: RunParams;
}

export type RunParams = Omit<ResolvedParams, 'sampler'> & { sampler: SamplerId };

export interface Txt2ImgLatentsResult extends Omit<Txt2ImgResult, 'images' | 'parameters'> {
  /** per batch: latents [batchSize, C, h, w] and their seeds */
  batches: { latents: F32Tensor; seeds: number[] }[];
}

/** A run ready to sample; the edit pipelines (img2img, inpaint, denoise, ...) set the optional fields. */
export interface Prepared {
  model: LoadedModel;
  p: ResolvedParams;
  cond: F32Tensor;
  uncond: F32Tensor | null;
  /** SDXL: text_embeds and time_ids of prompt and negative prompt at the run's size */
  added?: SampleLatentsInput['added'];
  concat?: F32Tensor;
  sigmas: Float64Array;
  /** start latents and noise handling, see SampleLatentsInput */
  init?: F32Tensor;
  noised?: boolean;
  wrap?: SampleLatentsInput['wrap'];
  /** extra infotext fields, e.g. ['Denoising strength', '0.75'] */
  extra?: [string, string][];
  /** hires fix: the second pass after every batch (txt2img only) */
  hires?: { plan: HiresPlan; concat?: F32Tensor };
  truncated: boolean;
  warnings: string[];
  timings: Txt2ImgTimings;
}

