/**
 * Graph templates (models/templates, written by models/templates/recipe/make_templates.py): per family the
 * four ONNX graphs without weights and a manifest of the weights each needs, named like the tensors of a
 * single-file (LDM) checkpoint. A checkpoint's family is the template whose every weight it holds with the
 * same shape; the nearest template explains a mismatch.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** The graphs every family has; SDXL adds text_encoder_2 (templateParts gives a template's own list). */
export const GRAPH_PARTS = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'] as const;
export type GraphPart = (typeof GRAPH_PARTS)[number] | 'text_encoder_2';

export interface LoraTarget {
  /** kohya key, e.g. lora_unet_down_blocks_0_attentions_0_proj_in */
  key: string;
  /** rows [start, end) of a fused tensor (OpenCLIP's in_proj_weight holds q, k and v) */
  rows?: [number, number];
}

export interface TemplateTensor {
  name: string;
  shape: number[];
  lora?: LoraTarget[];
}

export interface FamilyTemplate {
  dir: string;
  family: string;
  latentChannels: number;
  vaeFactor: number;
  unetInChannels: number;
  contextDim: number;
  textWidth: number;
  /** SDXL: the second encoder's width (OpenCLIP ViT-bigG, 1280) */
  text2Width?: number;
  /** token rows of the text encoder; 49 408 is CLIP's vocabulary (tokenizer files from clip-vocab.ts) */
  vocab: number;
  tokenizerPad: string;
  /** SDXL: tokenizer_2's pad token ("!") */
  tokenizer2Pad?: string;
  /** SDXL: model_index.json's force_zeros_for_empty_prompt */
  forceZerosForEmptyPrompt?: boolean;
  scalingFactor: number;
  predictionType: 'epsilon' | 'v_prediction';
  predictionChoices: ('epsilon' | 'v_prediction')[];
  defaultSize: number;
  pipeline: string;
  graphs: Partial<Record<GraphPart, { file: string; tensors: TemplateTensor[] }>> & Record<(typeof GRAPH_PARTS)[number], { file: string; tensors: TemplateTensor[] }>;
}

/** The template's graphs in folder order: text_encoder, (text_encoder_2,) unet, vae_encoder, vae_decoder. */
export function templateParts(template: Pick<FamilyTemplate, 'graphs'>): GraphPart[] {
  return template.graphs.text_encoder_2 ? ['text_encoder', 'text_encoder_2', 'unet', 'vae_encoder', 'vae_decoder'] : [...GRAPH_PARTS];
}

/** Where the bundled templates live: <models root>/templates (templates.json marks the folder). */
export const TEMPLATES_INDEX = 'templates.json';

export class TemplateError extends Error {}

function isShape(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0);
}

function parseManifest(dir: string, value: unknown): FamilyTemplate {
  const bad = (what: string): never => { throw new TemplateError(`graph template ${dir}: ${what}; reinstall Reverie`); };
  if (typeof value !== 'object' || value === null) return bad('manifest.json is not an object');
  const m = value as Record<string, unknown>;
  if (m.format !== 'reverie-template/1') bad(`unknown manifest format ${JSON.stringify(m.format)}`);
  const graphs = m.graphs as Record<string, unknown> | undefined;
  const parts: GraphPart[] = graphs?.text_encoder_2 === undefined ? [...GRAPH_PARTS] : [...GRAPH_PARTS, 'text_encoder_2'];
  for (const part of parts) {
    const g = graphs?.[part] as { file?: unknown; tensors?: unknown } | undefined;
    if (!g || typeof g.file !== 'string' || !Array.isArray(g.tensors)) bad(`graph ${part} is missing`);
    for (const t of g!.tensors as unknown[]) {
      const tensor = t as Partial<TemplateTensor>;
      if (typeof tensor.name !== 'string' || !isShape(tensor.shape)) bad(`a tensor of ${part} has no name or shape`);
    }
  }
  for (const key of ['latentChannels', 'vaeFactor', 'unetInChannels', 'contextDim', 'textWidth', 'vocab', 'scalingFactor', 'defaultSize']) {
    if (typeof m[key] !== 'number') bad(`${key} is not a number`);
  }
  return { ...(m as unknown as FamilyTemplate), dir };
}

/**
 * Every family template under the roots (subfolders with a manifest.json), roots in order, names sorted;
 * roots that do not exist are skipped (the user's own templates folder is optional).
 */
export async function readTemplates(roots: readonly string[]): Promise<FamilyTemplate[]> {
  const out: FamilyTemplate[] = [];
  for (const root of roots) out.push(...(await readTemplateRoot(root)));
  if (out.length === 0) throw new TemplateError(`no graph templates in ${roots.join(' or ')}; reinstall Reverie`);
  return out;
}

async function readTemplateRoot(root: string): Promise<FamilyTemplate[]> {
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
  const out: FamilyTemplate[] = [];
  for (const name of names) {
    const dir = path.join(root, name);
    let text: string;
    try {
      text = await readFile(path.join(dir, 'manifest.json'), 'utf8');
    } catch {
      continue;
    }
    out.push(parseManifest(dir, JSON.parse(text)));
  }
  return out;
}

export interface CheckpointTensorInfo {
  shape: readonly number[];
}

/** How a template tensor is found in the checkpoint: its name there (aliases resolved). */
export interface TensorSource {
  template: TemplateTensor;
  part: GraphPart;
  source: string;
}

/** Same shape, or the same matrix stored as linear [o, i] versus 1×1 conv [o, i, 1, 1] (VAE attention in newer files; LoRA deltas on SD 1.x's conv proj_in). */
export function shapesAgree(want: readonly number[], have: readonly number[]): boolean {
  if (want.length === have.length && want.every((d, i) => d === have[i])) return true;
  const squeeze = (s: readonly number[]): number[] => (s.length === 4 && s[2] === 1 && s[3] === 1 ? [s[0]!, s[1]!] : [...s]);
  const a = squeeze(want);
  const b = squeeze(have);
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Names other tools write for the same tensor (older transformers versions drop `text_model.`). */
function aliases(name: string): string[] {
  const clip = 'cond_stage_model.transformer.text_model.';
  if (name.startsWith(clip)) return [name, `cond_stage_model.transformer.${name.slice(clip.length)}`];
  return [name];
}

export interface TemplateMatch {
  template: FamilyTemplate;
  sources: TensorSource[];
  missing: string[];
  mismatched: { name: string; want: readonly number[]; have: readonly number[] }[];
}

function matchOne(template: FamilyTemplate, tensors: ReadonlyMap<string, CheckpointTensorInfo>): TemplateMatch {
  const sources: TensorSource[] = [];
  const missing: string[] = [];
  const mismatched: TemplateMatch['mismatched'] = [];
  for (const part of templateParts(template)) {
    for (const t of template.graphs[part]!.tensors) {
      const source = aliases(t.name).find((a) => tensors.has(a));
      if (source === undefined) {
        missing.push(t.name);
        continue;
      }
      const have = tensors.get(source)!.shape;
      if (!shapesAgree(t.shape, have)) mismatched.push({ name: t.name, want: t.shape, have });
      else sources.push({ template: t, part, source });
    }
  }
  return { template, sources, missing, mismatched };
}

function describeNearest(best: TemplateMatch): string {
  const bits: string[] = [];
  if (best.missing.length) bits.push(`${best.missing.length} tensors missing (first: ${best.missing[0]})`);
  const m = best.mismatched[0];
  if (m) bits.push(`${best.mismatched.length} with other shapes (first: ${m.name} is [${m.have.join(', ')}], expected [${m.want.join(', ')}])`);
  return `nearest is ${best.template.family}: ${bits.join('; ')}`;
}

/**
 * The template whose every weight the checkpoint holds with the right shape. `family` restricts the
 * choice (the user's --family); a file of another family is named in the error.
 */
export function matchTemplate(templates: readonly FamilyTemplate[], tensors: ReadonlyMap<string, CheckpointTensorInfo>, family?: string): TemplateMatch {
  const matches = templates.map((t) => matchOne(t, tensors));
  const exact = matches.filter((m) => m.missing.length === 0 && m.mismatched.length === 0);
  if (family !== undefined) {
    const chosen = exact.find((m) => m.template.family === family || m.template.family === `${family}-inpaint`);
    if (chosen) return chosen;
    if (!templates.some((t) => t.family === family)) {
      throw new TemplateError(`unknown family "${family}"; choose one of ${templates.map((t) => t.family).join(', ')}`);
    }
    if (exact[0]) throw new TemplateError(`this file is a ${exact[0].template.family} checkpoint, not ${family}; leave out --family or pass --family ${exact[0].template.family}`);
  } else if (exact[0]) {
    return exact[0];
  }
  if (!tensors.has('model.diffusion_model.input_blocks.0.0.weight')) {
    const unetOnly = [...tensors.keys()].some((k) => k.startsWith('down_blocks.') || k.startsWith('unet.'));
    throw new TemplateError(unetOnly
      ? 'this file holds diffusers-named weights (a single UNet or a diffusers export), not a full Stable Diffusion checkpoint; import the full .safetensors checkpoint instead'
      : [...tensors.keys()].some((k) => k.startsWith('lora_') || k.includes('lora_A') || k.includes('lora_down'))
        ? 'this file is a LoRA, not a checkpoint; add it to a model with --lora FILE:WEIGHT (or the LoRA list in the studio)'
        : 'this file is not a Stable Diffusion checkpoint (no model.diffusion_model weights)');
  }
  const ranked = [...matches].sort((a, b) => (a.missing.length + a.mismatched.length) - (b.missing.length + b.mismatched.length));
  const known = templates.map((t) => t.family).join(', ');
  throw new TemplateError(`unsupported checkpoint family (Reverie imports ${known}); ${describeNearest(ranked[0]!)}`);
}
