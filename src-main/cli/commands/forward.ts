/** `reverie forward`: the forward (noising) process of an image at chosen timesteps, and schedule curves. */
import path from 'node:path';
import { scheduleCurves, visitedSigmas } from '../../engine/pipelines/curves.ts';
import { forwardProcess } from '../../engine/pipelines/forward.ts';
import { resolveSchedule } from '../../engine/pipelines/params.ts';
import type { ProviderPreference } from '../../engine/runtime/ort.ts';
import { resolveModelDir } from '../model-roots.ts';
import { UsageError, intOption, noPositionals, parse } from '../usage.ts';
import type { Io } from '../usage.ts';
import { IMAGE_HELP, IMAGE_OPTIONS, cliPipelineCache, imageParams, numberList, pngOut, shown } from './common.ts';
import { outputPaths, writeOut } from './outputs.ts';

export const FORWARD_HELP = `usage: reverie forward --image FILE --t T[,T...] --out FILE.png [options]

The forward (noising) process: encodes the image to x₀ and writes x_t = x₀ + σ_t·ε decoded, for each
timestep t (0 = clean, 999 = pure noise for SD) or noise level sigma, with one seeded ε.

  --t LIST               training timesteps, e.g. 0,250,500,999
  --sigma LIST           noise levels instead of (or as well as) timesteps
  --seed N               seed of ε (default -1: random)
  --decoder KIND         vae (default) or preview (linear latent→RGB at latent size)
  --scaling KIND         sigma (default: x₀ + σ·ε as it is) or ddpm (x_t/√(1 + σ²), stays in range)
  --curves FILE.json     also write the model's sigma, alpha-bar and SNR per timestep, and the sigmas
                         the --schedule visits in --steps steps (default karras, 20)
  --schedule ID, --steps N   for --curves
  --model DIR            model folder (default: the first valid folder in the repository's models/)
  --width N, --height N  work size, multiples of 8
  --provider ID          auto, cpu, cuda, webgpu, dml, coreml (default auto)
${IMAGE_HELP}
  --out FILE.png         output; several frames are written as FILE-1.png, FILE-2.png, ...
  --json                 print the frames (t, sigma, alpha-bar, SNR, file) as JSON
  -h, --help             this help

Exit codes: 0 done, 1 runtime failure, 2 bad usage or input, 130 interrupted.`;

const OPTIONS = {
  ...IMAGE_OPTIONS,
  model: { type: 'string' },
  t: { type: 'string' },
  sigma: { type: 'string' },
  seed: { type: 'string' },
  decoder: { type: 'string' },
  scaling: { type: 'string' },
  curves: { type: 'string' },
  schedule: { type: 'string' },
  steps: { type: 'string' },
  width: { type: 'string' },
  height: { type: 'string' },
  provider: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function choice<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be ${allowed.join(' or ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

export async function forwardCommand(args: readonly string[], io: Io, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse('forward', args, OPTIONS);
  if (values.help) {
    io.stdout.write(`${FORWARD_HELP}\n`);
    return 0;
  }
  noPositionals('forward', positionals);
  const image = imageParams(values, io);
  const out = pngOut('out', values.out, io) ?? '';
  const t = numberList('t', values.t);
  const sigma = numberList('sigma', values.sigma);
  if (t === undefined && sigma === undefined) throw new UsageError('missing --t LIST (e.g. --t 0,250,500,999) or --sigma LIST');
  const curvesOut = values.curves === undefined ? undefined : path.resolve(io.cwd, values.curves);
  const modelDir = await resolveModelDir(values.model, io.cwd);
  const provider = (values.provider ?? 'auto') as ProviderPreference;
  const cache = cliPipelineCache(io);
  try {
    const r = await forwardProcess(
      {
        ...image,
        modelDir,
        t,
        sigma,
        seed: intOption('seed', values.seed),
        width: intOption('width', values.width),
        height: intOption('height', values.height),
        provider,
        decoder: choice('decoder', values.decoder, ['vae', 'preview'] as const),
        scaling: choice('scaling', values.scaling, ['sigma', 'ddpm'] as const),
      },
      { cache, signal },
    );
    const outputs = outputPaths(out, r.frames.length);
    for (const [i, f] of r.frames.entries()) await writeOut(outputs[i], f.png);
    if (curvesOut) {
      const model = await cache.model(modelDir, provider);
      const schedule = resolveSchedule(values.schedule ?? 'karras');
      const steps = intOption('steps', values.steps) ?? 20;
      const c = scheduleCurves(model.discrete);
      const doc = { model: model.info.name, t: Array.from(c.t), sigma: Array.from(c.sigma), alphaBar: Array.from(c.alphaBar), snr: Array.from(c.snr), schedule, steps, visited: visitedSigmas(model.discrete, schedule, steps) };
      await writeOut(curvesOut, new TextEncoder().encode(`${JSON.stringify(doc)}\n`));
    }
    if (values.json) {
      const frames = r.frames.map((f, i) => ({ t: f.t, sigma: f.sigma, alphaBar: f.alphaBar, snr: f.snr === Infinity ? null : f.snr, file: outputs[i] }));
      io.stdout.write(`${JSON.stringify({ seed: r.seed, size: [r.width, r.height], frames, ...(curvesOut ? { curves: curvesOut } : {}) })}\n`);
      return 0;
    }
    for (const [i, f] of r.frames.entries()) {
      io.stdout.write(`wrote ${shown(outputs[i], io)} (t ${f.t === null ? '-' : f.t.toFixed(1)}, sigma ${f.sigma.toFixed(4)}, alpha-bar ${f.alphaBar.toFixed(5)})\n`);
    }
    if (curvesOut) io.stdout.write(`wrote ${shown(curvesOut, io)}\n`);
    io.stdout.write(`seed ${r.seed}, ${r.width}x${r.height}\n`);
    return 0;
  } finally {
    await cache.dispose();
  }
}
