/**
 * Looking at latents: cheap previews through the model's linear latent → RGB factors (one small image
 * at latent resolution, no VAE: InvokeAI/ComfyUI's latent preview idea, factors from the model folder
 * or the family table), full VAE decodes of chosen recorded steps, and a throttle for streaming
 * previews during a run.
 *
 * x_t is shown as the DDPM latent x_t = x/√(σ² + 1) (= √ᾱ·x₀ + √(1 − ᾱ)·ε, what the UNet is fed):
 * the engine's k-diffusion x = x₀ + σ·ε grows to σ_max ≈ 15 at the start and would preview as
 * saturated noise. x̂₀ is shown as it is.
 */
import { latentItemPreviewRgb8, pixelsToRgb8 } from '../imageio/convert.ts';
import type { Rgb8Image } from '../imageio/convert.ts';
import { encodePng } from '../imageio/png.ts';
import { renderPreviewPng } from '../imageio/preview-thread.ts';
import type { LoadedModel, ModelInfo } from '../models/model.ts';
import { clone } from '../samplers/ops.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor, StepInfo } from '../types.ts';
import type { Recording } from './record.ts';

export type PreviewFactors = ModelInfo['previewFactors'];
export type StepImageKind = 'x' | 'denoised';

/** c_in = 1/√(σ² + 1), the DDPM scaling of x_t at sigma; 1 without a sigma. */
function cInScale(sigma: number | undefined): number {
  return sigma === undefined ? 1 : 1 / Math.sqrt(sigma * sigma + 1);
}

/** Batch item `item` of [B, C, h, w], optionally scaled by c_in = 1/√(σ² + 1). */
export function latentItem(latents: F32Tensor, item = 0, sigma?: number): F32Tensor {
  const [b, c, h, w] = latents.dims;
  if (latents.dims.length !== 4 || !Number.isInteger(item) || item < 0 || item >= b) {
    throw new EngineError('BAD_INPUT', `batch item ${item} is outside latents [${latents.dims.join(', ')}]`);
  }
  const n = c * h * w;
  const slice = latents.data.subarray(item * n, (item + 1) * n);
  const scale = cInScale(sigma);
  const data = scale === 1 ? Float32Array.from(slice) : slice.map((v) => v * scale);
  return { dtype: 'float32', dims: [1, c, h, w], data };
}

/** Linear-factor preview (latent resolution) of one batch item; pass sigma to show x_t in DDPM scaling. */
export function previewRgb8(latents: F32Tensor, factors: PreviewFactors, item = 0, sigma?: number): Rgb8Image {
  return latentItemPreviewRgb8(latents, factors, item, cInScale(sigma));
}

export async function previewPng(latents: F32Tensor, factors: PreviewFactors, item = 0, sigma?: number): Promise<Buffer> {
  return encodePng(previewRgb8(latents, factors, item, sigma));
}

/** Preview of a recorded step: x_t (DDPM-scaled) or x̂₀. */
export function stepPreviewRgb8(rec: Recording, step: number, kind: StepImageKind, factors: PreviewFactors, item = 0): Rgb8Image {
  const s = recordedStep(rec, step);
  return kind === 'x' ? previewRgb8(s.x, factors, item, s.sigmaHat) : previewRgb8(s.denoised, factors, item);
}

function recordedStep(rec: Recording, step: number): Recording['steps'][number] {
  const s = rec.steps[step];
  if (!s) throw new EngineError('BAD_INPUT', `step ${step} is not in the recording (it has steps 0..${rec.steps.length - 1})`);
  return s;
}

/** Full VAE decode of a recorded step (one batch item) to RGB8 at image resolution. */
export async function decodeStep(model: LoadedModel, rec: Recording, step: number, kind: StepImageKind, item = 0): Promise<Rgb8Image> {
  const s = recordedStep(rec, step);
  const latents = kind === 'x' ? latentItem(s.x, item, s.sigmaHat) : latentItem(s.denoised, item);
  return pixelsToRgb8(await model.decode(latents))[0];
}

/** A throttled sink: at most `perSecond` emits a second, and the last value pushed is always emitted. */
export interface Throttled<T> {
  push(value: T): void;
  /** emits a pending value now (call at the end of a run) */
  flush(): void;
  /** drops a pending value and stops the timer */
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Leading + trailing throttle: the first value goes out at once; values pushed within the interval
 * replace each other and the latest goes out when the interval ends.
 */
export function throttleLatest<T>(emit: (value: T) => void, perSecond: number, clock: Clock = systemClock): Throttled<T> {
  if (!(perSecond > 0)) throw new EngineError('BAD_INPUT', `preview rate must be more than 0 per second, got ${perSecond}`);
  const interval = 1000 / perSecond;
  let last = -Infinity;
  let pending: { value: T } | null = null;
  let timer: unknown = null;
  const fire = (): void => {
    timer = null;
    if (!pending) return;
    const { value } = pending;
    pending = null;
    last = clock.now();
    emit(value);
  };
  return {
    push(value) {
      pending = { value };
      const wait = last + interval - clock.now();
      if (wait <= 0) {
        if (timer !== null) clock.clearTimeout(timer);
        fire();
      } else if (timer === null) {
        timer = clock.setTimeout(fire, wait);
      }
    },
    flush() {
      if (timer !== null) clock.clearTimeout(timer);
      fire();
    },
    cancel() {
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      pending = null;
    },
  };
}

export interface StreamedPreview {
  /** step index and the sigma it started at */
  readonly i: number;
  readonly sigma: number;
  /** PNG at latent resolution */
  readonly png: Buffer;
}

/**
 * An onStep hook that streams linear previews (x̂₀ by default, or x_t) of one batch item at most
 * `perSecond` times a second, always including the last step once `flush` is called; only the steps
 * that go out are rendered, on the preview thread (imageio/preview-thread.ts): previews arrive in
 * order, shortly after.
 */
export function previewStream(
  factors: PreviewFactors,
  perSecond: number,
  emit: (preview: StreamedPreview) => void,
  opts: { kind?: StepImageKind; item?: number; clock?: Clock } = {},
): Throttled<StepInfo> & { onStep: (info: StepInfo) => void; idle: () => Promise<void> } {
  let chain: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | null = null;
  const render = (info: StepInfo): void => {
    // rendered on the preview thread (imageio/preview-thread.ts), off the sampler loop; emitted in order
    const png = opts.kind === 'x' ? renderPreviewPng(info.x, factors, opts.item ?? 0, cInScale(info.sigmaHat)) : renderPreviewPng(info.denoised, factors, opts.item ?? 0);
    png.catch(() => undefined); // awaited below, in turn: not an unhandled rejection meanwhile
    // a failing preview must not fail the run (nor leave an unhandled rejection): kept for idle()
    chain = chain
      .then(async () => emit({ i: info.i, sigma: info.sigma, png: await png }))
      .catch((error: unknown) => {
        failure ??= { error };
      });
  };
  const throttled = throttleLatest(render, perSecond, opts.clock);
  return {
    ...throttled,
    // x is the sampler's working buffer, updated in place by the next step, and a throttled preview
    // renders later: x previews keep a copy; x̂₀ is the denoiser's output, never written
    onStep: (info) => throttled.push(opts.kind === 'x' ? { ...info, x: clone(info.x) } : info),
    /** resolves when every preview sent so far has been emitted; rejects with the first emit/encode error */
    idle: () => chain.then(() => (failure ? Promise.reject(failure.error) : undefined)),
  };
}
