/**
 * Plain LoRA: each target weight W gains weight · (alpha / rank) · (up @ down) (Hu et al. 2021,
 * "LoRA: Low-Rank Adaptation of Large Language Models"; alpha/rank is kohya's scale, 1 when the file
 * has no alpha). Here a LoRA file's tensors are grouped per target (names in lora-names.ts), checked
 * for shape, and merged into a base weight for linear layers and convolutions.
 */
import { parseLoraKey, unsupportedKindOf } from './lora-names.ts';
import type { SafetensorsFile } from './safetensors.ts';
import { shapesAgree } from './templates.ts';

export interface LoraGroup {
  /** kohya form: lora_unet_…, lora_te_…, lora_te2_… */
  target: string;
  /** tensor names in the file */
  down: string;
  up: string;
  /** null when the file has none for this target (scale 1) */
  alpha: number | null;
  rank: number;
}

/** A group before its alpha is read: `alpha` is the alpha tensor's name. */
export interface LoraGroupNames extends Omit<LoraGroup, 'alpha'> {
  alpha: string | null;
}

const SUPPORTED = 'Reverie supports only plain LoRA (lora_down/lora_up or lora_A/lora_B, with optional alpha)';

/** Groups a LoRA file's tensors by target and checks ranks; throws naming what is unsupported or missing. */
export function groupLoraTensors(file: string, tensors: Iterable<{ name: string; shape: number[] }>): LoraGroupNames[] {
  const parts = new Map<string, { down?: string; up?: string; alpha?: string }>();
  const shapes = new Map<string, number[]>();
  const unknown: string[] = [];
  for (const { name, shape } of tensors) {
    const kind = unsupportedKindOf(name);
    if (kind) throw new Error(`${file} is a ${kind} file (e.g. tensor ${name}); ${SUPPORTED}. Convert or re-export it as a plain LoRA.`);
    const key = parseLoraKey(name);
    if (!key) {
      unknown.push(name);
      continue;
    }
    shapes.set(name, shape);
    const group = parts.get(key.target) ?? {};
    const earlier = group[key.role];
    if (earlier) throw new Error(`${file}: tensors ${earlier} and ${name} are both the ${key.role} of ${key.target}; the file mixes naming schemes`);
    group[key.role] = name;
    parts.set(key.target, group);
  }
  if (unknown.length > 0) {
    const more = unknown.length > 3 ? ` and ${unknown.length - 3} more` : '';
    throw new Error(
      `${file}: tensor names not in any known LoRA scheme: ${unknown.slice(0, 3).join(', ')}${more}. ` +
        `Reverie reads kohya (lora_unet_….lora_down.weight), diffusers/PEFT (unet.….lora_A.weight) and older diffusers names; ` +
        'a full checkpoint is imported as a model, not as a LoRA.',
    );
  }
  if (parts.size === 0) throw new Error(`${file} has no tensors; it is not a LoRA`);

  const groups: LoraGroupNames[] = [];
  for (const [target, { down, up, alpha }] of parts) {
    if (!down || !up) {
      const missing = !down && !up ? 'down and up weights' : !down ? 'down weight' : 'up weight';
      throw new Error(`${file}: LoRA target ${target} has no ${missing} (found ${[down, up, alpha].filter(Boolean).join(', ')}); the file is incomplete`);
    }
    groups.push({ target, down, up, alpha: alpha ?? null, rank: checkRank(file, target, shapes.get(down)!, shapes.get(up)!) });
  }
  return groups;
}

/** down is [r, in] or [r, in, kh, kw]; up is [out, r] or [out, r, 1, 1]; returns r. */
function checkRank(file: string, target: string, down: number[], up: number[]): number {
  const shapes = `down [${down.join(', ')}], up [${up.join(', ')}]`;
  const linearOrConv = (s: number[]): boolean => s.length === 2 || s.length === 4;
  if (!linearOrConv(down) || !linearOrConv(up) || (up.length === 4 && (up[2] !== 1 || up[3] !== 1))) {
    throw new Error(`${file}: LoRA target ${target} has ${shapes}; expected linear ([r, in] and [out, r]) or conv ([r, in, kh, kw] and [out, r, 1, 1])`);
  }
  if (down[0] !== up[1] || down[0] === 0) throw new Error(`${file}: LoRA target ${target} has ${shapes}, whose ranks disagree`);
  return down[0];
}

/** Groups the file's tensors and reads each alpha (a one-element float tensor). */
export async function readLora(st: SafetensorsFile): Promise<LoraGroup[]> {
  const groups = groupLoraTensors(st.file, st.tensors.values());
  const out: LoraGroup[] = [];
  for (const g of groups) {
    let alpha: number | null = null;
    if (g.alpha !== null) {
      const values = await st.readFloat32(g.alpha, { checkFinite: true });
      if (values.length !== 1) throw new Error(`${st.file}: alpha tensor ${g.alpha} has ${values.length} values; expected one`);
      alpha = values[0];
    }
    out.push({ ...g, alpha });
  }
  return out;
}

/** alpha / rank (1 without alpha). */
export function loraScale(group: Pick<LoraGroup, 'alpha' | 'rank'>): number {
  return (group.alpha ?? group.rank) / group.rank;
}

/**
 * W + weight · (alpha/rank) · (up @ down), as a new array in the base's layout. Linear: up [out, r],
 * down [r, in]. Conv: up [out, r, 1, 1], down [r, in, kh, kw], result [out, in, kh, kw]. A linear
 * LoRA on a 1x1 conv base (or a 1x1 conv LoRA on a linear base — SD 1.x's proj_in/proj_out are convs,
 * SDXL's are linear) is the same matrix. Each element's sum over r is accumulated in float64.
 */
export function mergeLora(
  base: Float32Array, baseShape: number[], group: Pick<LoraGroup, 'target' | 'alpha' | 'rank'>,
  up: Float32Array, upShape: number[], down: Float32Array, downShape: number[], weight: number,
): Float32Array {
  const { target, rank } = group;
  const numel = (s: number[]): number => s.reduce((n, d) => n * d, 1);
  const show = (s: number[]): string => `[${s.join(', ')}]`;
  if (!Number.isFinite(weight)) throw new Error(`LoRA weight for ${target} must be a finite number, got ${weight}`);
  for (const [what, data, shape] of [['base', base, baseShape], ['up', up, upShape], ['down', down, downShape]] as const) {
    if (data.length !== numel(shape)) throw new Error(`${target}: ${what} has ${data.length} values but shape ${show(shape)}`);
  }
  const linearOrConv = (s: number[]): boolean => s.length === 2 || s.length === 4;
  if (!linearOrConv(upShape) || !linearOrConv(downShape) || upShape[1] !== rank || downShape[0] !== rank || numel(upShape) !== upShape[0] * rank) {
    throw new Error(`${target}: up ${show(upShape)} and down ${show(downShape)} do not make a rank-${rank} LoRA`);
  }
  const out = upShape[0];
  const cols = down.length / rank; // in · kh · kw
  const deltaShape = downShape.length === 4 ? [out, ...downShape.slice(1)] : [out, downShape[1]];
  if (!shapesAgree(baseShape, deltaShape)) {
    throw new Error(`${target}: the LoRA makes a ${show(deltaShape)} update but the base weight is ${show(baseShape)}; the LoRA is for another model`);
  }
  const scale = weight * loraScale(group);
  const result = new Float32Array(base.length);
  const row = new Float64Array(cols);
  for (let o = 0; o < out; o++) {
    row.fill(0);
    for (let r = 0; r < rank; r++) {
      const u = up[o * rank + r];
      const d0 = r * cols;
      for (let j = 0; j < cols; j++) row[j] += u * down[d0 + j];
    }
    const b0 = o * cols;
    for (let j = 0; j < cols; j++) result[b0 + j] = base[b0 + j] + scale * row[j];
  }
  return result;
}
