/**
 * What `reverie bench` measures, one function per section. Times are wall-clock milliseconds from
 * performance.now(), medians over repeats after a warm-up where a section is cheap enough to repeat.
 * Nothing here asserts a speed: the numbers are for people comparing machines and changes.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspectModelFolder } from '../../engine/models/folder.ts';
import { PREVIEWS_PER_SECOND } from '../../engine/jobs/job-hooks.ts';
import { FAMILIES } from '../../engine/models/families.ts';
import type { ModelDenoiser } from '../../engine/models/model.ts';
import { unetDenoiser } from '../../engine/models/unet.ts';
import { CfgPairLease } from '../../engine/models/unet-kernels.ts';
import type { UnetRunner, UnetShape } from '../../engine/models/unet.ts';
import { previewStream } from '../../engine/pipelines/preview.ts';
import { brownianSpec, imageNoise, sampleLatents } from '../../engine/pipelines/sample.ts';
import { txt2img } from '../../engine/pipelines/txt2img.ts';
import { ortVersion, plainReason, probeProviders } from '../../engine/runtime/ort.ts';
import type { ProviderId } from '../../engine/runtime/ort.ts';
import { randnTensor } from '../../engine/runtime/rng.ts';
import { kernelArena, releaseArena, simdStep } from '../../engine/samplers/ops-kernels.ts';
import { SAMPLERS, totalModelCalls } from '../../engine/samplers/registry.ts';
import { DiscreteSchedule, trainingScheduleFromConfig } from '../../engine/schedules/discrete.ts';
import { karrasSigmas } from '../../engine/schedules/index.ts';
import { ClipTokenizer } from '../../engine/tokenizer/clip-bpe.ts';
import type { F32Tensor } from '../../engine/types.ts';
import { REPO_ROOT } from '../model-roots.ts';

export interface BenchPlan {
  readonly quick: boolean;
  readonly signal?: AbortSignal;
  /** progress lines ("tokenizer...") */
  readonly log: (line: string) => void;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  ort: string;
  providers: { id: ProviderId; bundled: boolean; works: boolean; reason: string }[];
}

export interface TokenizerBench {
  source: string;
  vocabSize: number;
  loadMs: number;
  prompts: number;
  /** first pass over the prompts on a fresh tokenizer (BPE word cache empty) */
  perPromptMs: number;
  /** the same prompts again (words cached) */
  perPromptWarmMs: number;
}

export interface RngBench {
  dims: number[];
  ms: number;
}

export interface SamplerBench {
  /** the sampler's id, with "+brownian" for an SDE sampler drawing Brownian-tree noise */
  id: string;
  label: string;
  modelCalls: number;
  /** sampler + analytic denoiser + noise draws, per step */
  perStepMs: number;
  /** perStepMs minus the denoiser calls' own cost: what the sampler's arithmetic and noise cost */
  overheadPerStepMs: number;
  /**
   * what the whole TypeScript loop (sampleLatents: sampler, noise, batched CFG at scale 7, the studio's
   * previews) adds to each step's wall time beside a model that blocks the JavaScript thread for
   * GPU_STEP_MS per call, as onnxruntime-node does during a GPU UNet step: the time from one model call's
   * return to the next call, over a 14-step run, per step (a step of a two-call sampler has two such gaps),
   * median of 5 runs. The setImmediate that onnxruntime-node's `run` starts with is inside the call, as
   * in ort_ms and the overhead (runtime/ort.ts times the whole `run`): SamplersBench.hopPerCallMs
   */
  criticalPerStepMs: number;
  /** model calls per step in that loop: gaps between calls counted per step (1, or 2 for Heun, DPM2, DPM++ 2S a and SDE) */
  callsPerStep: number;
  /**
   * criticalPerStepMs less the bare loop's floor for as many calls (callsPerStep × floorPerStepMs): what the
   * engine's loop adds over a loop that does nothing but the guided Euler arithmetic around the same calls.
   * Near 0 or below it (noise) means the sampler costs what any loop with its calls costs on this machine
   */
  aboveFloorPerStepMs: number;
  /** what that loop adds once per run, outside the model calls and the gaps between them (initial noise, opening the noise stream, the last update and preview) */
  criticalPerRunMs: number;
}

export interface SamplersBench {
  dims: number[];
  steps: number;
  /** one call of the analytic denoiser D(x, σ) = μ + (x − μ)·v/(v + σ²) */
  denoiserCallMs: number;
  /** what one call of the GPU_STEP_MS blocking UNet on the CFG pair really took (the wait, the UNet wrapper, the hand-off) */
  gpuCallMs: number;
  /**
   * the floor of LOOP PER STEP on this machine: the same blocking model in a bare loop that does only what
   * any guided step must (c_in·x into the [x ‖ x] input, combine the two predictions, one Euler update)
   * with the engine's SIMD kernels, measured the same way (time between calls, 14-step runs, median of 5)
   */
  floorPerStepMs: number;
  /**
   * onnxruntime-node's own hop into a run, per call: its `run` resolves from a setImmediate, so a call
   * waits for the event loop's next turn before the native run starts (measured in the floor's runs,
   * median of 5). Part of ONNX Runtime's time, not of the loop's.
   */
  hopPerCallMs: number;
  samplers: SamplerBench[];
}

export interface PipelineBench {
  model: string;
  provider: ProviderId;
  providerNote?: string;
  width: number;
  height: number;
  steps: number;
  sampler: string;
  loadMs: number;
  encodeMs: number;
  perStepMs: number;
  decodeMs: number;
  /** everything, model load included */
  totalMs: number;
  /** total without the model load: what a run costs once the model is loaded */
  generateMs: number;
  /** runs the times are the median of */
  runs: number;
}

export type DefaultModelBench = { model: string; path: string; runs: PipelineBench[] } | { model: string; path: string; skipped: string };

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Runs `fn` once to warm up, then `repeats` times; the median in ms. */
async function timed(repeats: number, fn: () => unknown): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

export async function machineInfo(): Promise<MachineInfo> {
  const statuses = await probeProviders();
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform}/${process.arch}`,
    node: process.version,
    ort: ortVersion(),
    providers: statuses.map((s) => ({ id: s.id, bundled: s.bundled, works: s.works, reason: s.works ? '' : plainReason(s) })),
  };
}

const PROMPTS = [
  'a red apple on a blue background',
  'a photograph of an astronaut riding a horse on mars, highly detailed, 8k',
  'portrait of an old fisherman, oil painting, rembrandt lighting, (dramatic:1.2), [smile]',
  'a cozy cabin in snowy mountains at dusk, warm light in the windows, volumetric fog',
  'café au lait, naïve art, Zürich street — 東京 at night',
  'isometric pixel art of a tiny island with palm trees and a lighthouse',
  'a cat and a rocket on a pink background, flat style',
  'macro shot of a dew drop on a leaf, bokeh, f/1.8, 100mm',
  'steampunk airship over victorian london, brass gears, cinematic composition, trending on artstation',
  'minimalist logo of a fox, vector, two colours',
  'the quick brown fox jumps over the lazy dog 1234567890 !?#',
  'underwater city with bioluminescent coral, wide angle, godrays, ultra detailed, unreal engine',
];

/** CLIP's vocabulary from ../shared/reference/clip (a development checkout); the fixture's tiny one otherwise. */
export async function benchTokenizer(plan: BenchPlan): Promise<TokenizerBench> {
  const shared = path.resolve(REPO_ROOT, '..', 'shared', 'reference', 'clip');
  const fixture = path.join(REPO_ROOT, 'test', 'fixtures', 'models', 'sd15-script', 'tokenizer');
  const dir = existsSync(path.join(shared, 'vocab.json')) ? shared : fixture;
  const source = dir === shared ? '../shared/reference/clip (CLIP BPE)' : 'test/fixtures/models/sd15-script/tokenizer (tiny; ../shared/reference/clip not found)';
  plan.log(`tokenizer: ${source}`);
  const loads: number[] = [];
  let tokenizer: ClipTokenizer | undefined;
  let cold = 0;
  for (let i = 0; i < (plan.quick ? 1 : 3); i++) {
    const t = performance.now();
    tokenizer = await ClipTokenizer.fromFolder(dir);
    loads.push(performance.now() - t);
    const c = performance.now();
    for (const p of PROMPTS) tokenizer.encodePadded(p);
    cold = performance.now() - c;
  }
  const tok = tokenizer as ClipTokenizer;
  const warm = await timed(plan.quick ? 3 : 20, () => {
    for (const p of PROMPTS) tok.encodePadded(p);
  });
  return { source, vocabSize: tok.vocabSize, loadMs: median(loads), prompts: PROMPTS.length, perPromptMs: cold / PROMPTS.length, perPromptWarmMs: warm / PROMPTS.length };
}

export async function benchRng(plan: BenchPlan): Promise<RngBench[]> {
  plan.log('rng: randn');
  const out: RngBench[] = [];
  for (const dims of [[4, 32, 32], [4, 64, 64]]) {
    let seed = 1;
    out.push({ dims, ms: await timed(plan.quick ? 5 : 50, () => randnTensor(seed++, dims)) });
  }
  return out;
}

/** the model call of the critical-path measure: a UNet step on a fast GPU */
export const GPU_STEP_MS = 20;

/** The blocking UNet's layout: SD 1.x's eps-predicting UNet with a dynamic batch. */
const BLOCKING_UNET: UnetShape = { latentChannels: 4, inChannels: 4, floatType: 'float32', timestepType: 'int64', timestepLayout: 'one' };

/**
 * A UNet session's run as onnxruntime-node makes it on a GPU: `run` is a setImmediate around a
 * synchronous native call, so the JavaScript thread is blocked (here: asleep in Atomics.wait) for the
 * step's GPU_STEP_MS, then the output is there, in a fresh array as ONNX Runtime returns it (here the
 * prediction ε = the scaled input, a copy). Work "overlapped" with it on this thread is not overlapped.
 * The engine's UNet wrapper (models/unet.ts unetDenoiser: c_in, the feeds, x̂₀ from ε and the NaN check)
 * runs around it as around a real session. `inside` sums the time in the runs, from the call to the
 * output (the setImmediate hop, the wait with its late wake-ups, the copy), as runtime/ort.ts times a
 * `run`; `hop` the hops alone; `between` the time from one run's output to the next run's call (the
 * loop's own work), summed since `reset`.
 */
function blockingUnet(): { runner: UnetRunner; model: ModelDenoiser; inside: () => number; between: () => number; hop: () => number; reset: () => void } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  let inside = 0;
  let between = 0;
  let hop = 0;
  let lastEnd: number | null = null;
  const runner: UnetRunner = {
    label: 'bench/blocking-unet',
    runBatched: (feeds) => {
      const called = performance.now();
      if (lastEnd !== null) between += called - lastEnd;
      return new Promise((resolve) => {
        setImmediate(() => {
          hop += performance.now() - called;
          Atomics.wait(flag, 0, 0, GPU_STEP_MS);
          const sample = feeds.sample as F32Tensor;
          const eps = new Float32Array(sample.data.length);
          eps.set(sample.data);
          lastEnd = performance.now();
          inside += lastEnd - called;
          resolve({ out_sample: { dtype: 'float32', dims: [...sample.dims], data: eps } });
        });
      });
    },
  };
  const reset = (): void => {
    between = 0;
    hop = 0;
    lastEnd = null;
  };
  const model = unetDenoiser(runner, BLOCKING_UNET, new DiscreteSchedule(trainingScheduleFromConfig({})), 'epsilon');
  return { runner, model, inside: () => inside, between: () => between, hop: () => hop, reset };
}

/**
 * The bare loop of floorPerStepMs: no engine code between the blocking runs, only a guided Euler step's
 * arithmetic on an eps-predicting UNet: c_in·x into both halves of the input, then x̂₀ of both
 * predictions, their CFG mix and the update, with the engine's SIMD kernels where it has them
 * (models/unet-kernels.ts, samplers/ops-kernels.ts, x and d in an arena as the engine's samplers keep
 * theirs), else as JavaScript loops in two passes.
 */
async function floorLoop(gpu: ReturnType<typeof blockingUnet>, shape: readonly [number, number, number], steps: number): Promise<{ perStep: number; hop: number }> {
  const n = shape[0] * shape[1] * shape[2];
  // x and d in an arena, as sampleLatents keeps a sampler's buffers (the kernels use them in place)
  const arena = kernelArena(n);
  const x = (arena?.take(n) ?? new Float32Array(n)).fill(1);
  const d = arena?.take(n) ?? new Float32Array(n);
  const lease = CfgPairLease.create(n);
  const input = lease ? lease.input : new Float32Array(2 * n);
  const feeds = {
    sample: { dtype: 'float32', dims: [2, ...shape], data: input },
    timestep: { dtype: 'int64', dims: [1], data: BigInt64Array.of(500n) },
    encoder_hidden_states: { dtype: 'float32', dims: [2, 77, 768], data: new Float32Array(2 * 77 * 768) },
  } as const;
  gpu.reset();
  for (let i = 0; i < steps; i++) {
    const sigma = 14 / (i + 1);
    const cIn = 1 / Math.sqrt(sigma * sigma + 1);
    const dt = -0.5 / steps;
    if (lease) lease.scale(x, cIn);
    else for (let k = 0; k < n; k++) input[k] = input[n + k] = x[k] * cIn;
    const eps = (await gpu.runner.runBatched(feeds, ['sample', 'encoder_hidden_states'], 2)).out_sample.data as Float32Array;
    if (lease) {
      // the floor's arithmetic is finite: the blocking run's ε is c_in·x
      lease.guided(eps, 1, -sigma, 7);
      const den = eps.subarray(0, n);
      if (!simdStep(x, d, x, 1 / sigma, den, -1 / sigma, dt)) for (let k = 0; k < n; k++) x[k] = x[k] + ((x[k] - den[k]) / sigma) * dt;
      continue;
    }
    for (let k = 0; k < n; k++) {
      const u = x[k] - sigma * eps[k];
      const guided = u + 7 * (x[k] - sigma * eps[n + k] - u);
      x[k] = x[k] + ((x[k] - guided) / sigma) * dt;
    }
  }
  if (arena) releaseArena(n, arena);
  return { perStep: gpu.between() / (steps - 1), hop: gpu.hop() / steps };
}

/**
 * Every sampler on SD's latent sizes for 512² and 1024² (1×4×64×64, 1×4×128×128), Karras sigmas over
 * SD 1.x's range: its own cost per step on an analytic denoiser, and what the whole TypeScript loop
 * adds to a GPU-like step: sampleLatents itself (the stochastic samplers' noise drawn on the noise
 * thread, CFG at scale 7 on a batched [uncond ‖ cond] call, the studio's x̂₀ previews streamed at
 * PREVIEWS_PER_SECOND, the UNet wrapper) around a UNet run that blocks the thread GPU_STEP_MS per call (blockingUnet).
 */
export async function benchSamplers(plan: BenchPlan, side = 64): Promise<SamplersBench> {
  const shape: [number, number, number] = [4, side, side];
  const dims = [1, ...shape];
  const steps = plan.quick ? 8 : 20;
  // the exact denoiser of Gaussian data (see ../shared/README.md): μ + (x − μ)·v/(v + σ²)
  const mean = 0.1;
  const variance = 0.25;
  const predict = (x: F32Tensor, sigma: number): F32Tensor => {
    const k = variance / (variance + sigma * sigma);
    const data = new Float32Array(x.data.length);
    for (let i = 0; i < data.length; i++) data[i] = mean + (x.data[i] - mean) * k;
    return { dtype: 'float32', dims: x.dims, data };
  };
  const denoise = (x: F32Tensor, sigma: number): Promise<F32Tensor> => Promise.resolve(predict(x, sigma));
  const sample = randnTensor(0, dims);
  const denoiserCallMs = await timed(plan.quick ? 20 : 200, () => denoise(sample, 1));
  const gpu = blockingUnet();
  // what one blocked call on the CFG pair really takes (the wait overshoots a little), the UNet wrapper included
  const pair = randnTensor(0, [2, ...shape]);
  const context: F32Tensor = { dtype: 'float32', dims: [1, 77, 768], data: new Float32Array(77 * 768) };
  const pairContext: F32Tensor = { dtype: 'float32', dims: [2, 77, 768], data: new Float32Array(2 * 77 * 768) };
  const gpuCallMs = await timed(plan.quick ? 3 : 10, () => gpu.model(pair, 1, pairContext));
  const gpuSteps = plan.quick ? 3 : 14;
  await floorLoop(gpu, shape, gpuSteps);
  const floors: { perStep: number; hop: number }[] = [];
  for (let k = 0; k < (plan.quick ? 1 : 5); k++) floors.push(await floorLoop(gpu, shape, gpuSteps));
  const floorPerStepMs = median(floors.map((f) => f.perStep));
  const hopPerCallMs = median(floors.map((f) => f.hop));
  // SD 1.x's sigma range (scaled-linear betas 0.00085 → 0.012 over 1000 steps)
  const sigmas = karrasSigmas(steps, 0.0292, 14.6146);
  const samplers: SamplerBench[] = [];
  plan.log(`samplers: ${SAMPLERS.length} on ${dims.join('×')}, ${steps} steps`);
  // the SDE samplers once more with Brownian-tree noise (option noise: 'brownian')
  const cases = [...SAMPLERS.map((entry) => ({ entry, options: entry.defaults, id: entry.id as string, label: entry.label })), ...SAMPLERS.filter((e) => e.options.includes('noise')).map((entry) => ({ entry, options: { ...entry.defaults, noise: 'brownian' }, id: `${entry.id}+brownian`, label: `${entry.label} (Brownian)` }))];
  for (const { entry, options, id, label } of cases) {
    plan.signal?.throwIfAborted();
    let seed = 7;
    const run = async (): Promise<void> => {
      const { initial, noise } = imageNoise([seed++], shape, false, brownianSpec(entry, options, sigmas));
      const x: F32Tensor = { ...initial, data: initial.data.map((v) => v * sigmas[0]) };
      await entry.fn(denoise, x, sigmas, { noise }, options);
    };
    const ms = await timed(plan.quick ? 1 : 3, run);
    const modelCalls = totalModelCalls(entry, steps);
    // the studio's loop around the blocking GPU-like model: per step, the time from a call's output to the
    // next call (the loop's own work); per run, the rest outside the calls (the initial
    // noise, opening the noise stream, the last step's update and preview)
    const gpuSigmas = karrasSigmas(gpuSteps, 0.0292, 14.6146);
    const runGpu = async (): Promise<{ perStep: number; perRun: number }> => {
      const previews = previewStream(FAMILIES.sd1.previewFactors, PREVIEWS_PER_SECOND, () => undefined);
      const before = gpu.inside();
      gpu.reset();
      const t = performance.now();
      await sampleLatents({
        denoise: gpu.model,
        cond: context,
        uncond: context,
        cfgScale: 7,
        cfgBatched: true,
        unetBatchable: true,
        sampler: entry,
        samplerOptions: options,
        sigmas: gpuSigmas,
        seeds: [seed++],
        latentShape: shape,
        onStep: previews.onStep,
      });
      previews.flush();
      await previews.idle();
      const outside = performance.now() - t - (gpu.inside() - before);
      return { perStep: gpu.between() / (gpuSteps - 1), perRun: outside - gpu.between() };
    };
    await runGpu();
    const loops: { perStep: number; perRun: number }[] = [];
    for (let k = 0; k < (plan.quick ? 1 : 5); k++) loops.push(await runGpu());
    const critical = Math.max(0, median(loops.map((l) => l.perStep)));
    const criticalPerRunMs = Math.max(0, median(loops.map((l) => l.perRun)));
    // the gaps counted per step: every call but the run's first is preceded by one
    const callsPerStep = (totalModelCalls(entry, gpuSteps) - 1) / (gpuSteps - 1);
    samplers.push({
      id,
      label,
      modelCalls,
      perStepMs: ms / steps,
      overheadPerStepMs: (ms - modelCalls * denoiserCallMs) / steps,
      criticalPerStepMs: critical,
      callsPerStep,
      aboveFloorPerStepMs: critical - callsPerStep * floorPerStepMs,
      criticalPerRunMs,
    });
  }
  return { dims, steps, denoiserCallMs, gpuCallMs, floorPerStepMs, hopPerCallMs, samplers };
}

/** One txt2img run with a fresh cache (so the model load is part of it). */
export async function benchPipeline(modelDir: string, provider: ProviderId, steps: number, plan: BenchPlan): Promise<PipelineBench> {
  const r = await txt2img({ modelDir, prompt: 'a red apple on a blue background', steps, seed: 42, provider }, { signal: plan.signal });
  const t = r.timings;
  const sampling = t.steps.reduce((a, b) => a + b, 0);
  return {
    model: path.basename(modelDir),
    provider: r.provider,
    ...(r.providerNote === undefined ? {} : { providerNote: r.providerNote }),
    width: r.params.width,
    height: r.params.height,
    steps: r.params.steps,
    sampler: `${r.params.sampler}/${r.params.schedule}`,
    loadMs: t.load,
    encodeMs: t.encode,
    perStepMs: sampling / t.steps.length,
    decodeMs: t.decode,
    totalMs: t.total,
    generateMs: t.total - t.load,
    runs: 1,
  };
}

/** The tiny fixture on the CPU: median of each field over the runs. */
export async function benchFixture(plan: BenchPlan): Promise<PipelineBench> {
  const dir = path.join(REPO_ROOT, 'test', 'fixtures', 'models', 'sd15-script');
  const steps = plan.quick ? 4 : 20;
  plan.log(`txt2img: fixture sd15-script on cpu, ${steps} steps`);
  const runs: PipelineBench[] = [];
  for (let i = 0; i < (plan.quick ? 1 : 3); i++) runs.push(await benchPipeline(dir, 'cpu', steps, plan));
  const pick = (k: 'loadMs' | 'encodeMs' | 'perStepMs' | 'decodeMs' | 'totalMs' | 'generateMs'): number => median(runs.map((r) => r[k]));
  return { ...runs[0], runs: runs.length, loadMs: pick('loadMs'), encodeMs: pick('encodeMs'), perStepMs: pick('perStepMs'), decodeMs: pick('decodeMs'), totalMs: pick('totalMs'), generateMs: pick('generateMs') };
}

/** The default model (or --model DIR) at its default size, on the CPU and on every GPU provider that works here. */
export async function benchDefaultModel(dir: string, steps: number, plan: BenchPlan): Promise<DefaultModelBench> {
  const model = path.basename(dir);
  if (plan.quick) return { model, path: dir, skipped: 'not run with --quick' };
  if (!existsSync(dir)) return { model, path: dir, skipped: `${dir} is not present` };
  const report = await inspectModelFolder(dir);
  if (!report.valid) return { model, path: dir, skipped: `not a valid model folder: ${report.problems.slice(0, 2).join('; ')}` };
  // software devices (WebGPU on lavapipe) take minutes per image and say nothing about a GPU
  const gpus = (await probeProviders()).filter((s) => s.id !== 'cpu' && s.works && !s.software).map((s) => s.id);
  const runs: PipelineBench[] = [];
  for (const provider of ['cpu' as const, ...gpus]) {
    plan.log(`txt2img: ${model} on ${provider}, ${steps} steps`);
    runs.push(await benchPipeline(dir, provider, steps, plan));
  }
  return { model, path: dir, runs };
}
