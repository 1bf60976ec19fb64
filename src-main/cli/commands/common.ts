/**
 * What the edit commands share: the generate flags (model, prompt, CFG, steps, sampler, schedule,
 * seed, size, batch, provider), the image input flags, output checks and writing, and the help text
 * for all of it.
 */
import path from 'node:path';
import type { FitMode } from '../../engine/imageio/input.ts';
import { PipelineCache } from '../../engine/pipelines/cache.ts';
import type { Txt2ImgParams } from '../../engine/pipelines/params.ts';
import type { Txt2ImgTimings } from '../../engine/pipelines/txt2img.ts';
import type { ProviderPreference } from '../../engine/runtime/ort.ts';
import { LoraTagError, resolveLoras } from '../../engine/checkpoints/lora-tags.ts';
import { dataLayout, resolveDataDir } from '../../storage/paths.ts';
import { resolveModelDir } from '../model-roots.ts';
import { UsageError, intOption, numberOption } from '../usage.ts';
import type { Io } from '../usage.ts';
import { SIZE_CONDITIONING_HELP, SIZE_CONDITIONING_OPTIONS, sizeConditioningFlags } from './size-flags.ts';

/**
 * The pipeline cache of one CLI run, with the engine's caches in the data folder (the same ones the
 * studio uses): LoRA-merged graphs and ONNX Runtime's optimized graphs, so a second run loads faster.
 */
export function cliPipelineCache(io: Io): PipelineCache {
  const cacheDir = dataLayout(resolveDataDir({ env: io.env })).cacheDir;
  return new PipelineCache({ loraCacheDir: path.join(cacheDir, 'lora'), ortCacheDir: path.join(cacheDir, 'ort') });
}

/** The generate flags that apply to every sampling command. */
export const SAMPLING_OPTIONS = {
  model: { type: 'string' },
  prompt: { type: 'string' },
  'negative-prompt': { type: 'string' },
  cfg: { type: 'string' },
  steps: { type: 'string' },
  sampler: { type: 'string' },
  schedule: { type: 'string' },
  seed: { type: 'string' },
  width: { type: 'string' },
  height: { type: 'string' },
  provider: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  'steps-out': { type: 'string' },
  'steps-decode': { type: 'string' },
  lora: { type: 'string', multiple: true },
  ...SIZE_CONDITIONING_OPTIONS,
} as const;

export const IMAGE_OPTIONS = {
  image: { type: 'string' },
  fit: { type: 'string' },
  'max-pixels': { type: 'string' },
} as const;

const SIZE_HELP = `  --width N, --height N  work size, multiples of 8 (default: the image's aspect ratio at no more
                         than the model's default area)`;

const STEPS_OUT_HELP = `  --steps-out DIR        write x_t and x̂₀ of every step as PNGs, steps.json and recording.rvrec
  --steps-decode KIND    preview (linear latent→RGB at latent size, default) or vae (full decode)`;

/** Help lines of the sampling flags, without the size flags (image's own size) or --steps-out where they do not apply. */
export function samplingHelp({ size = true, stepsOut = true }: { size?: boolean; stepsOut?: boolean } = {}): string {
  return `  --model DIR            model folder (default: the first valid folder in the repository's models/)
  --prompt TEXT          what the result should show (default "")
  --negative-prompt TEXT what to avoid (used when CFG scale is not 1)
  --cfg N                CFG scale (1 = no guidance)
  --steps N              steps of the full schedule; a strength runs its share of them
  --sampler ID           sampler id or A1111 label (see reverie samplers)
  --schedule ID          normal, karras, exponential, sgm_uniform, simple
  --seed N               0..4294967295, or -1 for a random seed (default -1)
  --lora FILE:WEIGHT     merge a LoRA (repeatable; models imported from a checkpoint); a prompt's
                         <lora:NAME:WEIGHT> finds NAME.safetensors in the data folder's loras/
${size ? `${SIZE_HELP}\n` : ''}${SIZE_CONDITIONING_HELP}
  --provider ID          auto, cpu, cuda, webgpu, dml, coreml (default auto)
  --json                 print a JSON summary on stdout
${stepsOut ? `${STEPS_OUT_HELP}\n` : ''}  -h, --help             this help`;
}

export const IMAGE_HELP = `  --image FILE           input image (PNG, JPEG, WebP, AVIF, TIFF, GIF; EXIF orientation applied)
  --fit MODE             resize (default), crop or fill, when the work size differs from the image
  --max-pixels N         refuse larger images (default 40000000)`;

type Values = {
  [K in keyof typeof SAMPLING_OPTIONS]?: (typeof SAMPLING_OPTIONS)[K] extends { multiple: true } ? string[] : (typeof SAMPLING_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};
type ImageValues = { [K in keyof typeof IMAGE_OPTIONS]?: string };

/** The numeric generate flags; UsageError on a malformed number (call before looking for a model). */
export function samplingNumbers(values: Values): Pick<Txt2ImgParams, 'cfgScale' | 'steps' | 'seed' | 'width' | 'height' | 'sizeConditioning'> {
  const sizeConditioning = sizeConditioningFlags(values);
  return {
    ...(sizeConditioning ? { sizeConditioning } : {}),
    cfgScale: numberOption('cfg', values.cfg),
    steps: intOption('steps', values.steps),
    seed: intOption('seed', values.seed),
    width: intOption('width', values.width),
    height: intOption('height', values.height),
  };
}

/** --lora FILE[:WEIGHT] → file and weight (the last colon splits, so C:\\x.safetensors:0.8 works). */
function loraFlag(value: string, io: Io): { file: string; weight: number } {
  const colon = value.lastIndexOf(':');
  const tail = colon > 0 ? value.slice(colon + 1) : '';
  const weight = /^-?(\d+\.?\d*|\.\d+)$/.test(tail) ? Number(tail) : undefined;
  const file = weight === undefined ? value : value.slice(0, colon);
  if (file.trim() === '') throw new UsageError('--lora needs FILE.safetensors[:WEIGHT]');
  return { file: path.resolve(io.cwd, file), weight: weight ?? 1 };
}

/** The prompt with a <lora:…> tag per --lora file, and every LoRA the prompt's tags name. */
export async function promptLoras(prompt: string, flags: readonly string[] | undefined, io: Io): Promise<Pick<Txt2ImgParams, 'prompt' | 'loras'>> {
  const given = (flags ?? []).map((f) => loraFlag(f, io));
  try {
    const { prompt: text, loras } = await resolveLoras(prompt, given, [dataLayout(resolveDataDir({ env: io.env })).lorasDir]);
    return { prompt: text, ...(loras.length ? { loras } : {}) };
  } catch (err) {
    if (err instanceof LoraTagError) throw new UsageError(err.message);
    throw err;
  }
}

/** Txt2ImgParams fields from the generate flags (prompt defaults to ""). */
export async function samplingParams(values: Values, io: Io): Promise<Txt2ImgParams> {
  const modelDir = await resolveModelDir(values.model, io.cwd);
  return {
    modelDir,
    ...(await promptLoras(values.prompt ?? '', values.lora, io)),
    negativePrompt: values['negative-prompt'],
    sampler: values.sampler,
    schedule: values.schedule,
    provider: values.provider as ProviderPreference | undefined,
    ...samplingNumbers(values),
  };
}

export function imageParams(values: ImageValues, io: Io): { image: string; fit?: FitMode; maxPixels?: number } {
  if (values.image === undefined) throw new UsageError('missing --image FILE');
  return {
    image: path.resolve(io.cwd, values.image),
    fit: values.fit as FitMode | undefined,
    maxPixels: intOption('max-pixels', values['max-pixels'], { min: 1 }),
  };
}

/** --out FILE.png, resolved; UsageError when missing or not .png. */
export function pngOut(name: string, value: string | undefined, io: Io, required = true): string | undefined {
  if (value === undefined) {
    if (required) throw new UsageError(`missing --${name} FILE.png`);
    return undefined;
  }
  if (path.extname(value).toLowerCase() !== '.png') throw new UsageError(`--${name} must name a .png file, got ${JSON.stringify(value)}`);
  return path.resolve(io.cwd, value);
}

/** A path relative to the working folder when it is inside it. */
export function shown(file: string, io: Io): string {
  const rel = path.relative(io.cwd, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

export function printWarnings(io: Io, warnings: readonly string[], note?: string): void {
  for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
  if (note) io.stderr.write(`note: ${note}\n`);
}

export function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** A pipeline's timings for --json: milliseconds to 0.1 ms. */
export function timingsJson(t: Txt2ImgTimings): Txt2ImgTimings {
  return { load: round(t.load), encode: round(t.encode), steps: t.steps.map((v) => round(v)), decode: round(t.decode), total: round(t.total) };
}

/** A comma-separated list of numbers: "0,250,999". */
export function numberList(name: string, value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((part) => {
    const n = numberOption(name, part.trim());
    if (n === undefined) throw new UsageError(`--${name} expects numbers separated by commas, got ${JSON.stringify(value)}`);
    return n;
  });
}
