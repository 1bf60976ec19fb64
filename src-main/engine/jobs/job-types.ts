/**
 * The types every engine job shares: a job's input and output, its events (stage, step, image, and
 * an edit job's 'output'), and the context a job runs in (abort signal and event sink). One file, so
 * the job adapters (txt2img-job.ts, edit-job.ts, job-hooks.ts) import types from here and never from
 * each other.
 */
import type { FitMode } from '../imageio/input.ts';
import type { DenoiseResult } from '../pipelines/denoise.ts';
import type { InputInfo } from '../pipelines/img2img.ts';
import type { InpaintMode } from '../pipelines/inpaint.ts';
import type { HiresParams, LoraParam } from '../pipelines/params.ts';
import type { SizeConditioning } from '../pipelines/size-conditioning.ts';
import type { ProviderPreference } from '../runtime/ort.ts';
import type { NoiseKind } from '../samplers/common.ts';
import type { EngineCallContext } from '../types.ts';

export interface Txt2ImgJobInput {
  modelDir: string;
  prompt: string;
  negativePrompt: string;
  /** left out: the model's default (turbo models: 1) */
  cfgScale?: number;
  steps?: number;
  sampler?: string;
  /** the SDE samplers' noise; the other samplers ignore it (pipelines/params.ts) */
  sdeNoise?: NoiseKind;
  schedule?: string;
  /** seed of the first image (image n of the run uses seed + n) */
  seed: number;
  width?: number;
  height?: number;
  batchSize: number;
  batchCount: number;
  provider: ProviderPreference;
  /** text to image only: the hires fix's second pass */
  hires?: HiresParams;
  /** LoRAs the prompt's <lora:…> tags name, resolved on the main side */
  loras?: LoraParam[];
  /** SDXL's original size, crop top-left and target size (pipelines/size-conditioning.ts) */
  sizeConditioning?: SizeConditioning;
  /** a preview every N steps, 0 = none */
  previewEvery: number;
}

export type JobStage = 'loading' | 'encoding' | 'sampling' | 'decoding' | 'saving';

export type EngineJobEvent =
  | { type: 'stage'; stage: JobStage; run: number; runs: number }
  | { type: 'step'; run: number; runs: number; step: number; steps: number; sigma: number; previewDataUrl: string | null }
  /** one finished image (run is 1-based), with its recorded reverse process (float16 .rvrec) when the run recorded steps */
  | { type: 'image'; run: number; png: Uint8Array; width: number; height: number; seed: number; parameters: string; recording?: Uint8Array }
  /** what an edit job reports besides its images (jobs/edit-job.ts) */
  | { type: 'output'; output: JobOutput };

export interface Txt2ImgJobOutput {
  images: number;
  seed: number;
  provider: string;
  providerNote?: string;
  warnings: string[];
}

/** the generation settings an edit job shares with a txt2img job, field for field */
export type EditJobBase = Txt2ImgJobInput;

export interface Img2ImgJobInput extends EditJobBase {
  /** path of the input image */
  image: string;
  strength: number;
  fit: FitMode;
}

export interface InpaintJobInput extends Img2ImgJobInput {
  /** path of the mask image (white or opaque = repaint) */
  mask: string;
  feather: number;
  mode: InpaintMode;
  padding: number;
  latentBlend?: boolean;
}

export interface DenoiseJobInput extends Omit<EditJobBase, 'width' | 'height' | 'batchSize' | 'batchCount'> {
  image: string;
  noiseSigma?: number;
  /** path of a clean reference image */
  reference?: string;
  addNoise?: number;
}

export interface QualityData {
  /** dB; null when the images are identical (infinite PSNR) */
  psnr: number | null;
  ssim: number;
}

/** What a finished edit job reports besides its images (the contract's job.output event). */
export type JobOutput =
  | { kind: 'img2img'; strength: number; stepsRun: number; input: InputInfo }
  | { kind: 'inpaint'; strength: number; stepsRun: number; input: InputInfo; nineChannel: boolean; mode: InpaintMode; box?: { x: number; y: number; width: number; height: number } }
  | ({
      kind: 'denoise';
      /** the image that was denoised (noise added in the demo mode) and the 3×3 median baseline, as PNG data URLs */
      noisyUrl: string;
      baselineUrl: string;
      quality?: { input: QualityData; output: QualityData; baseline: QualityData };
    } & Pick<DenoiseResult, 'width' | 'height' | 'noiseSigma' | 'estimatedSigma' | 'latentSigma' | 'startT' | 'stepsRun'>);

export interface EditJobResult {
  images: number;
  seed: number;
  provider: string;
  providerNote?: string;
  warnings: string[];
}

/** what a job's code gets: the abort signal and the sink for its events */
export type EngineJobContext = EngineCallContext<EngineJobEvent>;
