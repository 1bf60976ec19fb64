/** `reverie anomaly`: where the model cannot reconstruct an image, as a heatmap and a score. */
import { anomalyMap } from '../../engine/pipelines/anomaly.ts';
import { ProgressReporter } from '../progress.ts';
import { intOption, noPositionals, numberOption, parse } from '../usage.ts';
import type { Io } from '../usage.ts';
import { IMAGE_HELP, IMAGE_OPTIONS, SAMPLING_OPTIONS, cliPipelineCache, imageParams, pngOut, printWarnings, round, samplingHelp, samplingParams, shown } from './common.ts';
import { writeOut } from './outputs.ts';

export const ANOMALY_HELP = `usage: reverie anomaly --image FILE --out HEATMAP.png [options]

Reconstructs the image through a partial reverse process (img2img at --strength, averaged over
--samples seeds) and maps the per-pixel reconstruction error: what the model cannot explain lights up.
Defaults: empty prompt, CFG 1.

  --strength S           0..1 (default 0.3)
  --samples K            reconstructions averaged, seeds seed .. seed + K − 1 (default 4, at most 16)
  --scale E              error (8-bit units) drawn as full red (default: the map's 99th percentile)
  --overlay-out FILE.png     also write the heatmap over the greyed image
  --reconstruction-out FILE.png  also write the mean reconstruction
${IMAGE_HELP}
${samplingHelp({ stepsOut: false })}
  --out HEATMAP.png      the Turbo-coloured error map

Exit codes: 0 done, 1 runtime failure, 2 bad usage or input, 130 interrupted.`;

const { 'steps-out': _so, 'steps-decode': _sd, ...SAMPLING } = SAMPLING_OPTIONS;
const OPTIONS = {
  ...SAMPLING,
  ...IMAGE_OPTIONS,
  strength: { type: 'string' },
  samples: { type: 'string' },
  scale: { type: 'string' },
  'overlay-out': { type: 'string' },
  'reconstruction-out': { type: 'string' },
} as const;

export async function anomalyCommand(args: readonly string[], io: Io, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse('anomaly', args, OPTIONS);
  if (values.help) {
    io.stdout.write(`${ANOMALY_HELP}\n`);
    return 0;
  }
  noPositionals('anomaly', positionals);
  const image = imageParams(values, io);
  const out = pngOut('out', values.out, io) ?? '';
  const overlayOut = pngOut('overlay-out', values['overlay-out'], io, false);
  const reconOut = pngOut('reconstruction-out', values['reconstruction-out'], io, false);
  const sampling = await samplingParams(values, io);
  const progress = new ProgressReporter(io.stderr);
  const cache = cliPipelineCache(io);
  try {
    const r = await anomalyMap(
      {
        ...sampling,
        ...image,
        prompt: values.prompt,
        strength: numberOption('strength', values.strength),
        samples: intOption('samples', values.samples),
        scale: numberOption('scale', values.scale),
      },
      { cache, signal, onStage: progress.stage.bind(progress), onProgress: progress.progress.bind(progress) },
    );
    progress.clear();
    await writeOut(out, r.heatmapPng);
    if (overlayOut) await writeOut(overlayOut, r.overlayPng);
    if (reconOut) await writeOut(reconOut, r.reconstructionPng);
    printWarnings(io, r.warnings);
    if (values.json) {
      const outputs = { heatmap: out, ...(overlayOut ? { overlay: overlayOut } : {}), ...(reconOut ? { reconstruction: reconOut } : {}) };
      const json = { outputs, size: [r.width, r.height], score: r.score, p99: r.p99, max: r.max, scale: r.scale, strength: r.strength, seeds: r.seeds, provider: r.provider, warnings: r.warnings };
      io.stdout.write(`${JSON.stringify(json)}\n`);
      return 0;
    }
    io.stdout.write(`wrote ${[out, overlayOut, reconOut].filter((f): f is string => f !== undefined).map((f) => shown(f, io)).join(', ')}\n`);
    io.stdout.write(
      `${r.width}x${r.height}, strength ${r.strength}, ${r.seeds.length} seeds: anomaly score ${round(r.score, 2)} (mean error, 8-bit units), p99 ${round(r.p99, 2)}, max ${round(r.max, 2)}; heatmap full scale ${round(r.scale, 2)}\n`,
    );
    return 0;
  } finally {
    await cache.dispose();
  }
}
