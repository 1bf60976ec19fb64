/**
 * Sampler signatures generic over the tensor type, so one implementation runs on F32Tensor in
 * production and on a float64 tensor in golden tests. With T = F32Tensor these are exactly the
 * engine's Denoiser / SamplerContext / StepInfo, and a GenericSampler is assignable to `Sampler`.
 */
import type { SamplerOptions } from '../types.ts';
import type { FloatTensor } from './ops.ts';

export type DenoiserOf<T extends FloatTensor> = (x: T, sigma: number) => Promise<T>;

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

export type GenericSampler = <T extends FloatTensor>(
  denoise: DenoiserOf<T>,
  x: T,
  sigmas: Float64Array,
  ctx: SamplerContextOf<T>,
  options?: SamplerOptions,
) => Promise<T>;
