/**
 * Reads generation parameters back from an image the user dropped (ours, A1111, ComfyUI, InvokeAI)
 * and maps each writer's own names onto Reverie's: sampler ids from the sampler table (A1111
 * labels, old "DPM++ 2M Karras" style names, ComfyUI ids with their "_gpu" suffix, InvokeAI's "_k"
 * Karras variants), schedule ids from the schedule table. Runs in the engine process: the file is
 * untrusted input and the PNG reader inflates compressed chunks.
 */
import { readChunks } from './png-chunks.ts';
import { readGenerationMetadata } from './metadata.ts';
import type { GenerationMetadata } from './metadata.ts';
import { NOISE_KINDS } from '../samplers/common.ts';
import type { NoiseKind } from '../samplers/common.ts';
import { SAMPLERS, getSampler, parseA1111Sampler, takesSdeNoise } from '../samplers/registry.ts';
import { SCHEDULES } from '../schedules/index.ts';
import type { ScheduleId } from '../schedules/index.ts';
import { readSizeConditioning } from './sdxl-size.ts';
import type { SizeConditioning } from './sdxl-size.ts';

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'unknown';

export interface ReadParametersInput {
  bytes: Uint8Array;
  /** the file name, for messages */
  name?: string;
}

export interface ImageParameters {
  source: GenerationMetadata['source'];
  prompt: string;
  negativePrompt: string;
  steps?: number;
  /** Reverie's sampler id, when the writer's sampler is one Reverie has */
  sampler?: string;
  /** the sampler as the writer named it */
  samplerName?: string;
  schedule?: ScheduleId;
  scheduleName?: string;
  /** for a sampler that takes it (the SDE samplers): "SDE noise: Brownian" (pipelines/run.ts writes it), else the per-step Gaussian draws */
  sdeNoise?: NoiseKind;
  cfgScale?: number;
  seed?: number;
  width?: number;
  height?: number;
  model?: string;
  /** A1111's hires fix fields ("Hires upscale", "Hires steps", "Hires upscaler", "Denoising strength") */
  hires?: { scale: number; denoise: number; steps?: number; upscaler: 'latent' | 'lanczos' };
  /** SDXL's size conditioning ("SDXL original size", "SDXL crop top-left", "SDXL target size"; sdxl-size.ts) */
  sizeConditioning?: SizeConditioning;
  extra: Record<string, string>;
}

export interface ReadParametersOutput {
  format: ImageFormat;
  width?: number;
  height?: number;
  parameters: ImageParameters | null;
  /** what could not be carried over, in plain words */
  notes: string[];
}

const MAX_SEED = 4294967295;

export function sniffFormat(b: Uint8Array): ImageFormat {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  const ascii = (from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (b.length >= 6 && ascii(0, 4) === 'GIF8') return 'gif';
  return 'unknown';
}

/** Sampler (and the schedule an old-style name folds in) from any writer's sampler name. */
export function mapSamplerName(name: string): { sampler?: string; schedule?: ScheduleId } {
  const key = name.trim().toLowerCase();
  const attempts: (() => { sampler: string; schedule?: ScheduleId })[] = [
    () => {
      const hit = parseA1111Sampler(key);
      return { sampler: hit.sampler.id, ...(hit.schedule ? { schedule: hit.schedule } : {}) };
    },
    () => ({ sampler: getSampler(key.replace(/_gpu$/, '')).id }), // ComfyUI: dpmpp_2m_sde_gpu
    () => ({ sampler: getSampler(key.replace(/_k$/, '')).id, schedule: 'karras' }), // InvokeAI: dpmpp_2m_k
  ];
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch {
      // not this spelling
    }
  }
  const spaced = SAMPLERS.find((s) => s.label.toLowerCase().replace(/\s+/g, '') === key.replace(/[\s_]+/g, ''));
  return spaced ? { sampler: spaced.id } : {};
}

export function mapScheduleName(name: string): ScheduleId | undefined {
  const key = name.trim().toLowerCase().replace(/[\s-]+/g, '_');
  return SCHEDULES.find((s) => s.id === key || s.label.toLowerCase().replace(/\s+/g, '_') === key)?.id;
}

function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const ihdr = readChunks(bytes)[0].data;
  const view = new DataView(ihdr.buffer, ihdr.byteOffset, ihdr.byteLength);
  return { width: view.getUint32(0), height: view.getUint32(4) };
}

function toParameters(meta: GenerationMetadata, notes: string[]): ImageParameters {
  const p: ImageParameters = { source: meta.source, prompt: meta.prompt, negativePrompt: meta.negativePrompt, extra: { ...meta.extra } };
  if (meta.steps !== undefined && Number.isInteger(meta.steps) && meta.steps >= 1) p.steps = Math.min(meta.steps, 1000);
  if (meta.cfgScale !== undefined && meta.cfgScale >= 0) p.cfgScale = Math.min(meta.cfgScale, 100);
  if (meta.seed !== undefined && Number.isInteger(meta.seed) && meta.seed >= 0) {
    p.seed = meta.seed > MAX_SEED ? meta.seed % (MAX_SEED + 1) : meta.seed;
    if (meta.seed > MAX_SEED) notes.push(`Seed ${meta.seed} is larger than Reverie's 32-bit seeds; using ${p.seed}.`);
  }
  for (const key of ['width', 'height'] as const) {
    const v = meta[key];
    if (v === undefined || !Number.isFinite(v) || v < 64) continue;
    p[key] = Math.min(4096, Math.round(v / 8) * 8);
    if (p[key] !== v) notes.push(`The ${key} ${v} is not a multiple of 8 between 64 and 4096; using ${p[key]}.`);
  }
  if (meta.model !== undefined) p.model = meta.model;
  if (meta.sampler !== undefined) {
    p.samplerName = meta.sampler;
    const mapped = mapSamplerName(meta.sampler);
    if (mapped.sampler) p.sampler = mapped.sampler;
    else notes.push(`The sampler "${meta.sampler}" is not available in Reverie; keeping the current sampler.`);
    if (mapped.schedule) p.schedule = mapped.schedule;
    if (mapped.sampler && takesSdeNoise(getSampler(mapped.sampler))) p.sdeNoise = readSdeNoise(meta, notes);
  }
  if (meta.schedule !== undefined) {
    p.scheduleName = meta.schedule;
    const schedule = mapScheduleName(meta.schedule);
    if (schedule) p.schedule = schedule;
    else if (meta.schedule.toLowerCase() !== 'automatic') notes.push(`The schedule "${meta.schedule}" is not available in Reverie; keeping the current schedule.`);
  }
  const hires = readHires(meta.extra, p.width, p.height, notes);
  if (hires) p.hires = hires;
  const sizeConditioning = readSizeConditioning(meta.extra, notes);
  if (sizeConditioning) p.sizeConditioning = sizeConditioning;
  return p;
}

/**
 * The SDE noise of an image whose sampler takes it. ComfyUI and InvokeAI always draw these samplers'
 * noise from a Brownian tree (k-diffusion's, diffusers' DPMSolverSDEScheduler). In A1111's format
 * Reverie writes "SDE noise: Brownian", and nothing for its default per-step draws; A1111 itself writes
 * no such key though it draws Brownian noise too (torchsde's: the same kind of noise, never the same
 * numbers), so a key-less infotext reads as Reverie's default.
 */
function readSdeNoise(meta: GenerationMetadata, notes: string[]): NoiseKind {
  if (meta.source !== 'a1111') return 'brownian';
  const written = meta.extra['SDE noise'];
  if (written === undefined) return 'gaussian';
  const kind = NOISE_KINDS.find((k) => k === written.trim().toLowerCase());
  if (kind) return kind;
  notes.push(`The SDE noise "${written}" is not one Reverie knows (Gaussian or Brownian); using Gaussian.`);
  return 'gaussian';
}

/** The hires fix of an A1111 infotext: "Hires upscale: 2" (or "Hires resize: 1024x1024"), steps, upscaler, strength. */
function readHires(extra: Record<string, string>, width: number | undefined, height: number | undefined, notes: string[]): ImageParameters['hires'] {
  let scale = Number(extra['Hires upscale']);
  const resize = /^(\d+)x(\d+)$/.exec(extra['Hires resize'] ?? '');
  if (!(scale > 0) && resize && width && height) scale = Math.max(Number(resize[1]) / width, Number(resize[2]) / height);
  if (!(scale >= 1)) return undefined;
  if (scale > 4) notes.push(`Hires upscale ${scale} is more than Reverie's 4; using 4.`);
  const denoise = Number(extra['Denoising strength']);
  const steps = Number(extra['Hires steps']);
  const name = extra['Hires upscaler'] ?? 'Latent';
  const upscaler = /^latent/i.test(name) ? 'latent' : 'lanczos';
  if (!/^(latent|lanczos)/i.test(name)) notes.push(`The hires upscaler "${name}" is not available in Reverie; using Lanczos.`);
  return {
    scale: Math.min(4, Math.round(scale * 1000) / 1000),
    denoise: denoise >= 0 && denoise <= 1 ? denoise : 0.7,
    ...(Number.isInteger(steps) && steps >= 1 && steps <= 150 ? { steps } : {}),
    upscaler,
  };
}

export function readImageParameters(input: ReadParametersInput): ReadParametersOutput {
  const format = sniffFormat(input.bytes);
  const what = input.name ? `"${input.name}"` : 'The image';
  if (format !== 'png') {
    const kind = format === 'unknown' ? 'not an image Reverie recognises' : `a ${format.toUpperCase()} image`;
    return { format, parameters: null, notes: [`${what} is ${kind}; Reverie reads generation parameters from PNG files only.`] };
  }
  const size = pngSize(input.bytes); // throws IMAGE_INVALID for a broken PNG
  const notes: string[] = [];
  const meta = readGenerationMetadata(input.bytes, notes);
  if (!meta) {
    notes.push(`${what} has no generation parameters (no A1111 "parameters", ComfyUI "prompt"/"workflow" or InvokeAI metadata).`);
    return { format, ...size, parameters: null, notes };
  }
  return { format, ...size, parameters: toParameters(meta, notes), notes };
}
