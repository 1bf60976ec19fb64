/**
 * txt2img parameters: the user-facing shape, up-front validation with messages that say what was
 * wrong, with what value, and what to do, and resolution against the loaded model's facts.
 *
 * Decisions (documented here, reported to the user through `warnings`):
 * - An empty prompt is allowed: it gives an unconditional image (the empty prompt's embedding), as in
 *   A1111 and diffusers; the result carries a warning so the UI can say so.
 * - CFG scale is the literal multiplier of `uncond + scale·(cond − uncond)` (k-diffusion/A1111): 1 turns
 *   guidance off (no unconditional pass), 0 gives the unconditional prediction. Guidance-distilled
 *   (turbo) models default to 1.
 * - seed −1 draws a random seed (crypto, not Math.random); seeds are 0..2^32−1 as in A1111; batch item k
 *   of the whole run uses (seed + k) mod 2^32.
 */
import { randomInt } from 'node:crypto';
import { MAX_IMAGE_SIDE, MIN_IMAGE_SIDE } from '../models/families.ts';
import type { ModelInfo } from '../models/model.ts';
import type { ProviderPreference } from '../runtime/ort.ts';
import { NOISE_KINDS } from '../samplers/common.ts';
import type { NoiseKind } from '../samplers/common.ts';
import { getSampler, parseA1111Sampler, resolveOptions, takesSdeNoise } from '../samplers/registry.ts';
import type { SamplerEntry } from '../samplers/registry.ts';
import { getSchedule } from '../schedules/index.ts';
import type { ScheduleId } from '../schedules/index.ts';
import { EngineError } from '../types.ts';
import type { SamplerOptions } from '../types.ts';
import { checkPromptLength } from './prompt-limit.ts';
import { checkSizeConditioning } from './size-conditioning.ts';
import type { SizeConditioning } from './size-conditioning.ts';

/**
 * Sides are multiples of 8 for every model (the smallest VAE factor supported); a model whose VAE
 * downsamples more (reverie-mini v2: 16) needs multiples of its own factor, checked in resolveForModel.
 */
export const SIZE_MULTIPLE = 8;
export const MIN_SIZE = MIN_IMAGE_SIDE;
export const MAX_SIZE = MAX_IMAGE_SIDE;
export const MAX_STEPS = 1000;
export const MAX_CFG = 100;
export const MAX_BATCH_SIZE = 16;
export const MAX_BATCH_COUNT = 1000;
export const MAX_SEED = 2 ** 32 - 1;
const PROVIDERS: readonly ProviderPreference[] = ['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml'];

export interface Txt2ImgParams {
  modelDir: string;
  prompt: string;
  negativePrompt?: string;
  /** default 7, or 1 (no guidance) for guidance-distilled models */
  cfgScale?: number;
  /** default 20, or 1 for guidance-distilled models */
  steps?: number;
  /** sampler id, A1111 label or alias; an A1111 "DPM++ 2M Karras" also sets the schedule */
  sampler?: string;
  samplerOptions?: SamplerOptions;
  /**
   * the SDE samplers' noise (DPM++ SDE, 2M SDE, 3M SDE: their `noise` option), as the studio sends it
   * beside its sampler: applied when the run's sampler takes it, ignored by the others (they draw no
   * SDE noise). An explicit samplerOptions.noise wins; the CLI's --sde-noise sets that one, strictly.
   */
  sdeNoise?: NoiseKind;
  /** schedule id or label; default karras (normal for guidance-distilled models) */
  schedule?: string;
  /** 0..2^32−1, or −1 (default) for a random seed */
  seed?: number;
  /** pixels, multiples of 8; default: the model's default size */
  width?: number;
  height?: number;
  /** images per UNet batch (default 1) */
  batchSize?: number;
  /** batches run one after the other (default 1) */
  batchCount?: number;
  provider?: ProviderPreference;
  /** hires fix: a second image-to-image pass at a larger size (pipelines/hires.ts) */
  hires?: HiresParams;
  /**
   * LoRAs merged into the text encoder and UNet (models imported from a checkpoint, checkpoints/lora-apply.ts).
   * Callers resolve the prompt's `<lora:name:weight>` tags to files; the tags stay in the prompt.
   */
  loras?: LoraParam[];
  /** SDXL only: original size, crop top-left and target size fed as time_ids (default: the run's size, 0, 0) */
  sizeConditioning?: SizeConditioning;
}

export interface LoraParam {
  /** what `<lora:NAME:…>` calls it (the file name without extension) */
  name: string;
  /** the .safetensors file */
  file: string;
  /** multiplier on its delta; 1 is the LoRA as trained */
  weight: number;
}

/** |weight| above this is refused: LoRAs are made for about −2..2, and 10 already destroys any image */
const MAX_LORA_WEIGHT = 10;

/** Hires fix (pipelines/hires.ts): a second image-to-image pass at a larger size. */
export type HiresUpscaler = 'latent' | 'lanczos';
export const HIRES_UPSCALERS: readonly HiresUpscaler[] = ['latent', 'lanczos'];

export interface HiresParams {
  /** 1 to 4: the final size is the base size times this (rounded to the model's size step) */
  scale: number;
  /** 0 to 1: how much the second pass may change (A1111's "Denoising strength"; 0.5–0.7 is typical) */
  denoise: number;
  /** second-pass steps; 0 or left out: the base step count */
  steps?: number;
  upscaler?: HiresUpscaler;
}

export function checkHires(h: HiresParams): HiresParams {
  if (typeof h.scale !== 'number' || !(h.scale >= 1 && h.scale <= 4)) {
    throw new EngineError('BAD_INPUT', `hires scale must be a number from 1 to 4 (2 doubles the size), got ${String(h.scale)}`);
  }
  if (typeof h.denoise !== 'number' || !(h.denoise >= 0 && h.denoise <= 1)) {
    throw new EngineError('BAD_INPUT', `hires denoising strength must be from 0 (keep the upscaled image) to 1 (repaint it), got ${String(h.denoise)}; 0.5–0.7 is typical`);
  }
  if (h.steps !== undefined && !(Number.isInteger(h.steps) && h.steps >= 0 && h.steps <= 150)) {
    throw new EngineError('BAD_INPUT', `hires steps must be a whole number from 0 (the base step count) to 150, got ${String(h.steps)}`);
  }
  if (h.upscaler !== undefined && !HIRES_UPSCALERS.includes(h.upscaler)) {
    throw new EngineError('BAD_INPUT', `unknown hires upscaler ${JSON.stringify(h.upscaler)}; valid: ${HIRES_UPSCALERS.join(', ')}`);
  }
  return h;
}

/** Params after validation, before the model is known (model-dependent defaults still open). */
export interface CheckedParams {
  modelDir: string;
  prompt: string;
  negativePrompt: string;
  cfgScale?: number;
  steps?: number;
  sampler?: SamplerEntry;
  samplerOptions: SamplerOptions;
  sdeNoise?: NoiseKind;
  schedule?: ScheduleId;
  seed: number;
  seedWasRandom: boolean;
  width?: number;
  height?: number;
  batchSize: number;
  batchCount: number;
  provider: ProviderPreference;
  hires?: HiresParams;
  loras: LoraParam[];
  sizeConditioning?: SizeConditioning;
}

/** Everything fixed: what the pipeline runs. */
export interface ResolvedParams extends Omit<CheckedParams, 'cfgScale' | 'steps' | 'sampler' | 'schedule' | 'width' | 'height'> {
  cfgScale: number;
  steps: number;
  sampler: SamplerEntry;
  schedule: ScheduleId;
  width: number;
  height: number;
}

function bad(message: string): never {
  throw new EngineError('BAD_INPUT', message);
}

function checkInt(name: string, v: number | undefined, min: number, max: number, hint = ''): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    bad(`${name} must be a whole number from ${min} to ${max}, got ${String(v)}${hint}`);
  }
  return v;
}

function nearestMultiples(v: number, m: number, lo: number, hi: number): string {
  const down = Math.max(lo, Math.floor(v / m) * m);
  const up = Math.min(hi, Math.ceil(v / m) * m);
  return down === up ? `${down}` : `${down} or ${up}`;
}

function checkSize(name: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(`${name} must be a number of pixels, got ${String(v)}`);
  if (v < MIN_SIZE || v > MAX_SIZE) bad(`${name} must be from ${MIN_SIZE} to ${MAX_SIZE} pixels, got ${v}`);
  return checkMultiple(name, v, SIZE_MULTIPLE);
}

function checkMultiple(name: string, v: number, factor: number, model = ''): number {
  if (!Number.isInteger(v) || v % factor !== 0) {
    bad(`${name} must be a multiple of ${factor}${model} (the VAE works on ${factor}×${factor} blocks), got ${v}; nearest valid: ${nearestMultiples(v, factor, MIN_SIZE, MAX_SIZE)}`);
  }
  return v;
}

/**
 * A side the model can take: a multiple of its size step, so that the latents (side / VAE factor)
 * halve evenly at every UNet downsampling; anything else fails inside ONNX Runtime with a Concat error.
 */
function checkModelSide(name: string, v: number, info: Pick<ModelInfo, 'name' | 'vaeFactor' | 'sizeStep'>): number {
  if (info.sizeStep <= info.vaeFactor) return checkMultiple(name, v, info.vaeFactor, ` for ${info.name}`);
  if (!Number.isInteger(v) || v % info.sizeStep !== 0) {
    const halvings = Math.log2(info.sizeStep / info.vaeFactor);
    bad(
      `${name} must be a multiple of ${info.sizeStep} for ${info.name} (its VAE works on ${info.vaeFactor}×${info.vaeFactor} blocks and its UNet halves the latents ${halvings} time${halvings === 1 ? '' : 's'}), got ${v}; ` +
        `nearest valid: ${nearestMultiples(v, info.sizeStep, MIN_SIZE, MAX_SIZE)}`,
    );
  }
  return v;
}

/** Rounds a side to the nearest multiple of the VAE factor within the size limits (sizes the app derives itself). */
export function roundToFactor(v: number, factor: number): number {
  return Math.min(MAX_SIZE, Math.max(MIN_SIZE, Math.round(v / factor) * factor));
}

/** A schedule id or label, plus A1111's names ("Uniform" is k-diffusion's default = normal). */
export function resolveSchedule(name: string): ScheduleId {
  const key = name.trim().toLowerCase();
  if (key === 'uniform') return 'normal';
  if (key === 'sgmuniform') return 'sgm_uniform';
  return getSchedule(name).id;
}

/** Validates everything that does not need the model. Throws EngineError('BAD_INPUT', ...). */
export function checkTxt2ImgParams(p: Txt2ImgParams): CheckedParams {
  if (typeof p.modelDir !== 'string' || p.modelDir.trim() === '') bad('modelDir is required: the folder of an ONNX diffusion model');
  if (typeof p.prompt !== 'string') bad(`prompt must be text, got ${typeof p.prompt}`);
  if (p.negativePrompt !== undefined && typeof p.negativePrompt !== 'string') bad(`negativePrompt must be text, got ${typeof p.negativePrompt}`);
  checkPromptLength('prompt', p.prompt);
  checkPromptLength('negative prompt', p.negativePrompt ?? '');
  if (p.cfgScale !== undefined && (typeof p.cfgScale !== 'number' || !Number.isFinite(p.cfgScale) || p.cfgScale < 0 || p.cfgScale > MAX_CFG)) {
    bad(`CFG scale must be a number from 0 to ${MAX_CFG} (1 = no guidance, 7 is typical), got ${String(p.cfgScale)}`);
  }
  const steps = checkInt('steps', p.steps, 1, MAX_STEPS, p.steps === 0 ? ' (use at least 1 step; 20 is typical)' : '');
  let sampler: SamplerEntry | undefined;
  let schedule: ScheduleId | undefined;
  if (p.sampler !== undefined) {
    const parsed = parseA1111Sampler(p.sampler);
    sampler = parsed.sampler;
    schedule = parsed.schedule;
  }
  if (p.schedule !== undefined && p.schedule.trim().toLowerCase() !== 'automatic') schedule = resolveSchedule(p.schedule);
  const samplerOptions = sampler ? resolveOptions(sampler, p.samplerOptions ?? {}) : (p.samplerOptions ?? {});
  if (p.sdeNoise !== undefined && !NOISE_KINDS.includes(p.sdeNoise)) bad(`SDE noise must be ${NOISE_KINDS.join(' or ')}, got ${JSON.stringify(p.sdeNoise)}`);
  const seedIn = p.seed ?? -1;
  if (seedIn !== -1) checkInt('seed', seedIn, 0, MAX_SEED, ' (or -1 for a random seed)');
  if (p.provider !== undefined && !PROVIDERS.includes(p.provider)) bad(`unknown provider ${JSON.stringify(p.provider)}; valid: ${PROVIDERS.join(', ')}`);
  return {
    modelDir: p.modelDir,
    prompt: p.prompt,
    negativePrompt: p.negativePrompt ?? '',
    cfgScale: p.cfgScale,
    steps,
    sampler,
    samplerOptions,
    ...(p.sdeNoise !== undefined ? { sdeNoise: p.sdeNoise } : {}),
    schedule,
    seed: seedIn === -1 ? randomInt(0, MAX_SEED + 1) : seedIn,
    seedWasRandom: seedIn === -1,
    width: checkSize('width', p.width),
    height: checkSize('height', p.height),
    batchSize: checkInt('batch size', p.batchSize, 1, MAX_BATCH_SIZE) ?? 1,
    batchCount: checkInt('batch count', p.batchCount, 1, MAX_BATCH_COUNT) ?? 1,
    provider: p.provider ?? 'auto',
    ...(p.hires ? { hires: checkHires(p.hires) } : {}),
    loras: checkLoras(p.loras),
    ...(p.sizeConditioning ? { sizeConditioning: checkSizeConditioning(p.sizeConditioning) } : {}),
  };
}

function checkLoras(loras: readonly LoraParam[] | undefined): LoraParam[] {
  if (loras === undefined) return [];
  if (!Array.isArray(loras)) bad('loras must be a list of {name, file, weight}');
  return loras.map((l) => {
    if (typeof l?.file !== 'string' || l.file.trim() === '') bad('each LoRA needs the path of its .safetensors file');
    if (typeof l.weight !== 'number' || !Number.isFinite(l.weight) || Math.abs(l.weight) > MAX_LORA_WEIGHT) {
      bad(`LoRA ${l.name || l.file}: weight must be a number from −${MAX_LORA_WEIGHT} to ${MAX_LORA_WEIGHT} (1 is the LoRA as trained), got ${String(l.weight)}`);
    }
    return { name: typeof l.name === 'string' && l.name !== '' ? l.name : l.file, file: l.file, weight: l.weight };
  });
}

/** Fills model-dependent defaults (size, and turbo-style defaults for guidance-distilled models). */
export function resolveForModel(p: CheckedParams, info: ModelInfo): ResolvedParams {
  const turbo = info.guidanceFree;
  const sampler = p.sampler ?? getSampler(turbo ? 'euler_ancestral' : 'dpmpp_2m');
  return {
    ...p,
    sampler,
    samplerOptions: withSdeNoise(sampler, p.sampler ? p.samplerOptions : resolveOptions(sampler, p.samplerOptions), p.sdeNoise),
    schedule: p.schedule ?? (turbo ? 'normal' : 'karras'),
    steps: p.steps ?? (turbo ? 1 : 20),
    cfgScale: p.cfgScale ?? (turbo ? 1 : 7),
    width: checkModelSide('width', p.width ?? info.defaultWidth, info),
    height: checkModelSide('height', p.height ?? info.defaultHeight, info),
  };
}

/** The run's sampler options with the studio's SDE noise choice, for a sampler that takes it (an explicit option wins). */
function withSdeNoise(sampler: SamplerEntry, options: SamplerOptions, noise: NoiseKind | undefined): SamplerOptions {
  if (noise === undefined || !takesSdeNoise(sampler) || options.noise !== undefined) return options;
  return { ...options, noise };
}

/** Seed of image n (0-based over the whole run): A1111's seed + n, kept in 32 bits. */
export function seedFor(seed: number, n: number): number {
  return (seed + n) % (MAX_SEED + 1);
}
