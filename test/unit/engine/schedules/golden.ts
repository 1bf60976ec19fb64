/**
 * Loader for the golden numbers in ../shared/reference/samplers.json (k-diffusion run in float64 on
 * an analytic Gaussian denoiser). Read at test time, never copied into the repo.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface GoldenStep { i: number; sigma: number; x: number[]; denoised: number[] }
export interface GoldenCase {
  sampler: string;
  options: Record<string, number | string>;
  schedule: string;
  sigmas: number[];
  x_init: number[];
  noise: number[][];
  steps: GoldenStep[];
  expected: number[];
}
export interface Golden {
  about: string;
  training_schedule: { beta_schedule: string; beta_start: number; beta_end: number; num_train_timesteps: number };
  schedules: {
    model_sigmas: { first: number[]; last: number[]; sigma_min: number; sigma_max: number };
    discrete: Record<string, number[]>;
    karras: Record<string, number[]>;
    exponential: Record<string, number[]>;
    polyexponential_rho2: Record<string, number[]>;
  };
  denoiser: { mean: number[]; var: number };
  cases: GoldenCase[];
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const sharedDir = path.resolve(repoRoot, '..', 'shared');

let cached: Golden | undefined;
export function loadGolden(): Golden {
  cached ??= JSON.parse(readFileSync(path.join(sharedDir, 'reference', 'samplers.json'), 'utf8')) as Golden;
  return cached;
}

/** max |a − b| / max |b|: the relative error of a whole vector, robust to entries near zero. */
export function relErr(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    num = Math.max(num, Math.abs(actual[i] - expected[i]));
    den = Math.max(den, Math.abs(expected[i]));
  }
  return den === 0 ? num : num / den;
}
