/**
 * What the edit pipelines (img2img, inpaint, denoise, anomaly, forward) share: their extra parameters
 * and checks, the size an image is worked at, VAE encoding of an RGB8 image, decoding a batch of
 * latents to PNGs with infotext, and per-run step recordings.
 */
import { pixelsToRgb8, rgb8ToPixels } from '../imageio/convert.ts';
import type { Rgb8Image } from '../imageio/convert.ts';
import { FIT_MODES, defaultWorkSize } from '../imageio/input.ts';
import type { FitMode, ImageSource } from '../imageio/input.ts';
import { encodePng } from '../imageio/png.ts';
import type { LoadedModel, ModelInfo } from '../models/model.ts';
import { CancelledError, EngineError } from '../types.ts';
import type { F32Tensor, StepInfo } from '../types.ts';
import { MAX_SIZE, MIN_SIZE, roundToFactor } from './params.ts';
import { StepRecorder } from './record.ts';
import type { Recording, RecordingMeta } from './record.ts';
import { infotext } from './txt2img.ts';
import type { Prepared, Txt2ImgImage, Txt2ImgOptions } from './txt2img.ts';

/** Parameters every image-taking pipeline adds to the txt2img ones. */
export interface ImageInputParams {
  /** a file path or the encoded bytes of any image sharp reads */
  image: ImageSource;
  /** how the image is fitted to width × height when they differ from its size (default 'resize') */
  fit?: FitMode;
  /** pixel budget for decoding (default 40 MP) */
  maxPixels?: number;
}

export interface EditOptions extends Txt2ImgOptions {
  /** keep every step's x_t and x̂₀ (one Recording per batch) in the result */
  readonly record?: boolean;
}

/** A1111's img2img default. */
export const DEFAULT_STRENGTH = 0.75;

export function checkStrength(strength: number | undefined, fallback: number): number {
  const s = strength ?? fallback;
  if (typeof s !== 'number' || !(s >= 0 && s <= 1)) {
    throw new EngineError('BAD_INPUT', `strength must be a number from 0 (keep the image) to 1 (repaint it completely), got ${String(strength)}`);
  }
  return s;
}

export function checkFit(fit: string | undefined): FitMode {
  const f = fit ?? 'resize';
  if (!(FIT_MODES as readonly string[]).includes(f)) throw new EngineError('BAD_INPUT', `unknown fit mode ${JSON.stringify(fit)}; valid: ${FIT_MODES.join(', ')}`);
  return f as FitMode;
}

/**
 * The size to work at: width and height as requested; one of them alone keeps the image's aspect
 * ratio; neither gives the image's aspect at no more than the model's default area (scaled down, never
 * up), sides multiples of the model's size step (VAE factor × UNet downsampling).
 */
export function workSize(image: { width: number; height: number }, info: ModelInfo, width?: number, height?: number): { width: number; height: number } {
  if (width !== undefined && height !== undefined) return { width, height };
  const f = info.sizeStep;
  if (width !== undefined) return { width, height: roundToFactor((width * image.height) / image.width, f) };
  if (height !== undefined) return { width: roundToFactor((height * image.width) / image.height, f), height };
  return defaultWorkSize(image.width, image.height, info.defaultWidth * info.defaultHeight, f, MIN_SIZE, MAX_SIZE);
}

/** RGB8 → [1, 3, H, W] in [-1, 1] → VAE latents (the distribution's mean for latent_parameters exports). */
export async function encodeRgb8(model: LoadedModel, image: Rgb8Image): Promise<F32Tensor> {
  return model.encode(rgb8ToPixels([image]));
}

export function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Batch item k of [B, ...] as [1, ...] (a view, not a copy). */
export function batchItem(t: F32Tensor, k: number): F32Tensor {
  const [b, ...rest] = t.dims;
  const size = t.data.length / b;
  return { dtype: 'float32', dims: [1, ...rest], data: t.data.subarray(k * size, (k + 1) * size) };
}

/** VAE-decodes each batch item to RGB8, one at a time (bounded memory, cancellable between items). */
export async function decodeEach(model: LoadedModel, latents: F32Tensor, signal?: AbortSignal): Promise<Rgb8Image[]> {
  const out: Rgb8Image[] = [];
  for (let k = 0; k < latents.dims[0]; k++) {
    checkAborted(signal);
    out.push(pixelsToRgb8(await model.decode(batchItem(latents, k)))[0]);
  }
  return out;
}

export interface ImageSink {
  readonly images: Txt2ImgImage[];
  readonly parameters: string[];
}

/** Encodes finished RGB8 images as PNGs with the run's infotext, reports each through onImage. */
export async function emitImages(pr: Prepared, rgbs: readonly Rgb8Image[], seeds: readonly number[], opts: Txt2ImgOptions, sink: ImageSink): Promise<void> {
  for (const [k, rgb] of rgbs.entries()) {
    const text = infotext(pr, seeds[k]);
    const image = { png: await encodePng(rgb, [{ keyword: 'parameters', text }]), seed: seeds[k], width: rgb.width, height: rgb.height };
    sink.images.push(image);
    sink.parameters.push(text);
    opts.onImage?.({ ...image, index: sink.images.length - 1, parameters: text });
  }
}

/** One Recording per batch of a run, when enabled. */
export class RunRecordings {
  readonly list: Recording[] = [];
  private current: StepRecorder;

  constructor(
    private readonly model: LoadedModel,
    readonly enabled: boolean,
  ) {
    this.current = this.fresh();
  }

  private fresh(): StepRecorder {
    return new StepRecorder((sigma) => this.model.discrete.sigmaToT(sigma));
  }

  readonly onStep = (info: StepInfo): void => {
    if (this.enabled) this.current.onStep(info);
  };

  /** Options with the recorder chained after the caller's onStep. */
  options<O extends Txt2ImgOptions>(opts: O): O {
    if (!this.enabled) return opts;
    return {
      ...opts,
      onStep: (s: Parameters<NonNullable<Txt2ImgOptions['onStep']>>[0]) => {
        opts.onStep?.(s);
        this.onStep(s);
      },
    };
  }

  /** Ends the current batch's recording with its final latents. */
  close(sigmas: Float64Array, final: F32Tensor, meta: RecordingMeta): void {
    if (!this.enabled) return;
    this.list.push(this.current.recording(sigmas, final, meta));
    this.current = this.fresh();
  }
}

/** Drops prepare's "the prompt is empty" warning where an empty prompt is the pipeline's own default. */
export function dropEmptyPromptWarning(pr: Prepared): void {
  pr.warnings = pr.warnings.filter((w) => !/^the prompt is empty/.test(w));
}

/** Recording metadata of a prepared run. */
export function runMeta(pr: Prepared, seeds: readonly number[], extra: RecordingMeta = {}): RecordingMeta {
  return { model: pr.model.info.name, vaeFactor: pr.model.info.vaeFactor, sampler: pr.p.sampler.id, schedule: pr.p.schedule, cfgScale: pr.p.cfgScale, seeds: [...seeds], ...extra };
}
