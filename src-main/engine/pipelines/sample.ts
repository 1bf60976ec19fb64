/**
 * The sampling core shared by the pipelines: seeded initial noise, the per-image noise source of
 * stochastic samplers, the CFG-wrapped denoiser and the sampler loop, returning latents.
 *
 * Noise (A1111's ImageRNG with CPU randn): image k of a batch has its own generator Rng(seed_k);
 * the initial latent is its first randn(C·h·w) times sigmas[0] (k-diffusion's x = randn·σ_max), and
 * every later noise draw of a stochastic sampler takes the next randn(C·h·w) from the same
 * generator, stacked over the batch. So an image depends only on its own seed, not on its batch.
 */
import { cfgDenoiser } from '../guidance/cfg.ts';
import type { GuidanceSplit } from '../guidance/cfg.ts';
import type { AddedConditioning, ModelDenoiser } from '../models/model.ts';
import { BrownianNoise } from '../runtime/brownian-tree.ts';
import type { BrownianSpec } from '../runtime/brownian-tree.ts';
import { threadNoise } from '../runtime/noise-thread.ts';
import { Rng } from '../runtime/rng.ts';
import { concatBatch, splitBatch } from '../samplers/ops-batch.ts';
import { kernelArena, releaseArena } from '../samplers/ops-kernels.ts';
import type { WasmArena } from '../runtime/wasm-arena.ts';
import { EngineError } from '../types.ts';
import type { SamplerEntry } from '../samplers/registry.ts';
import type { Denoiser, F32Tensor, NoiseSampler, SamplerOptions, StepInfo } from '../types.ts';

export interface SampleLatentsInput {
  readonly denoise: ModelDenoiser;
  /** [1 or B, L, H] */
  readonly cond: F32Tensor;
  /** null: no unconditional pass */
  readonly uncond: F32Tensor | null;
  readonly cfgScale: number;
  /** one UNet call for cond + uncond (dynamic batch axis) */
  readonly cfgBatched: boolean;
  /** false: the UNet takes batch 1 only, so batches are run item by item */
  readonly unetBatchable: boolean;
  readonly sampler: SamplerEntry;
  readonly samplerOptions?: SamplerOptions;
  /** descending, ends in 0 */
  readonly sigmas: Float64Array;
  /** one seed per image in the batch */
  readonly seeds: readonly number[];
  /** [C, h, w] of one latent */
  readonly latentShape: readonly [number, number, number];
  /** extra UNet channels (inpainting UNets), [1 or B, k, h, w] */
  readonly concat?: F32Tensor;
  /** SDXL: text_embeds and time_ids of cond and uncond (batch 1 or B), see CfgOptions */
  readonly added?: { readonly cond: AddedConditioning; readonly uncond: AddedConditioning | null };
  /**
   * latents the run starts from, [1 or B, C, h, w] (img2img, inpainting, denoising); without it the
   * run starts from pure noise. x = init + sigmas[0]·ε, or x = init when `noised` is false (the input
   * already carries noise of level sigmas[0], as a noisy photo does).
   */
  readonly init?: F32Tensor;
  readonly noised?: boolean;
  /** wraps the CFG denoiser (inpainting's latent blend); gets the run's initial noise ε [B, C, h, w] */
  readonly wrap?: (denoiser: Denoiser, initialNoise: F32Tensor) => Denoiser;
  readonly signal?: AbortSignal;
  readonly onStep?: (info: StepInfo) => void;
  /** each guided model call's uncond and cond predictions (guidance/cfg.ts); only the Pipeline view asks */
  readonly onGuidance?: (split: GuidanceSplit) => void;
}

export interface SampledLatents {
  /** [B, C, h, w] */
  readonly latents: F32Tensor;
  /** milliseconds per sampler step (time between step callbacks; the last includes the final update) */
  readonly stepMs: number[];
}

/**
 * Per-image generators and the sampler's noise source drawn from them. `prefetch` asks for the next
 * noise ahead, into a queue of one that `noise` takes from first; drawingAhead calls it just after a
 * model call starts. It is null where nothing can be drawn ahead: the noise thread keeps its own ring
 * full, and a Brownian step's noise depends on its sigmas. With `threaded` (stochastic samplers) the generators live on the noise thread
 * (runtime/noise-thread.ts), which draws while the JavaScript thread is inside ONNX Runtime's
 * synchronous `run`: Box–Muller on 4×128×128 costs milliseconds, a GPU UNet step ~20 ms. Without a
 * worker (or without `threaded`) they are drawn here. The values and their order are the same either way.
 * With `brownian` the initial noise still comes from the generators, and each step's noise is the
 * images' Brownian-tree increment over the step (runtime/brownian-tree.ts), the same on either thread.
 * `close` frees the worker's generators: call it when the run ends.
 */
export function imageNoise(
  seeds: readonly number[],
  shape: readonly [number, number, number],
  threaded = false,
  brownian?: BrownianSpec,
): { initial: F32Tensor; noise: NoiseSampler; prefetch: (() => void) | null; close: () => void } {
  const stream = threaded ? threadNoise(seeds, shape, brownian) : null;
  if (stream) return { initial: stream.initial, noise: stream.noise, prefetch: null, close: stream.close };
  const [c, h, w] = shape;
  const n = c * h * w;
  const rngs = seeds.map((s) => new Rng(s));
  const draw = (): F32Tensor => {
    const data = new Float32Array(n * rngs.length);
    rngs.forEach((r, k) => r.randnInto(data.subarray(k * n, (k + 1) * n)));
    return { dtype: 'float32', dims: [rngs.length, c, h, w], data };
  };
  const initial = draw();
  if (brownian) {
    const paths = new BrownianNoise(seeds, n, brownian);
    paths.warm(); // as the noise thread does after each answer (the initial noise too): same queries, same values
    const increment = (sigma: number, sigmaNext: number): F32Tensor => {
      const data = paths.draw(sigma, sigmaNext);
      paths.warm();
      return { dtype: 'float32', dims: [rngs.length, c, h, w], data };
    };
    return { initial, noise: increment, prefetch: null, close: () => undefined };
  }
  let ahead: F32Tensor | null = null;
  const noise = (): F32Tensor => {
    const next = ahead ?? draw();
    ahead = null;
    return next;
  };
  const prefetch = (): void => {
    ahead ??= draw();
  };
  return { initial, noise, prefetch, close: () => undefined };
}

/** A run's Brownian-noise spec when its options ask for it (option noise: 'brownian'), with the sampler's half step if it has one. */
export function brownianSpec(sampler: SamplerEntry, options: SamplerOptions | undefined, sigmas: ArrayLike<number>): BrownianSpec | undefined {
  if (options?.noise !== 'brownian') return undefined;
  const half = sampler.halfStepOption === undefined ? undefined : options[sampler.halfStepOption];
  return { sigmas: Array.from(sigmas), ...(typeof half === 'number' ? { halfStep: half } : {}) };
}

/** The denoiser with the next noise drawn while its model call runs (stochastic samplers only). */
export function drawingAhead(denoiser: Denoiser, prefetch: () => void): Denoiser {
  return (x, sigma) => {
    const result = denoiser(x, sigma);
    prefetch();
    return result;
  };
}

/** Runs a batch-capable denoiser one item at a time (UNets exported with a fixed batch of 1). */
function itemByItem(denoise: ModelDenoiser): ModelDenoiser {
  return async (x, sigma, context, concat, added) => {
    const b = x.dims[0];
    if (b === 1) return denoise(x, sigma, context, concat, added);
    const xs = splitBatch(x, b);
    const each = (t: F32Tensor): F32Tensor[] => (t.dims[0] === b ? splitBatch(t, b) : xs.map(() => t));
    const cs = each(context);
    const ks = concat === undefined ? undefined : each(concat);
    const es = added && each(added.textEmbeds);
    const ts = added && each(added.timeIds);
    const outs: F32Tensor[] = [];
    for (let i = 0; i < b; i++) outs.push(await denoise(xs[i], sigma, cs[i], ks?.[i], es && ts ? { textEmbeds: es[i], timeIds: ts[i] } : undefined));
    return concatBatch(...outs);
  };
}

export async function sampleLatents(input: SampleLatentsInput): Promise<SampledLatents> {
  const brownian = brownianSpec(input.sampler, input.samplerOptions, input.sigmas);
  const { initial, noise, prefetch, close } = imageNoise(input.seeds, input.latentShape, input.sampler.stochastic, brownian);
  // the run's latents live in an arena (samplers/ops-kernels.ts kernelArena): the sampler's own x and
  // scratch tensors are taken from it, and its kernels update them in place instead of copying them in
  // and out at every step; the result is copied out of it, and the arena goes back for the next run
  const arena = kernelArena(initial.data.length);
  try {
    return await sampleFrom(input, initial, noise, prefetch, arena);
  } finally {
    close();
    if (arena) releaseArena(initial.data.length, arena);
  }
}

async function sampleFrom(input: SampleLatentsInput, initial: F32Tensor, noise: NoiseSampler, prefetch: (() => void) | null, arena: WasmArena | null): Promise<SampledLatents> {
  const { sigmas, signal } = input;
  const sigmaMax = sigmas[0];
  const x0 = arena?.take(initial.data.length) ?? new Float32Array(initial.data.length);
  const init = input.init?.data;
  const per = initial.data.length / input.seeds.length;
  const start = (i: number): number => (init === undefined ? 0 : init.length === per ? init[i % per] : init[i]);
  if (init !== undefined && init.length !== per && init.length !== initial.data.length) {
    throw new EngineError('INTERNAL', `init latents [${input.init?.dims.join(', ')}] do not match the run's latents [${initial.dims.join(', ')}]`);
  }
  const noised = input.noised ?? true;
  for (let i = 0; i < x0.length; i++) x0[i] = noised ? start(i) + initial.data[i] * sigmaMax : start(i);
  const model = input.unetBatchable ? input.denoise : itemByItem(input.denoise);
  const guided = cfgDenoiser(model, input.cond, input.uncond, input.cfgScale, {
    batched: input.cfgBatched && input.unetBatchable,
    concat: input.concat,
    signal,
    ...(input.added ? { added: input.added } : {}),
    ...(input.onGuidance ? { onSplit: input.onGuidance } : {}),
  });
  const wrapped = input.wrap ? input.wrap(guided, initial) : guided;
  const denoiser = input.sampler.stochastic && prefetch ? drawingAhead(wrapped, prefetch) : wrapped;
  const stepMs: number[] = [];
  let last = performance.now();
  const onStep = (info: StepInfo): void => {
    const now = performance.now();
    stepMs.push(now - last);
    last = now;
    // info.x is the sampler's working buffer, updated in place by the next step: a hook that keeps it
    // copies it (StepRecorder does); denoised is the denoiser's own output
    input.onStep?.(info);
  };
  const sampled = await input.sampler.fn(denoiser, { dtype: 'float32', dims: initial.dims, data: x0 }, sigmas, { noise, signal, onStep }, input.samplerOptions);
  const latents = arena?.holds(sampled.data) ? { ...sampled, data: sampled.data.slice() } : sampled;
  if (stepMs.length > 0) stepMs[stepMs.length - 1] += performance.now() - last;
  return { latents, stepMs };
}
