/**
 * Generation metadata in PNGs: we write A1111's `parameters` chunk (the interchange format) and read
 * A1111, ComfyUI and InvokeAI metadata.
 */
import { formatA1111, parseA1111, type A1111Parameters } from './a1111.ts';
import { parseComfy } from './comfy.ts';
import { parseInvoke } from './invoke.ts';
import type { GenerationMetadata } from './metadata-types.ts';
import { readPngTextMap } from './png-chunks.ts';

export type { GenerationMetadata } from './metadata-types.ts';

/** What we record for one generated image, in A1111's vocabulary. */
export interface InfotextFields {
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly steps: number;
  /** A1111 sampler label, e.g. "DPM++ 2M" */
  readonly sampler: string;
  /** schedule label, e.g. "Karras" */
  readonly schedule: string;
  readonly cfgScale: number;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly model: string;
  /** written after the standard keys, in order */
  readonly extra?: readonly (readonly [string, string])[];
}

/** A1111 key order (create_infotext): Steps, Sampler, Schedule type, CFG scale, Seed, Size, Model, ... */
export function formatInfotext(f: InfotextFields): string {
  const settings: [string, string][] = [
    ['Steps', String(f.steps)],
    ['Sampler', f.sampler],
    ['Schedule type', f.schedule],
    ['CFG scale', String(f.cfgScale)],
    ['Seed', String(f.seed)],
    ['Size', `${f.width}x${f.height}`],
    ['Model', f.model],
    ...(f.extra ?? []).map(([k, v]): [string, string] => [k, v]),
  ];
  return formatA1111({ prompt: f.prompt, negativePrompt: f.negativePrompt, settings });
}

const KNOWN = new Set(['Steps', 'Sampler', 'Schedule type', 'CFG scale', 'Seed', 'Size', 'Model']);

function toNumber(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export function metadataFromA1111(p: A1111Parameters): GenerationMetadata {
  const get = (k: string): string | undefined => p.settings.find(([key]) => key === k)?.[1];
  const size = /^(\d+)x(\d+)$/.exec(get('Size') ?? '');
  const extra: Record<string, string> = {};
  for (const [k, v] of p.settings) if (!KNOWN.has(k) && !(k in extra)) extra[k] = v;
  return {
    source: 'a1111',
    prompt: p.prompt,
    negativePrompt: p.negativePrompt,
    steps: toNumber(get('Steps')),
    sampler: get('Sampler'),
    schedule: get('Schedule type'),
    cfgScale: toNumber(get('CFG scale')),
    seed: toNumber(get('Seed')),
    width: size ? Number(size[1]) : undefined,
    height: size ? Number(size[2]) : undefined,
    model: get('Model'),
    extra,
  };
}

/**
 * The generation metadata of a PNG: A1111 `parameters` first, then ComfyUI `prompt`/`workflow`,
 * then InvokeAI `invokeai_metadata`; null when there is none. Throws IMAGE_INVALID for a broken PNG;
 * text skipped for being too large is noted in `notes`.
 */
export function readGenerationMetadata(png: Uint8Array, notes: string[] = []): GenerationMetadata | null {
  const text = readPngTextMap(png, notes);
  const parameters = text.get('parameters');
  if (parameters !== undefined) return metadataFromA1111(parseA1111(parameters));
  const comfy = parseComfy(text.get('prompt'), text.get('workflow'));
  if (comfy) return comfy;
  const invoke = text.get('invokeai_metadata');
  return invoke === undefined ? null : parseInvoke(invoke);
}
