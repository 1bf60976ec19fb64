/**
 * `reverie generate … --compare-sde`: the studio's Process → ODE vs SDE from the command line. One
 * prompt, one seed, the same schedule and steps, run twice: with a deterministic sampler (the
 * probability-flow ODE; --sampler, default Euler) and a stochastic one (the reverse SDE; --sde-sampler,
 * default Euler a). Both start from the same noise, so x̂₀ agrees at step 1 and drifts apart as the
 * SDE adds fresh noise (Song et al. 2021, "Score-Based Generative Modeling through SDEs", §4).
 * Writes FILE-ode.png and FILE-sde.png, with --steps-out DIR each one's steps in DIR/ode and DIR/sde,
 * and the mean |difference| of the two x̂₀ previews at every step (0–255; the studio's divergence curve)
 * and of the two final images.
 */
import { randomInt } from 'node:crypto';
import path from 'node:path';
import type { Rgb8Image } from '../../engine/imageio/convert.ts';
import { readImage } from '../../engine/imageio/input.ts';
import type { PipelineCache } from '../../engine/pipelines/cache.ts';
import type { Txt2ImgParams } from '../../engine/pipelines/params.ts';
import { stepPreviewRgb8 } from '../../engine/pipelines/preview.ts';
import type { Recording } from '../../engine/pipelines/record.ts';
import { txt2img } from '../../engine/pipelines/txt2img.ts';
import type { Txt2ImgResult } from '../../engine/pipelines/txt2img.ts';
import { parseA1111Sampler } from '../../engine/samplers/registry.ts';
import type { ProgressReporter } from '../progress.ts';
import { UsageError } from '../usage.ts';
import type { Io } from '../usage.ts';
import { printWarnings, round, shown, timingsJson } from './common.ts';
import { OutputWriter } from './outputs.ts';
import { StepCollector, writeSteps } from './steps-out.ts';
import type { StepsDecode } from './steps-out.ts';

export const COMPARE_OPTIONS = {
  'compare-sde': { type: 'boolean' },
  'sde-sampler': { type: 'string' },
} as const;

export const COMPARE_HELP = `  --compare-sde          ODE vs SDE from one seed: run --sampler (deterministic, default euler) and
                         --sde-sampler, write FILE-ode.png and FILE-sde.png and print how far their
                         x̂₀ are apart at every step (with --steps-out DIR: DIR/ode and DIR/sde)
  --sde-sampler ID       the stochastic side of --compare-sde (default euler_ancestral)`;

export interface ComparedSamplers {
  ode: string;
  sde: string;
  /** the schedule an A1111 label such as "DPM++ 2M Karras" names, for both sides */
  schedule?: string;
}

export interface CompareRun {
  params: Txt2ImgParams;
  /** FILE.png: the images go to FILE-ode.png and FILE-sde.png */
  out: string;
  samplers: ComparedSamplers;
  stepsDir?: string;
  decode: StepsDecode;
  json: boolean;
  cache: PipelineCache;
  progress: ProgressReporter;
}

/**
 * --compare-sde's flags, checked before any model is looked for: undefined without --compare-sde; the
 * ODE side (--sampler) must be deterministic and the SDE side stochastic; one image per sampler.
 */
export function compareOption(values: { 'compare-sde'?: boolean; 'sde-sampler'?: string; sampler?: string }, batch: { batchSize?: number; batchCount?: number }): ComparedSamplers | undefined {
  if (!values['compare-sde']) {
    if (values['sde-sampler'] !== undefined) throw new UsageError('--sde-sampler is the stochastic side of --compare-sde; add --compare-sde');
    return undefined;
  }
  if ((batch.batchSize ?? 1) !== 1 || (batch.batchCount ?? 1) !== 1) throw new UsageError('--compare-sde makes one image per sampler; leave out --batch-size and --batch-count');
  const ode = parseA1111Sampler(values.sampler ?? 'euler');
  const o = ode.sampler;
  const s = parseA1111Sampler(values['sde-sampler'] ?? 'euler_ancestral').sampler;
  if (o.stochastic) throw new UsageError(`--compare-sde runs --sampler as the ODE side, which must be deterministic; ${o.label} adds noise every step (try euler, heun or dpmpp_2m; see reverie samplers)`);
  if (!s.stochastic) throw new UsageError(`--sde-sampler must add noise every step; ${s.label} is deterministic (try euler_ancestral, dpmpp_2m_sde or dpmpp_sde; see reverie samplers)`);
  return { ode: o.id, sde: s.id, ...(ode.schedule ? { schedule: ode.schedule } : {}) };
}

/** mean |a − b| over the pixels of two RGB8 images of one size, 8-bit units */
function meanAbsDiff(a: Rgb8Image, b: Rgb8Image): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}

export async function compareSde(run: CompareRun, io: Io, signal: AbortSignal): Promise<number> {
  const p = run.params;
  const { samplers } = run;
  const seed = p.seed === undefined || p.seed === -1 ? randomInt(0, 2 ** 32) : p.seed;
  const stem = run.out.slice(0, run.out.length - path.extname(run.out).length);
  const sides: { side: 'ode' | 'sde'; file: string; result: Txt2ImgResult; recording: Recording }[] = [];
  for (const side of ['ode', 'sde'] as const) {
    const collector = new StepCollector();
    const writer = new OutputWriter(`${stem}-${side}.png`, 1, signal);
    const opts = { cache: run.cache, signal: writer.signal, onStage: run.progress.stage.bind(run.progress), onProgress: run.progress.progress.bind(run.progress), onStep: collector.onStep, onImage: writer.onImage };
    const schedule = p.schedule ?? samplers.schedule;
    const params = { ...p, sampler: samplers[side], ...(schedule !== undefined ? { schedule } : {}), seed, batchSize: 1, batchCount: 1 };
    const result = await writer.around(() => txt2img(params, opts), (line) => run.progress.note(line), (f) => shown(f, io));
    run.progress.clear();
    const model = await run.cache.model(p.modelDir, result.params.provider);
    const meta = { model: model.info.name, sampler: result.params.sampler, schedule: result.params.schedule, cfgScale: result.params.cfgScale };
    sides.push({ side, file: writer.paths[0], result, recording: collector.recordings(model, meta)[0] });
  }
  const [ode, sde] = sides;
  const model = await run.cache.model(p.modelDir, ode.result.params.provider);
  const factors = model.info.previewFactors;
  const divergence = ode.recording.steps.map((_, k) => round(meanAbsDiff(stepPreviewRgb8(ode.recording, k, 'denoised', factors), stepPreviewRgb8(sde.recording, k, 'denoised', factors)), 2));
  const final = round(meanAbsDiff((await readImage(ode.result.images[0].png)).rgb, (await readImage(sde.result.images[0].png)).rgb), 2);
  const steps: Record<string, { dir: string; files: number }> = {};
  if (run.stepsDir !== undefined) {
    for (const s of sides) steps[s.side] = await writeSteps(path.join(run.stepsDir, s.side), [s.recording], model, run.decode);
  }
  for (const s of sides) printWarnings(io, s.result.warnings, s.side === 'ode' ? s.result.providerNote : undefined);
  if (run.json) {
    const each = (s: (typeof sides)[number]) => ({ output: s.file, sampler: s.result.params.sampler, timings: timingsJson(s.result.timings), ...(steps[s.side] ? { stepsOut: steps[s.side] } : {}) });
    io.stdout.write(`${JSON.stringify({ seed, provider: ode.result.provider, ode: each(ode), sde: each(sde), divergence, final, warnings: [...ode.result.warnings, ...sde.result.warnings] })}\n`);
    return 0;
  }
  for (const s of sides) io.stdout.write(`wrote ${shown(s.file, io)} (${s.side.toUpperCase()}: ${s.result.params.sampler}, seed ${seed})\n`);
  for (const s of sides) if (steps[s.side]) io.stdout.write(`wrote ${steps[s.side].files} files to ${path.relative(io.cwd, steps[s.side].dir) || '.'}\n`);
  io.stdout.write(`x̂₀ apart per step (mean |ODE − SDE|, 0–255): ${divergence.map((d) => d.toFixed(1)).join(' ')}; final images: ${final.toFixed(1)}\n`);
  return 0;
}
