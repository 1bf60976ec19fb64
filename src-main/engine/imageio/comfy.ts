/**
 * Best-effort reading of ComfyUI's PNG metadata. ComfyUI (nodes.py SaveImage) writes two text
 * chunks: `prompt`, the API graph `{ [id]: { class_type, inputs } }` where a linked input is
 * `[sourceId, outputIndex]`, and `workflow`, the editor graph `{ nodes: [{ id, type, inputs:
 * [{ name, link }], widgets_values }], links: [[id, fromNode, fromSlot, toNode, toSlot, type]] }`.
 * We find the first KSampler-like node and follow its positive/negative inputs to the text nodes.
 */
import type { GenerationMetadata } from './metadata-types.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: Json | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

// ---- API graph ("prompt") ----

function linkTarget(v: Json | undefined): string | undefined {
  return Array.isArray(v) && (typeof v[0] === 'string' || typeof v[0] === 'number') ? String(v[0]) : undefined;
}

/** Text of a conditioning input: follows links through text-ish nodes, a few hops at most. */
function textFromApi(graph: JsonObject, ref: Json | undefined, depth = 0): string | undefined {
  if (typeof ref === 'string') return ref;
  const id = linkTarget(ref);
  const node = id === undefined ? undefined : graph[id];
  if (!isObject(node) || !isObject(node.inputs) || depth > 8) return undefined;
  for (const key of ['text', 'text_g', 'string', 'value', 'conditioning', 'conditioning_1']) {
    const t = textFromApi(graph, node.inputs[key], depth + 1);
    if (t !== undefined) return t;
  }
  return undefined;
}

function fromApiGraph(graph: JsonObject): GenerationMetadata | null {
  const nodes = Object.values(graph).filter(isObject);
  const sampler = nodes.find((n) => typeof n.class_type === 'string' && n.class_type.startsWith('KSampler'));
  if (!sampler || !isObject(sampler.inputs)) return null;
  const inp = sampler.inputs;
  const latent = nodes.find((n) => n.class_type === 'EmptyLatentImage');
  const loader = nodes.find((n) => typeof n.class_type === 'string' && n.class_type.startsWith('CheckpointLoader'));
  return {
    source: 'comfyui',
    prompt: textFromApi(graph, inp.positive) ?? '',
    negativePrompt: textFromApi(graph, inp.negative) ?? '',
    seed: num(inp.seed) ?? num(inp.noise_seed),
    steps: num(inp.steps),
    cfgScale: num(inp.cfg),
    sampler: str(inp.sampler_name),
    schedule: str(inp.scheduler),
    width: isObject(latent?.inputs) ? num(latent.inputs.width) : undefined,
    height: isObject(latent?.inputs) ? num(latent.inputs.height) : undefined,
    model: isObject(loader?.inputs) ? str(loader.inputs.ckpt_name) : undefined,
    extra: {},
  };
}

// ---- editor graph ("workflow") ----

interface UiNode { id: number; type: string; inputs: { name: string; link: number | null }[]; widgets: Json[] }

function uiNodes(workflow: JsonObject): UiNode[] {
  const nodes = Array.isArray(workflow.nodes) ? workflow.nodes.filter(isObject) : [];
  return nodes.map((n) => ({
    id: num(n.id) ?? -1,
    type: str(n.type) ?? '',
    inputs: (Array.isArray(n.inputs) ? n.inputs.filter(isObject) : []).map((i) => ({ name: str(i.name) ?? '', link: num(i.link) ?? null })),
    widgets: Array.isArray(n.widgets_values) ? n.widgets_values : [],
  }));
}

function fromWorkflow(workflow: JsonObject): GenerationMetadata | null {
  const nodes = uiNodes(workflow);
  const links = new Map<number, number>(); // link id → origin node id
  for (const l of Array.isArray(workflow.links) ? workflow.links : []) {
    if (Array.isArray(l) && typeof l[0] === 'number' && typeof l[1] === 'number') links.set(l[0], l[1]);
  }
  const sampler = nodes.find((n) => n.type.startsWith('KSampler'));
  if (!sampler) return null;
  const textVia = (name: string): string => {
    const link = sampler.inputs.find((i) => i.name === name)?.link;
    const origin = link === null || link === undefined ? undefined : nodes.find((n) => n.id === links.get(link));
    return origin ? (str(origin.widgets[0]) ?? '') : '';
  };
  // KSampler widgets: seed, control, steps, cfg, sampler, scheduler, denoise;
  // KSamplerAdvanced: add_noise, seed, control, steps, cfg, sampler, scheduler, start, end, leftover.
  const w = sampler.type === 'KSamplerAdvanced' ? sampler.widgets.slice(1) : sampler.widgets;
  const latent = nodes.find((n) => n.type === 'EmptyLatentImage');
  const loader = nodes.find((n) => n.type.startsWith('CheckpointLoader'));
  return {
    source: 'comfyui',
    prompt: textVia('positive'),
    negativePrompt: textVia('negative'),
    seed: num(w[0]),
    steps: num(w[2]),
    cfgScale: num(w[3]),
    sampler: str(w[4]),
    schedule: str(w[5]),
    width: num(latent?.widgets[0]),
    height: num(latent?.widgets[1]),
    model: str(loader?.widgets[0]),
    extra: {},
  };
}

function parseJson(text: string | undefined): JsonObject | null {
  if (text === undefined) return null;
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? v : null;
  } catch {
    return null;
  }
}

/** ComfyUI metadata from the `prompt` and/or `workflow` chunks; null when neither has a sampler. */
export function parseComfy(prompt: string | undefined, workflow: string | undefined): GenerationMetadata | null {
  const api = parseJson(prompt);
  const fromApi = api ? fromApiGraph(api) : null;
  if (fromApi) return fromApi;
  const ui = parseJson(workflow);
  return ui ? fromWorkflow(ui) : null;
}
