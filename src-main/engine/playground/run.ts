/**
 * The playground's two entry points: `generate` (one sampler from seeded noise, and its distance
 * to the data: the CLI) and `playgroundView` (everything the studio's Playground tab draws: the
 * forward process, densities and score/velocity fields over time, two reverse runs from the same
 * noise, flow vs diffusion paths, and optionally sample quality against model calls).
 * Seeds: noise x_1 from `seed`, the samplers' noise from seed + 1, the data sample the distance is
 * measured to from seed + 2, a second data sample (the distance's noise floor) from seed + 3.
 */
import { Rng } from '../runtime/rng.ts';
import { components, sampleMixture } from './mixture.ts';
import type { Mixture } from './mixture.ts';
import { slicedWasserstein } from './metrics.ts';
import { dataMixture } from './presets.ts';
import { getProcess } from './process.ts';
import type { DiffusionProcess, ProcessId } from './process.ts';
import { PLAYGROUND_SAMPLERS, normals, playgroundSampler, reverse } from './sample.ts';
import type { ReverseRun } from './sample.ts';
import { forwardFrames, roundXY } from './view.ts';
import type { ForwardFrameView, GridSpec } from './view.ts';

export type XY = [number, number];

export interface PlaygroundInput {
  /** a preset id, or "points" for `userPoints` */
  data: string;
  userPoints?: XY[];
  process: ProcessId;
  sampler: string;
  steps: number;
  /** generated points */
  count: number;
  seed: number;
}

export interface PlaygroundViewInput extends PlaygroundInput {
  /** the sampler run beside `sampler` from the same noise (default: Euler–Maruyama for an ODE sampler, Euler for an SDE one) */
  compare?: string;
  /** points recorded per step for the animations */
  trace?: number;
  /** also measure sample quality against model calls for several samplers */
  sweep?: boolean;
}

export interface RunView {
  sampler: string;
  label: string;
  stochastic: boolean;
  nfe: number;
  /** sliced Wasserstein-2 distance of all generated points to a data sample of the same size */
  distance: number;
  /** process time of each frame, from ≈1 down to 0 */
  t: number[];
  /** the traced points at each frame */
  frames: XY[][];
  points: XY[];
}

export interface PathsView {
  process: ProcessId;
  t: number[];
  /** one polyline per traced point, from noise (t ≈ 1) to data (t = 0) */
  paths: XY[][];
}

export interface QualityCurve {
  sampler: string;
  label: string;
  stochastic: boolean;
  points: { steps: number; nfe: number; distance: number }[];
}

export interface PlaygroundView {
  data: string;
  process: ProcessId;
  processLabel: string;
  components: { weight: number; mean: XY; std: number }[];
  grid: GridSpec;
  /** 'score' (∇log p_t) for vp and ve, 'velocity' (E[ε − x₀ | x_t]) for flow */
  fieldKind: 'score' | 'velocity';
  frames: ForwardFrameView[];
  runs: [RunView, RunView];
  paths: PathsView[];
  quality: { floor: number; curves: QualityCurve[] } | null;
  samplers: { id: string; label: string; stochastic: boolean }[];
}

export const COUNT_MAX = 5000;
export const TRACE_DEFAULT = 150;
/** the samplers and step counts of the quality plot (DDIM is left out: in this frame it is Euler exactly) */
export const SWEEP_SAMPLERS = ['euler', 'heun', 'dpmpp_2m', 'lms', 'ddpm', 'euler_ancestral', 'dpmpp_2m_sde', 'euler_maruyama'] as const;
export const SWEEP_STEPS = [2, 4, 8, 16, 32, 64] as const;
const SWEEP_COUNT = 512;
const PATH_STEPS = 40;
const PATH_POINTS = 40;

const toXY = (a: Float64Array, n = a.length / 2): XY[] => Array.from({ length: n }, (_, i) => [a[2 * i], a[2 * i + 1]]);
const seedPlus = (seed: number, k: number): number => (seed + k) % 2 ** 32;

interface Prepared {
  mix: Mixture;
  process: DiffusionProcess;
  start: Float64Array;
  reference: Float64Array;
}

function prepare(input: PlaygroundInput, count = input.count): Prepared {
  const mix = dataMixture(input.data, input.userPoints ?? []);
  const process = getProcess(input.process);
  const start = normals(new Rng(input.seed), 2 * count).map((z) => z * process.priorStd);
  const reference = sampleMixture(mix, count, new Rng(seedPlus(input.seed, 2)));
  return { mix, process, start, reference };
}

/** One sampler from seeded noise: the generated points, model calls and SW₂ to the data. */
export async function generate(input: PlaygroundInput, signal?: AbortSignal): Promise<{ points: XY[]; nfe: number; distance: number }> {
  const p = prepare(input);
  const run = await reverse({ ...p, sampler: playgroundSampler(input.sampler), steps: input.steps, noiseSeed: seedPlus(input.seed, 1), signal });
  return { points: toXY(run.points), nfe: run.nfe, distance: slicedWasserstein(run.points, p.reference) };
}

function runView(id: string, run: ReverseRun, reference: Float64Array): RunView {
  const s = playgroundSampler(id);
  return {
    sampler: s.id,
    label: s.label,
    stochastic: s.stochastic,
    nfe: run.nfe,
    distance: slicedWasserstein(run.points, reference),
    t: run.frames.map((f) => f.t),
    frames: run.frames.map((f) => toXY(f.points).map(([x, y]) => roundXY(x, y))),
    points: toXY(run.points),
  };
}

async function quality(input: PlaygroundInput, signal?: AbortSignal): Promise<{ floor: number; curves: QualityCurve[] }> {
  const p = prepare(input, SWEEP_COUNT);
  const floor = slicedWasserstein(sampleMixture(p.mix, SWEEP_COUNT, new Rng(seedPlus(input.seed, 3))), p.reference);
  const curves: QualityCurve[] = [];
  for (const id of SWEEP_SAMPLERS) {
    const sampler = playgroundSampler(id);
    const points: QualityCurve['points'] = [];
    for (const steps of SWEEP_STEPS) {
      const run = await reverse({ ...p, sampler, steps, noiseSeed: seedPlus(input.seed, 1), signal });
      points.push({ steps, nfe: run.nfe, distance: slicedWasserstein(run.points, p.reference) });
    }
    curves.push({ sampler: sampler.id, label: sampler.label, stochastic: sampler.stochastic, points });
  }
  return { floor, curves };
}

/** Everything the Playground tab shows for one setting. */
export async function playgroundView(input: PlaygroundViewInput, signal?: AbortSignal): Promise<PlaygroundView> {
  const p = prepare(input);
  const main = playgroundSampler(input.sampler);
  const other = playgroundSampler(input.compare ?? (main.stochastic ? 'euler' : 'euler_maruyama'));
  const trace = Math.min(input.count, input.trace ?? TRACE_DEFAULT);
  const noiseSeed = seedPlus(input.seed, 1);
  const runs = await Promise.all(
    [main, other].map(async (sampler) => runView(sampler.id, await reverse({ ...p, sampler, steps: input.steps, noiseSeed, trace, signal }), p.reference)),
  );
  // straight flow-matching paths beside curved diffusion (VP) paths, both the exact ODE (Heun, 40 steps) from the same noise
  const heun = playgroundSampler('heun');
  const paths: PathsView[] = [];
  for (const id of ['flow', 'vp'] as const) {
    const process = getProcess(id);
    const start = p.start.slice(0, 2 * Math.min(PATH_POINTS, input.count)).map((v) => (v / p.process.priorStd) * process.priorStd);
    const run = await reverse({ mix: p.mix, process, sampler: heun, steps: PATH_STEPS, start, noiseSeed, trace: PATH_POINTS, signal });
    const n = start.length / 2;
    paths.push({ process: id, t: run.frames.map((f) => f.t), paths: Array.from({ length: n }, (_, i) => run.frames.map((f) => roundXY(f.points[2 * i], f.points[2 * i + 1]))) });
  }
  return {
    data: input.data,
    process: p.process.id,
    processLabel: p.process.label,
    components: components(p.mix).map((c) => ({ weight: c.weight, mean: [c.mean[0], c.mean[1]], std: c.std })),
    ...forwardFrames(p.mix, p.process, p.reference.subarray(0, 2 * trace), p.start.subarray(0, 2 * trace).map((v) => v / p.process.priorStd)),
    runs: [runs[0], runs[1]],
    paths,
    quality: input.sweep ? await quality(input, signal) : null,
    samplers: PLAYGROUND_SAMPLERS.map((s) => ({ id: s.id, label: s.label, stochastic: s.stochastic })),
  };
}
