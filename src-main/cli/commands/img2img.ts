/** `reverie img2img` and `reverie inpaint`: edit a photo through the img2img / inpaint pipelines. */
import path from 'node:path';
import { img2img } from '../../engine/pipelines/img2img.ts';
import type { Img2ImgResult } from '../../engine/pipelines/img2img.ts';
import { inpaint } from '../../engine/pipelines/inpaint.ts';
import type { InpaintMode, InpaintResult } from '../../engine/pipelines/inpaint.ts';
import { ProgressReporter } from '../progress.ts';
import { intOption, noPositionals, numberOption, parse } from '../usage.ts';
import type { Io } from '../usage.ts';
import { IMAGE_HELP, IMAGE_OPTIONS, SAMPLING_OPTIONS, cliPipelineCache, imageParams, pngOut, printWarnings, samplingHelp, samplingParams, shown, timingsJson } from './common.ts';
import { OutputWriter } from './outputs.ts';
import { stepsOutOptions, writeSteps } from './steps-out.ts';

export const IMG2IMG_HELP = `usage: reverie img2img --image FILE --out FILE.png [--strength S] [options]

Repaints an image: encodes it, adds noise of the level the strength says and runs the rest of the
schedule (strength 0 returns the image unchanged, 1 is txt2img from the same seed).

  --strength S           0..1 (default 0.75)
  --batch-size N, --batch-count N   several results (FILE-1.png, FILE-2.png, ...)
${IMAGE_HELP}
${samplingHelp()}
  --out FILE.png         output

Exit codes: 0 done, 1 runtime failure, 2 bad usage or input, 130 interrupted.`;

export const INPAINT_HELP = `usage: reverie inpaint --image FILE [--mask MASK] --out FILE.png [options]

Repaints the white part of a mask (or the opaque part of a mask with transparency; without --mask,
the transparent part of the image) and keeps every other pixel exactly. 9-channel inpainting models
are used as such.

  --mask FILE            mask image of the image's size or aspect ratio (white = repaint)
  --inpaint-mode MODE    blend (whole picture, default) or only-masked (a padded crop around the
                         mask, worked on at model resolution and pasted back)
  --feather PX           Gaussian softening of the mask edge, σ in pixels (default 4)
  --padding PX           only-masked: pixels around the mask (default 32)
  --strength S           0..1 (default 1: repaint from noise)
  --no-latent-blend      9-channel models only: let the UNet alone keep the unmasked area
  --batch-size N, --batch-count N   several results (FILE-1.png, FILE-2.png, ...)
${IMAGE_HELP}
${samplingHelp()}
  --out FILE.png         output

Exit codes: 0 done, 1 runtime failure, 2 bad usage or input, 130 interrupted.`;

const EDIT_OPTIONS = {
  ...SAMPLING_OPTIONS,
  ...IMAGE_OPTIONS,
  strength: { type: 'string' },
  'batch-size': { type: 'string' },
  'batch-count': { type: 'string' },
} as const;

const INPAINT_OPTIONS = {
  ...EDIT_OPTIONS,
  mask: { type: 'string' },
  'inpaint-mode': { type: 'string' },
  feather: { type: 'string' },
  padding: { type: 'string' },
  'no-latent-blend': { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parse<typeof INPAINT_OPTIONS>>['values'];

export async function img2imgCommand(args: readonly string[], io: Io, signal: AbortSignal): Promise<number> {
  // parsed without the inpaint flags, so `reverie img2img --mask` is an unknown option
  const { values, positionals } = parse('img2img', args, EDIT_OPTIONS);
  return edit('img2img', values, positionals, io, signal);
}

export async function inpaintCommand(args: readonly string[], io: Io, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse('inpaint', args, INPAINT_OPTIONS);
  return edit('inpaint', values, positionals, io, signal);
}

async function edit(command: 'img2img' | 'inpaint', values: Values, positionals: readonly string[], io: Io, signal: AbortSignal): Promise<number> {
  if (values.help) {
    io.stdout.write(`${command === 'img2img' ? IMG2IMG_HELP : INPAINT_HELP}\n`);
    return 0;
  }
  noPositionals(command, positionals);
  const image = imageParams(values, io);
  const out = pngOut('out', values.out, io) ?? '';
  const { dir: stepsDir, decode } = stepsOutOptions(values, io);
  const base = {
    ...(await samplingParams(values, io)),
    ...image,
    strength: numberOption('strength', values.strength),
    batchSize: intOption('batch-size', values['batch-size']),
    batchCount: intOption('batch-count', values['batch-count']),
  };
  const progress = new ProgressReporter(io.stderr);
  const cache = cliPipelineCache(io);
  const writer = new OutputWriter(out, (base.batchSize ?? 1) * (base.batchCount ?? 1), signal);
  try {
    const opts = { cache, signal: writer.signal, record: stepsDir !== undefined, onStage: progress.stage.bind(progress), onProgress: progress.progress.bind(progress), onImage: writer.onImage };
    let inpaintFacts: Pick<InpaintResult, 'mode' | 'nineChannel' | 'box'> | undefined;
    const run = async (): Promise<Img2ImgResult> => {
      if (command === 'img2img') return img2img(base, opts);
      const r = await inpaint(
        {
          ...base,
          mask: values.mask === undefined ? undefined : path.resolve(io.cwd, values.mask),
          mode: values['inpaint-mode'] as InpaintMode | undefined,
          feather: numberOption('feather', values.feather),
          padding: intOption('padding', values.padding),
          latentBlend: values['no-latent-blend'] === true ? false : undefined,
        },
        opts,
      );
      inpaintFacts = { mode: r.mode, nineChannel: r.nineChannel, ...(r.box ? { box: r.box } : {}) };
      return r;
    };
    const result = await writer.around(run, (line) => progress.note(line), (f) => shown(f, io));
    progress.clear();
    const outputs = writer.paths;
    const steps = stepsDir === undefined ? undefined : await writeSteps(stepsDir, result.recordings, await cache.model(base.modelDir, base.provider ?? 'auto'), decode);
    printWarnings(io, result.warnings, result.providerNote);
    const t = result.timings;
    if (values.json) {
      const json = {
        outputs,
        seed: result.seed,
        seeds: result.images.map((im) => im.seed),
        strength: result.strength,
        stepsRun: result.stepsRun,
        size: [result.params.width, result.params.height],
        input: result.input,
        ...inpaintFacts,
        provider: result.provider,
        timings: timingsJson(t),
        ...(steps ? { stepsOut: steps } : {}),
        warnings: result.warnings,
      };
      io.stdout.write(`${JSON.stringify(json)}\n`);
      return 0;
    }
    for (const [i, file] of outputs.entries()) io.stdout.write(`wrote ${shown(file, io)} (seed ${result.images[i].seed})\n`);
    if (steps) io.stdout.write(`wrote ${steps.files} files to ${shown(steps.dir, io)}\n`);
    const p = result.params;
    io.stdout.write(`${p.width}x${p.height}, strength ${result.strength}: ${result.stepsRun} of ${p.steps} steps ${p.sampler}/${p.schedule}, CFG ${p.cfgScale}, on ${result.provider}, total ${Math.round(t.total)} ms\n`);
    return 0;
  } finally {
    await cache.dispose();
  }
}
