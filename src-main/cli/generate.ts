/** `reverie generate`: text to image through the txt2img pipeline, PNGs with A1111 parameters. */
import path from 'node:path';
import type { Txt2ImgParams } from '../engine/pipelines/params.ts';
import { txt2img } from '../engine/pipelines/txt2img.ts';
import type { ProviderPreference } from '../engine/runtime/ort.ts';
import { COMPARE_HELP, COMPARE_OPTIONS, compareOption, compareSde } from './commands/compare-sde.ts';
import { SAMPLING_OPTIONS, cliPipelineCache, pngOut, printWarnings, promptLoras, samplingNumbers, shown, timingsJson } from './commands/common.ts';
import { OutputWriter } from './commands/outputs.ts';
import { SIZE_CONDITIONING_HELP } from './commands/size-flags.ts';
import { StepCollector, stepsOutOptions, writeSteps } from './commands/steps-out.ts';
import { resolveModelDir } from './model-roots.ts';
import { ProgressReporter } from './progress.ts';
import { UsageError, intOption, noPositionals, numberOption, parse } from './usage.ts';
import type { Io } from './usage.ts';

export const GENERATE_HELP = `usage: reverie generate --prompt TEXT --out FILE.png [options]

Generates images from a text prompt and writes them as PNGs carrying A1111 "parameters".

  --model DIR            model folder (default: the first valid folder in the repository's models/)
  --prompt TEXT          what to draw (an empty prompt gives an unconditional image)
  --negative-prompt TEXT what to avoid (used when CFG scale is not 1)
  --cfg N                CFG scale (default 7; 1 for guidance-distilled models; 1 = no guidance)
  --steps N              sampler steps (default 20; 1 for guidance-distilled models)
  --sampler ID           sampler id or A1111 label, e.g. dpmpp_2m, "Euler a" (see reverie samplers)
  --schedule ID          normal, karras, exponential, sgm_uniform, simple (default karras)
  --seed N               0..4294967295, or -1 for a random seed (default -1)
  --width N, --height N  pixels, multiples of 8 (default: the model's size)
  --batch-size N         images per UNet batch (default 1)
  --batch-count N        batches one after another (default 1)
  --hires-scale N        hires fix: upscale by N (1 to 4) and refine with a second image-to-image pass
  --hires-denoise N      the second pass's denoising strength, 0 to 1 (default 0.7)
  --hires-steps N        the second pass's steps (default: --steps)
  --hires-upscaler ID    latent (bilinear latents, default) or lanczos (the decoded image, sharp's Lanczos)
  --sde-noise KIND       DPM++ SDE, 2M SDE and 3M SDE: gaussian (a fresh seeded draw per step, default) or
                         brownian (one Brownian path per image, as k-diffusion and A1111 draw it; the
                         path does not depend on the steps, so changing them changes less)
${SIZE_CONDITIONING_HELP}
  --lora FILE:WEIGHT     merge a LoRA (repeatable; models imported from a checkpoint); a prompt's
                         <lora:NAME:WEIGHT> finds NAME.safetensors in the data folder's loras/
  --provider ID          auto, cpu, cuda, webgpu, dml, coreml (default auto)
  --out FILE.png         output; several images are written as FILE-1.png, FILE-2.png, ...
  --json                 print {outputs, seed, provider, timings} as JSON on stdout
  --steps-out DIR        write x_t and x̂₀ of every step as PNGs, steps.json and recording.rvrec
  --steps-decode KIND    preview (linear latent→RGB at latent size, default) or vae (full decode)
${COMPARE_HELP}
  -h, --help             this help

Exit codes: 0 done, 1 runtime failure, 2 bad usage or input, 130 interrupted.`;

const OPTIONS = {
  ...SAMPLING_OPTIONS,
  'batch-size': { type: 'string' },
  'batch-count': { type: 'string' },
  'hires-scale': { type: 'string' },
  'hires-denoise': { type: 'string' },
  'hires-steps': { type: 'string' },
  'hires-upscaler': { type: 'string' },
  'sde-noise': { type: 'string' },
  ...COMPARE_OPTIONS,
} as const;

/** --sde-noise: the SDE samplers' noise option; another sampler with it is the engine's BAD_INPUT. */
function sdeNoiseOption(value: string | undefined): Txt2ImgParams['samplerOptions'] {
  if (value === undefined) return undefined;
  if (value !== 'gaussian' && value !== 'brownian') throw new UsageError(`--sde-noise must be gaussian or brownian, got ${JSON.stringify(value)}`);
  return { noise: value };
}

/** The hires fix flags; none given: no second pass. */
function hiresOption(values: { 'hires-scale'?: string; 'hires-denoise'?: string; 'hires-steps'?: string; 'hires-upscaler'?: string }): Txt2ImgParams['hires'] {
  const scale = numberOption('hires-scale', values['hires-scale']);
  const rest = [values['hires-denoise'], values['hires-steps'], values['hires-upscaler']];
  if (scale === undefined) {
    if (rest.some((v) => v !== undefined)) throw new UsageError('--hires-denoise, --hires-steps and --hires-upscaler need --hires-scale N (e.g. --hires-scale 2)');
    return undefined;
  }
  const upscaler = values['hires-upscaler'];
  if (upscaler !== undefined && upscaler !== 'latent' && upscaler !== 'lanczos') throw new UsageError(`--hires-upscaler must be latent or lanczos, got ${JSON.stringify(upscaler)}`);
  const steps = intOption('hires-steps', values['hires-steps']);
  return { scale, denoise: numberOption('hires-denoise', values['hires-denoise']) ?? 0.7, ...(steps !== undefined ? { steps } : {}), ...(upscaler ? { upscaler } : {}) };
}

export async function generate(args: readonly string[], io: Io, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse('generate', args, OPTIONS);
  if (values.help) {
    io.stdout.write(`${GENERATE_HELP}\n`);
    return 0;
  }
  noPositionals('generate', positionals);
  if (values.prompt === undefined) throw new UsageError('missing --prompt TEXT (use --prompt "" for an unconditional image)');
  const out = pngOut('out', values.out, io) ?? '';
  // numbers first: usage errors come before looking for a model
  const numbers = {
    ...samplingNumbers(values),
    batchSize: intOption('batch-size', values['batch-size']),
    batchCount: intOption('batch-count', values['batch-count']),
    hires: hiresOption(values),
    samplerOptions: sdeNoiseOption(values['sde-noise']),
  };
  const compare = compareOption(values, numbers);
  const modelDir = await resolveModelDir(values.model, io.cwd);
  const loraPrompt = await promptLoras(values.prompt, values.lora, io);
  const progress = new ProgressReporter(io.stderr);
  const { dir: stepsDir, decode } = stepsOutOptions(values, io);
  const collector = stepsDir === undefined ? undefined : new StepCollector();
  const cache = cliPipelineCache(io);
  if (compare) {
    const params: Txt2ImgParams = { modelDir, ...loraPrompt, negativePrompt: values['negative-prompt'], sampler: values.sampler, schedule: values.schedule, provider: values.provider as ProviderPreference | undefined, ...numbers };
    try {
      return await compareSde({ params, out, samplers: compare, ...(stepsDir !== undefined ? { stepsDir } : {}), decode, json: values.json ?? false, cache, progress }, io, signal);
    } finally {
      await cache.dispose();
    }
  }
  const writer = new OutputWriter(out, (numbers.batchSize ?? 1) * (numbers.batchCount ?? 1), signal);
  try {
    const params: Txt2ImgParams = {
      modelDir,
      ...loraPrompt,
      negativePrompt: values['negative-prompt'],
      sampler: values.sampler,
      schedule: values.schedule,
      provider: values.provider as ProviderPreference | undefined,
      ...numbers,
    };
    const opts = { cache, signal: writer.signal, onStage: progress.stage.bind(progress), onProgress: progress.progress.bind(progress), onStep: collector?.onStep, onImage: writer.onImage };
    const result = await writer.around(() => txt2img(params, opts), (line) => progress.note(line), (f) => shown(f, io));
    progress.clear();
    const outputs = writer.paths;
    let steps: { dir: string; files: number } | undefined;
    if (stepsDir !== undefined && collector) {
      const model = await cache.model(modelDir, result.params.provider);
      const meta = { model: model.info.name, sampler: result.params.sampler, schedule: result.params.schedule, cfgScale: result.params.cfgScale };
      steps = await writeSteps(stepsDir, collector.recordings(model, meta), model, decode);
    }
    printWarnings(io, result.warnings, result.providerNote);

    const t = result.timings;
    if (values.json) {
      const json = {
        outputs,
        seed: result.seed,
        seeds: result.images.map((im) => im.seed),
        provider: result.provider,
        ...(result.providerNote ? { providerNote: result.providerNote } : {}),
        timings: timingsJson(t),
        truncated: result.truncated,
        ...(steps ? { stepsOut: steps } : {}),
        warnings: result.warnings,
      };
      io.stdout.write(`${JSON.stringify(json)}\n`);
      return 0;
    }
    const p = result.params;
    for (const [i, file] of outputs.entries()) io.stdout.write(`wrote ${shown(file, io)} (seed ${result.images[i].seed})\n`);
    if (steps) io.stdout.write(`wrote ${steps.files} files to ${path.relative(io.cwd, steps.dir) || '.'}\n`);
    const sampling = t.steps.reduce((a, b) => a + b, 0);
    io.stdout.write(
      `${p.width}x${p.height}, ${p.steps} steps ${p.sampler}/${p.schedule}, CFG ${p.cfgScale}, on ${result.provider}: ` +
        `load ${Math.round(t.load)} ms, encode ${Math.round(t.encode)} ms, sampling ${Math.round(sampling)} ms, decode ${Math.round(t.decode)} ms, total ${Math.round(t.total)} ms\n`,
    );
    return 0;
  } finally {
    await cache.dispose();
  }
}
