/**
 * Test harness for samplers: the analytic denoiser of Gaussian data, D(x, σ) = μ + (x − μ)·v/(v + σ²)
 * (the exact posterior mean for data ~ N(μ, v·I)), float64/float32 tensors, and a replayable noise source.
 */
import { clone } from '../../../../src-main/engine/samplers/ops.ts';
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

/** A context replaying fixed noise draws in order; records every step (x copied) and every noise request. */
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
    // x is the sampler's working buffer, valid during the call: kept as a copy
    onStep: (info) => steps.push({ ...info, x: clone(info.x) }),
  };
  return { ctx, steps, noiseCalls };
}

/**
 * Seeded standard normals for tests: xoshiro128** (period 2^128, seeded through splitmix32) and
 * Box–Muller. `normals(seed, n)` is one fresh stream; a `NormalStream` keeps drawing from one stream.
 */
export class NormalStream {
  private s = new Uint32Array(4);

  constructor(seed: number) {
    let z = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      z = (z + 0x9e3779b9) >>> 0;
      let t = z;
      t = Math.imul(t ^ (t >>> 16), 0x85ebca6b);
      t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35);
      this.s[i] = (t ^ (t >>> 16)) >>> 0;
    }
  }

  private next(): number {
    const s = this.s;
    const result = Math.imul(((Math.imul(s[1], 5) << 7) | (Math.imul(s[1], 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 11) | (s[3] >>> 21);
    return (result + 0.5) / 2 ** 32;
  }

  draw(n: number): number[] {
    return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(this.next())) * Math.cos(2 * Math.PI * this.next()));
  }
}

export function normals(seed: number, n: number): number[] {
  return new NormalStream(seed).draw(n);
}
