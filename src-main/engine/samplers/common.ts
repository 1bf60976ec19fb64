/** Pieces shared by the samplers: k-diffusion's `to_d`, `get_ancestral_step`, guarded model calls, options. */
import { CancelledError, EngineError } from '../types.ts';
import type { SamplerOptions } from '../types.ts';
import { combine, combineAndStepInto, combineInto } from './ops.ts';
import type { FloatTensor } from './ops.ts';
import type { DenoiserOf, SamplerContextOf } from './types.ts';

/**
 * The denoiser, checked: before every model call it throws CancelledError if the job's signal
 * fired, and it verifies the denoiser kept x's shape.
 */
export function guarded<T extends FloatTensor>(denoise: DenoiserOf<T>, ctx: SamplerContextOf<T>): DenoiserOf<T> {
  return async (x, sigma) => {
    if (ctx.signal?.aborted) throw new CancelledError();
    const out = await denoise(x, sigma);
    if (out.data.length !== x.data.length) {
      throw new EngineError('INTERNAL', `denoiser returned [${out.dims.join(',')}] for x of [${x.dims.join(',')}] at sigma ${sigma}`);
    }
    return out;
  };
}

/** Karras ODE derivative d = (x − x̂₀) / σ. */
export function toD<T extends FloatTensor>(x: T, sigma: number, denoised: T): T {
  return combine([x, 1 / sigma], [denoised, -1 / sigma]);
}

/** toD written into a scratch tensor the sampler owns (same numbers). */
export function toDInto<T extends FloatTensor>(out: T, x: T, sigma: number, denoised: T): T {
  return combineInto(out, [x, 1 / sigma], [denoised, -1 / sigma]);
}

/**
 * An Euler step with its derivative: d = toD(x, σ, x̂₀) written into d, out = x + d·dt, in one pass with
 * the numbers of toDInto then addScaledInto (ops.ts combineAndStepInto). `out` may be x. With `then` =
 * [e, c], out + e·c over it in the same pass (an ancestral step's noise), as addScaledInto after it would.
 */
export function eulerStepInto<T extends FloatTensor>(out: T, d: T, x: T, sigma: number, denoised: T, dt: number, then: readonly [T, number] | null = null): T {
  return combineAndStepInto(out, d, [x, 1 / sigma], [denoised, -1 / sigma], dt, then);
}

/**
 * A derivative and the update that uses it: d = toD(x, σ, x̂₀) written into d, then out = Σ terms + d·s, in
 * one pass with the numbers of toDInto then combineInto(out, ...terms, [d, s]) (ops.ts combineAndStepInto:
 * Heun's and DPM2's second stage). With `then` = [e, c], out + e·c over it, as addScaledInto after it would.
 */
export function toDThenCombineInto<T extends FloatTensor>(out: T, d: T, x: T, sigma: number, denoised: T, terms: readonly (readonly [T, number])[], s: number, then: readonly [T, number] | null = null): T {
  return combineAndStepInto(out, d, [x, 1 / sigma], [denoised, -1 / sigma], s, then, terms);
}

/**
 * Ancestral step from sigmaFrom to sigmaTo: deterministic step down to sigmaDown, then add noise of
 * std sigmaUp, with sigmaDown² + sigmaUp² = sigmaTo² (k-diffusion `get_ancestral_step`; eta scales
 * the noise, eta = 0 is deterministic).
 */
export function ancestralStep(sigmaFrom: number, sigmaTo: number, eta: number): { sigmaDown: number; sigmaUp: number } {
  if (eta === 0) return { sigmaDown: sigmaTo, sigmaUp: 0 };
  const sigmaUp = Math.min(sigmaTo, eta * Math.sqrt((sigmaTo ** 2 * (sigmaFrom ** 2 - sigmaTo ** 2)) / sigmaFrom ** 2));
  const sigmaDown = Math.sqrt(sigmaTo ** 2 - sigmaUp ** 2);
  return { sigmaDown, sigmaUp };
}

/** A numeric option (or its default); BAD_INPUT for NaN, strings or values outside [min, max]. */
export function optNumber(options: SamplerOptions | undefined, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const v = options?.[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || Number.isNaN(v) || v < min || v > max) {
    throw new EngineError('BAD_INPUT', `sampler option ${name} must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

/** A string option restricted to `allowed` (or its default). */
export function optChoice<S extends string>(options: SamplerOptions | undefined, name: string, allowed: readonly S[], fallback: S): S {
  const v = options?.[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new EngineError('BAD_INPUT', `sampler option ${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as S;
}

/**
 * Checks a sigma schedule (finite, ≥ 0, strictly decreasing) and returns its number of steps,
 * sigmas.length − 1 (0 for [0]: nothing to do, e.g. img2img at strength 0).
 */
export function stepCount(sigmas: Float64Array): number {
  if (sigmas.length === 0) throw new EngineError('BAD_INPUT', 'sigmas is empty; expected a descending schedule ending in 0');
  for (let i = 0; i < sigmas.length; i++) {
    const s = sigmas[i];
    if (!Number.isFinite(s) || s < 0) throw new EngineError('BAD_INPUT', `sigmas[${i}] is ${s}; sigmas must be finite and ≥ 0`);
    if (i > 0 && !(s < sigmas[i - 1])) {
      throw new EngineError('BAD_INPUT', `sigmas must be strictly decreasing, but sigmas[${i}] = ${s} follows ${sigmas[i - 1]}`);
    }
  }
  return sigmas.length - 1;
}

/** The SDE samplers' `noise` option: a fresh seeded draw per step, or Brownian-tree increments (pipelines/sample.ts draws them). */
export const NOISE_KINDS = ['gaussian', 'brownian'] as const;
export type NoiseKind = (typeof NOISE_KINDS)[number];
