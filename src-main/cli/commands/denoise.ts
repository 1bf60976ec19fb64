/** `reverie denoise`: remove noise from a photo with the diffusion model, compared with a median filter. */
import path from 'node:path';
import { denoise } from '../../engine/pipelines/denoise.ts';
import { ProgressReporter } from '../progress.ts';
import { UsageError, intOption, noPositionals, numberOption, parse } from '../usage.ts';
import type { Io } from '../usage.ts';
import { SAMPLING_OPTIONS, cliPipelineCache, pngOut, printWarnings, round, samplingHelp, samplingParams, shown } from './common.ts';
import { writeOut } from './outputs.ts';
import { stepsOutOptions, writeSteps } from './steps-out.ts';

export const DENOISE_HELP = `usage: reverie denoise --image FILE --out FILE.png [--noise-sigma S] [--reference CLEAN] [options]

Removes noise from a photo at its own size: estimates the noise (median absolute deviation of the
finest wavelet band) or takes --noise-sigma, maps it to the model's noise level and runs the reverse
process from there. Defaults: empty prompt, CFG 1, euler, 10 steps, karras.

  --image FILE           the noisy photo
  --noise-sigma S        its noise, standard deviation in 8-bit units (0..255, e.g. 25)
  --reference FILE       the clean photo: report PSNR and SSIM of input, output and a 3×3 median filter
  --add-noise S          demonstration: add Gaussian noise of σ S (8-bit units, from --seed) to the
                         clean --image first; the clean image becomes the reference
  --noisy-out FILE.png   also write the noisy image that was denoised
  --baseline-out FILE.png  also write the median-filter baseline
  --max-pixels N         refuse larger images (default 40000000)
${samplingHelp({ size: false })}
  --out FILE.png         output

Exit codes: 0 done, 1 runtime failure, 2 bad usage or input, 130 interrupted.`;

const { width: _w, height: _h, ...SAMPLING } = SAMPLING_OPTIONS;
const OPTIONS = {
  ...SAMPLING,
  image: { type: 'string' },
  'noise-sigma': { type: 'string' },
  reference: { type: 'string' },
  'add-noise': { type: 'string' },
  'noisy-out': { type: 'string' },
  'baseline-out': { type: 'string' },
  'max-pixels': { type: 'string' },
} as const;

function fmt(q: { psnr: number; ssim: number }): string {
  return `${q.psnr === Infinity ? '∞' : q.psnr.toFixed(2)} dB / ${q.ssim.toFixed(3)}`;
}

export async function denoiseCommand(args: readonly string[], io: Io, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse('denoise', args, OPTIONS);
  if (values.help) {
    io.stdout.write(`${DENOISE_HELP}\n`);
    return 0;
  }
  noPositionals('denoise', positionals);
  if (values.image === undefined) throw new UsageError('missing --image FILE');
  const out = pngOut('out', values.out, io) ?? '';
  const noisyOut = pngOut('noisy-out', values['noisy-out'], io, false);
  const baselineOut = pngOut('baseline-out', values['baseline-out'], io, false);
  const { dir: stepsDir, decode } = stepsOutOptions(values, io);
  const sampling = await samplingParams(values, io);
  const progress = new ProgressReporter(io.stderr);
  const cache = cliPipelineCache(io);
  try {
    const r = await denoise(
      {
        ...sampling,
        prompt: values.prompt,
        cfgScale: sampling.cfgScale,
        image: path.resolve(io.cwd, values.image),
        noiseSigma: numberOption('noise-sigma', values['noise-sigma']),
        reference: values.reference === undefined ? undefined : path.resolve(io.cwd, values.reference),
        addNoise: numberOption('add-noise', values['add-noise']),
        maxPixels: intOption('max-pixels', values['max-pixels']),
      },
      { cache, signal, record: stepsDir !== undefined, onStage: progress.stage.bind(progress), onProgress: progress.progress.bind(progress) },
    );
    progress.clear();
    await writeOut(out, r.png);
    if (noisyOut) await writeOut(noisyOut, r.noisyPng);
    if (baselineOut) await writeOut(baselineOut, r.baselinePng);
    const steps = stepsDir && r.recording ? await writeSteps(stepsDir, [r.recording], await cache.model(sampling.modelDir, sampling.provider ?? 'auto'), decode) : undefined;
    printWarnings(io, r.warnings);
    if (values.json) {
      const json = {
        outputs: { denoised: out, ...(noisyOut ? { noisy: noisyOut } : {}), ...(baselineOut ? { baseline: baselineOut } : {}) },
        seed: r.seed,
        size: [r.width, r.height],
        noiseSigma: r.noiseSigma,
        estimatedSigma: r.estimatedSigma,
        latentSigma: r.latentSigma,
        startT: r.startT,
        stepsRun: r.stepsRun,
        ...(r.quality ? { quality: r.quality } : {}),
        provider: r.provider,
        timings: { total: round(r.timings.total), steps: r.timings.steps.map((v) => round(v)) },
        ...(steps ? { stepsOut: steps } : {}),
        warnings: r.warnings,
      };
      io.stdout.write(`${JSON.stringify(json)}\n`);
      return 0;
    }
    io.stdout.write(`wrote ${shown(out, io)}${noisyOut ? `, ${shown(noisyOut, io)}` : ''}${baselineOut ? `, ${shown(baselineOut, io)}` : ''}\n`);
    if (steps) io.stdout.write(`wrote ${steps.files} files to ${shown(steps.dir, io)}\n`);
    const source = values['noise-sigma'] === undefined ? 'estimated' : `given; estimate ${r.estimatedSigma.toFixed(2)}`;
    const start = r.startT === null ? 'nothing to remove' : `diffusion sigma ${r.latentSigma.toFixed(4)} (t ${r.startT.toFixed(1)}), ${r.stepsRun} steps`;
    io.stdout.write(`${r.width}x${r.height}: noise sigma ${r.noiseSigma.toFixed(2)} (${source}) → ${start}, total ${Math.round(r.timings.total)} ms\n`);
    if (r.quality) {
      const q = r.quality;
      io.stdout.write(`PSNR / SSIM against the reference: input ${fmt(q.input)}, output ${fmt(q.output)}, median 3×3 ${fmt(q.baseline)}\n`);
    }
    return 0;
  } finally {
    await cache.dispose();
  }
}
