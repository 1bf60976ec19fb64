/**
 * Sampler signatures generic over the tensor type, so one implementation runs on F32Tensor in
 * production and on a float64 tensor in golden tests. With T = F32Tensor these are exactly the
 * engine's Denoiser / SamplerContext / StepInfo, and a GenericSampler is assignable to `Sampler`.
 */
import type { SamplerOptions } from '../types.ts';
import type { FloatTensor } from './ops.ts';

export type DenoiserOf<T extends FloatTensor> = (x: T, sigma: number) => Promise<T>;

/**
 * What a sampler reports before each step. `x` is the sampler's own working buffer, updated in place
 * by the step that follows (no large allocation per step): it is valid during the onStep call only,
 * and a hook that keeps it copies it (sampleLatents does, for every pipeline hook). `denoised` is the
 * denoiser's output, which samplers never write to.
 */
export interface StepInfoOf<T extends FloatTensor> {
  readonly i: number;
  readonly sigma: number;
  readonly sigmaHat: number;
  readonly x: T;
  readonly denoised: T;
}

export interface SamplerContextOf<T extends FloatTensor> {
  readonly noise: (sigma: number, sigmaNext: number) => T;
  readonly signal?: AbortSignal;
  readonly onStep?: (info: StepInfoOf<T>) => void;
}

/**
 * A sampler: k-diffusion's shape, a function of a denoiser, the initial x and a sigma schedule. It
 * copies x once (the caller's tensor is never written), works in place on that copy and a few scratch
 * tensors, and returns the final latents (its copy, or the last denoiser output).
 */
export type GenericSampler = <T extends FloatTensor>(
  denoise: DenoiserOf<T>,
  x: T,
  sigmas: Float64Array,
  ctx: SamplerContextOf<T>,
  options?: SamplerOptions,
) => Promise<T>;
