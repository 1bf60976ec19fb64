/**
 * Reverse sampling in the playground: a point cloud is a float64 tensor [N, 2, 1, 1] and the
 * samplers are the very functions that make images (samplers/registry.ts), called with the exact
 * mixture denoiser in place of a UNet. Two entries are added to the image registry's: DDPM (DDIM
 * with η = 1, which Song et al. 2021, DDIM §4.1, show is DDPM's ancestral sampler) and the plain
 * reverse-SDE Euler–Maruyama sampler.
 */
import { Rng } from '../runtime/rng.ts';
import { ddim } from '../samplers/ddim.ts';
import { eulerMaruyama } from '../samplers/euler-maruyama.ts';
import type { FloatTensor } from '../samplers/ops.ts';
import { SAMPLERS, getSampler } from '../samplers/registry.ts';
import type { GenericSampler } from '../samplers/types.ts';
import { EngineError } from '../types.ts';
import type { SamplerOptions } from '../types.ts';
import { denoise } from './mixture.ts';
import type { Mixture } from './mixture.ts';
import { processSigmas } from './process.ts';
import type { DiffusionProcess } from './process.ts';

export interface F64Tensor extends FloatTensor {
  readonly dtype: 'float64';
  readonly data: Float64Array;
}

export interface PlaygroundSampler {
  readonly id: string;
  readonly label: string;
  readonly fn: GenericSampler;
  readonly options: SamplerOptions;
  /** draws noise: follows the reverse SDE; otherwise the probability-flow ODE */
  readonly stochastic: boolean;
}

export const PLAYGROUND_SAMPLERS: readonly PlaygroundSampler[] = Object.freeze<PlaygroundSampler[]>([
  ...SAMPLERS.map((s): PlaygroundSampler => ({ id: s.id, label: s.label, fn: s.fn, options: s.defaults, stochastic: s.stochastic })),
  { id: 'ddpm', label: 'DDPM', fn: ddim, options: { eta: 1 }, stochastic: true },
  { id: 'euler_maruyama', label: 'Euler–Maruyama (SDE)', fn: eulerMaruyama, options: {}, stochastic: true },
]);

/** A playground sampler by id, or by any id, label or alias of the image registry. */
export function playgroundSampler(id: string): PlaygroundSampler {
  const key = id.trim().toLowerCase();
  const extra = PLAYGROUND_SAMPLERS.find((s) => s.id === key);
  if (extra) return extra;
  try {
    const entry = getSampler(key);
    return PLAYGROUND_SAMPLERS.find((s) => s.id === entry.id) as PlaygroundSampler;
  } catch {
    throw new EngineError('BAD_INPUT', `unknown sampler ${JSON.stringify(id)}; valid ids: ${PLAYGROUND_SAMPLERS.map((s) => s.id).join(', ')}`);
  }
}

/** Seeded standard normals as float64 (the engine's PyTorch-compatible generator). */
export function normals(rng: Rng, n: number): Float64Array {
  return Float64Array.from(rng.randn(n));
}

export interface ReverseFrame {
  /** process time of the frame (1 ≈ pure noise, 0 = the result) */
  readonly t: number;
  /** the first `trace` points at that time, in the process's own coordinates x_t */
  readonly points: Float64Array;
}

export interface ReverseRun {
  /** every generated point (t = 0), interleaved */
  readonly points: Float64Array;
  /** model (denoiser) evaluations */
  readonly nfe: number;
  readonly frames: readonly ReverseFrame[];
  readonly sigmas: Float64Array;
}

export interface ReverseInput {
  mix: Mixture;
  process: DiffusionProcess;
  sampler: PlaygroundSampler;
  steps: number;
  /** the starting noise x_1 in the process's coordinates, interleaved (N points) */
  start: Float64Array;
  /** seed of the noise the stochastic samplers draw along the way */
  noiseSeed: number;
  /** how many of the points to record at every step (0: none) */
  trace?: number;
  /** a schedule to use instead of the process's own (tests) */
  sigmas?: Float64Array;
  signal?: AbortSignal;
}

/**
 * Runs one sampler from `start` down the process's schedule. The sampler sees x̃ = x/α and
 * σ̃ = σ/α (k-diffusion's frame); frames and results come back as x = α·x̃.
 */
export async function reverse(input: ReverseInput): Promise<ReverseRun> {
  const { mix, process, sampler, start } = input;
  const sigmas = input.sigmas ?? processSigmas(process, input.steps);
  const n = start.length / 2;
  const dims = [n, 2, 1, 1];
  const tensor = (data: Float64Array): F64Tensor => ({ dtype: 'float64', dims, data });
  const trace = Math.min(n, input.trace ?? 0);
  const frames: ReverseFrame[] = [];
  const native = (x: Float64Array, kSigma: number): Float64Array => {
    const a = process.alphaOf(kSigma);
    return Float64Array.from(x.subarray(0, 2 * trace), (v) => v * a);
  };
  const a0 = process.alphaOf(sigmas[0]);
  const x0 = tensor(Float64Array.from(start, (v) => v / a0));
  let nfe = 0;
  const rng = new Rng(input.noiseSeed);
  const out = await sampler.fn<F64Tensor>(
    async (x, sigma) => {
      nfe++;
      return tensor(denoise(mix, x.data, sigma));
    },
    x0,
    sigmas,
    {
      noise: () => tensor(normals(rng, 2 * n)),
      ...(input.signal ? { signal: input.signal } : {}),
      onStep: trace > 0 ? (s) => frames.push({ t: process.timeOf(s.sigmaHat), points: native(s.x.data, s.sigmaHat) }) : undefined,
    },
    sampler.options,
  );
  const last = sigmas[sigmas.length - 1];
  const points = Float64Array.from(out.data, (v) => v * process.alphaOf(last));
  if (trace > 0) frames.push({ t: process.timeOf(last), points: points.slice(0, 2 * trace) });
  return { points, nfe, frames, sigmas };
}
