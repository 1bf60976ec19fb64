/**
 * Test harness for samplers: the analytic denoiser of Gaussian data, D(x, σ) = μ + (x − μ)·v/(v + σ²)
 * (the exact posterior mean for data ~ N(μ, v·I)), float64/float32 tensors, and a replayable noise source.
 */
import type { FloatTensor } from '../../../../src-main/engine/samplers/ops.ts';
import type { DenoiserOf, SamplerContextOf, StepInfoOf } from '../../../../src-main/engine/samplers/types.ts';
import type { F32Tensor } from '../../../../src-main/engine/types.ts';

export interface F64Tensor extends FloatTensor {
  readonly dtype: 'float64';
  readonly data: Float64Array;
}

export const DIMS = [1, 2, 2, 2] as const;

export function f64(values: ArrayLike<number>, dims: readonly number[] = DIMS): F64Tensor {
  return { dtype: 'float64', dims, data: Float64Array.from(values) };
}

export function f32(values: ArrayLike<number>, dims: readonly number[] = DIMS): F32Tensor {
  return { dtype: 'float32', dims, data: Float32Array.from(values) };
}

/** The exact denoiser of N(mean, v·I) data, computed in the tensor's own precision. */
export function gaussianDenoiser<T extends FloatTensor>(mean: readonly number[], v: number, make: (a: ArrayLike<number>) => T): DenoiserOf<T> & { calls: number } {
  const fn = async (x: T, sigma: number): Promise<T> => {
    fn.calls++;
    const w = v / (v + sigma * sigma);
    return make(Array.from(x.data, (xi, i) => mean[i % mean.length] + (xi - mean[i % mean.length]) * w));
  };
  fn.calls = 0;
  return fn;
}

/** A context replaying fixed noise draws in order; records every step and every noise request. */
export function replayContext<T extends FloatTensor>(draws: readonly (readonly number[])[], make: (a: ArrayLike<number>) => T, signal?: AbortSignal) {
  const steps: StepInfoOf<T>[] = [];
  const noiseCalls: [number, number][] = [];
  const ctx: SamplerContextOf<T> = {
    noise: (sigma, sigmaNext) => {
      if (noiseCalls.length >= draws.length) throw new Error(`sampler asked for noise draw #${noiseCalls.length + 1}, only ${draws.length} recorded`);
      noiseCalls.push([sigma, sigmaNext]);
      return make(draws[noiseCalls.length - 1]);
    },
    signal,
    onStep: (info) => steps.push(info),
  };
  return { ctx, steps, noiseCalls };
}

/** Seeded standard normals (Box–Muller on a small LCG) for tests that need many draws. */
export function normals(seed: number, n: number): number[] {
  let s = seed >>> 0 || 1;
  const u = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}
