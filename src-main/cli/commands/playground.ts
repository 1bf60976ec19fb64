/** `reverie playground`: exact diffusion in two dimensions (engine/playground), no model needed. */
import { COUNT_MAX, generate } from '../../engine/playground/run.ts';
import { pointMoments } from '../../engine/playground/metrics.ts';
import { DATASETS } from '../../engine/playground/presets.ts';
import { PROCESSES } from '../../engine/playground/process.ts';
import type { ProcessId } from '../../engine/playground/process.ts';
import { PLAYGROUND_SAMPLERS } from '../../engine/playground/sample.ts';
import { UsageError, intOption, noPositionals, parse } from '../usage.ts';
import type { Io } from '../usage.ts';

const STEPS_MAX = 2000;

export const PLAYGROUND_HELP = `usage: reverie playground [options]

Diffusion on 2-D data that is a mixture of Gaussians, so the score, the denoiser E[x₀ | x_t] and
the flow velocity are exact: seeded noise is sampled back to data with the image samplers, the
closed-form denoiser in place of a UNet, and compared with data points (sliced Wasserstein-2).

  --data NAME        ${DATASETS.join(', ')} (default two)
  --process ID       vp (DDPM), ve (NCSN) or flow (rectified flow) (default vp)
  --sampler ID       any image sampler, ddpm or euler_maruyama (default euler)
                     (${PLAYGROUND_SAMPLERS.map((s) => s.id).join(', ')})
  --steps N          sampler steps, 1 … ${STEPS_MAX} (default 20)
  --points N         points to generate, 1 … ${COUNT_MAX} (default 1000)
  --seed N           seed of the noise (default 0)
  --json             print {"points": [[x, y], …], "nfe": N, "distance": D}
  -h, --help         this help

Exit codes: 0 done, 1 runtime failure, 2 bad usage or input, 130 interrupted.`;

const OPTIONS = {
  data: { type: 'string' },
  process: { type: 'string' },
  sampler: { type: 'string' },
  steps: { type: 'string' },
  points: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function inRange(name: string, value: number, min: number, max: number): number {
  if (value < min || value > max) throw new UsageError(`--${name} must be ${min} … ${max}, got ${value}`);
  return value;
}

export async function playgroundCommand(args: readonly string[], io: Io, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse('playground', args, OPTIONS);
  if (values.help) {
    io.stdout.write(`${PLAYGROUND_HELP}\n`);
    return 0;
  }
  noPositionals('playground', positionals);
  const data = values.data ?? 'two';
  if (!(DATASETS as readonly string[]).includes(data)) throw new UsageError(`--data must be one of ${DATASETS.join(', ')}, got ${JSON.stringify(data)}`);
  const process = values.process ?? 'vp';
  if (!(PROCESSES as readonly string[]).includes(process)) throw new UsageError(`--process must be vp, ve or flow, got ${JSON.stringify(process)}`);
  const sampler = values.sampler ?? 'euler';
  const steps = inRange('steps', intOption('steps', values.steps) ?? 20, 1, STEPS_MAX);
  const count = inRange('points', intOption('points', values.points) ?? 1000, 1, COUNT_MAX);
  const seed = inRange('seed', intOption('seed', values.seed) ?? 0, 0, 2 ** 32 - 1);
  const r = await generate({ data, process: process as ProcessId, sampler, steps, count, seed }, signal);
  if (values.json) {
    io.stdout.write(`${JSON.stringify(r)}\n`);
    return 0;
  }
  const m = pointMoments(Float64Array.from(r.points.flat()));
  const f = (v: number): string => v.toFixed(3);
  io.stdout.write(`${data}, ${process}, ${sampler}, ${steps} steps, seed ${seed}: ${count} points, ${r.nfe} model calls\n`);
  io.stdout.write(`mean (${f(m.mean[0])}, ${f(m.mean[1])}), covariance [[${f(m.cov[0])}, ${f(m.cov[1])}], [${f(m.cov[1])}, ${f(m.cov[2])}]]\n`);
  io.stdout.write(`sliced Wasserstein-2 distance to ${count} data points: ${r.distance.toFixed(4)}\n`);
  return 0;
}
