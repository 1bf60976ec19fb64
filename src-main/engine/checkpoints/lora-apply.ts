/**
 * LoRAs merged at load time, without writing a new model: for a folder imported from a checkpoint
 * (import.json says where each weight sits and which kohya keys may change it), the weights a set of
 * LoRAs touch are merged (W + weight · alpha/rank · up·down, lora.ts) into `lora.pb`, and a copy of the
 * graph points those initializers there while every other weight stays in the folder's weights.pb
 * (hard-linked beside it, copied where links are impossible). One cache folder per combination of
 * model, LoRA files and weights; the newest few are kept.
 */
import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { float16ToFloat32, float32ToFloat16 } from '../runtime/fp16.ts';
import type { ImportRecord, ImportedTensor } from './import.ts';
import { readLora, mergeLora } from './lora.ts';
import type { LoraGroup } from './lora.ts';
import { replaceInitializers } from './onnx-writer.ts';
import type { ExternalInitializer } from './onnx-writer.ts';
import { openSafetensors } from './safetensors.ts';
import type { SafetensorsFile } from './safetensors.ts';

export interface LoraChoice {
  /** the .safetensors file */
  file: string;
  /** multiplier on the LoRA's delta (A1111's <lora:name:weight>) */
  weight: number;
}

export interface LoraModelFiles {
  /** model.onnx paths to load instead of the folder's own */
  text_encoder: string;
  /** SDXL's second text encoder */
  text_encoder_2?: string;
  unet: string;
  /** per LoRA: how many of its targets this model has */
  applied: { file: string; weight: number; targets: number; matched: number }[];
  warnings: string[];
}

export class LoraError extends Error {}

/** The graphs LoRAs change (text_encoder_2 only in SDXL imports), in the record's folder order. */
const LORA_PARTS = ['text_encoder', 'text_encoder_2', 'unet'] as const;
type LoraPart = (typeof LORA_PARTS)[number];

function loraParts(record: ImportRecord): LoraPart[] {
  return LORA_PARTS.filter((p) => record.graphs[p] !== undefined);
}

function graphOf(record: ImportRecord, part: LoraPart): { weights: string; tensors: ImportedTensor[] } {
  const graph = record.graphs[part];
  if (!graph) throw new LoraError(`import.json has no ${part}; re-import the checkpoint`);
  return graph;
}
const KEEP_COMBINATIONS = 4;

async function readRecord(modelDir: string): Promise<ImportRecord> {
  let text: string;
  try {
    text = await readFile(path.join(modelDir, 'import.json'), 'utf8');
  } catch {
    throw new LoraError(`LoRAs apply to models imported from a checkpoint (reverie import, or Models → Import in the studio); ` +
      `${path.basename(modelDir)} is an ONNX export whose weight names LoRA files do not use. Import the original .safetensors checkpoint.`);
  }
  const record = JSON.parse(text) as ImportRecord;
  if (record.format !== 'reverie-import/1') throw new LoraError(`${modelDir}/import.json has an unknown format; re-import the checkpoint`);
  return record;
}

interface Loaded {
  choice: LoraChoice;
  st: SafetensorsFile;
  groups: Map<string, LoraGroup>;
}

async function cacheKey(modelDir: string, loras: readonly LoraChoice[]): Promise<string> {
  const hash = createHash('sha256');
  const fileId = async (f: string): Promise<string> => {
    const s = await stat(f);
    return `${path.resolve(f)}|${s.size}|${s.mtimeMs}`;
  };
  hash.update(await fileId(path.join(modelDir, 'import.json')));
  for (const l of loras) hash.update(`\n${await fileId(l.file)}|${l.weight}`);
  return hash.digest('hex').slice(0, 20);
}

/** One stored weight of the imported folder, as float32, read from the part's open weights file. */
async function readStored(weights: FileHandle, file: string, t: ImportedTensor): Promise<Float32Array> {
  const buf = new Uint8Array(t.length);
  const { bytesRead } = await weights.read(buf, 0, t.length, t.offset);
  if (bytesRead !== t.length) throw new LoraError(`${file} is shorter than import.json says; re-import the checkpoint`);
  return t.dataType === 'float16' ? float16ToFloat32(new Uint16Array(buf.buffer)) : new Float32Array(buf.buffer);
}

/** Base weight plus every chosen LoRA's delta for this tensor (in choice order; fused rows merged per slice). */
async function mergedTensor(base: Float32Array, t: ImportedTensor, hits: { lora: Loaded; group: LoraGroup; rows?: [number, number] }[]): Promise<Float32Array> {
  let w = base;
  for (const { lora, group, rows } of hits) {
    const up = await lora.st.readFloat32(group.up, { checkFinite: true });
    const down = await lora.st.readFloat32(group.down, { checkFinite: true });
    const upShape = lora.st.entry(group.up).shape;
    const downShape = lora.st.entry(group.down).shape;
    if (!rows) {
      w = mergeLora(w, t.shape, group, up, upShape, down, downShape, lora.choice.weight);
      continue;
    }
    const cols = w.length / t.shape[0]!;
    const sliceShape = [rows[1] - rows[0], ...t.shape.slice(1)];
    const slice = w.slice(rows[0] * cols, rows[1] * cols);
    const merged = mergeLora(slice, sliceShape, group, up, upShape, down, downShape, lora.choice.weight);
    w = Float32Array.from(w);
    w.set(merged, rows[0] * cols);
  }
  return w;
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

async function build(modelDir: string, record: ImportRecord, loaded: Loaded[], dir: string): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  try {
    for (const part of loraParts(record)) {
      const replacements = new Map<string, ExternalInitializer>();
      const out = path.join(tmp, part);
      await mkdir(out);
      const weightsFile = path.join(modelDir, part, graphOf(record, part).weights);
      // the part's weights are opened once for all the tensors the LoRAs touch (hundreds in SDXL)
      const weights = await open(weightsFile, 'r');
      const fh = await open(path.join(out, 'lora.pb'), 'w');
      let offset = 0;
      try {
        for (const t of graphOf(record, part).tensors) {
          const hits = (t.lora ?? []).flatMap((target) => loaded.flatMap((lora) => {
            const group = lora.groups.get(target.key);
            return group ? [{ lora, group, rows: target.rows }] : [];
          }));
          if (hits.length === 0) continue;
          const merged = await mergedTensor(await readStored(weights, weightsFile, t), t, hits);
          const bytes = t.dataType === 'float16' ? new Uint8Array(float32ToFloat16(merged).buffer) : new Uint8Array(merged.buffer);
          await fh.write(bytes);
          const stored = t.dataType === 'float16' ? `${t.name}::fp16` : t.name;
          replacements.set(stored, { name: stored, dims: t.shape, dataType: t.dataType, location: 'lora.pb', offset, length: bytes.length });
          offset += bytes.length;
        }
      } finally {
        await fh.close();
        await weights.close();
      }
      const model = await readFile(path.join(modelDir, part, 'model.onnx'));
      await writeFile(path.join(out, 'model.onnx'), replaceInitializers(model, replacements));
      await linkOrCopy(weightsFile, path.join(out, graphOf(record, part).weights));
    }
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function prune(cacheRoot: string, keep: string): Promise<void> {
  const entries = await readdir(cacheRoot).catch(() => [] as string[]);
  const dated = await Promise.all(entries.filter((e) => !e.includes('.tmp-') && e !== keep)
    .map(async (e) => ({ e, t: (await stat(path.join(cacheRoot, e)).catch(() => null))?.mtimeMs ?? 0 })));
  dated.sort((a, b) => b.t - a.t);
  for (const { e } of dated.slice(KEEP_COMBINATIONS - 1)) await rm(path.join(cacheRoot, e), { recursive: true, force: true });
}

/**
 * The text-encoder and UNet files to load for `modelDir` with `loras` merged in (built once per
 * combination under cacheRoot). Throws LoraError for a folder without import.json or a LoRA none of
 * whose targets the model has.
 */
export async function loraModelFiles(modelDir: string, loras: readonly LoraChoice[], cacheRoot: string): Promise<LoraModelFiles> {
  const record = await readRecord(modelDir);
  if (record.graphs.unet === undefined || record.graphs.text_encoder === undefined) throw new LoraError(`${modelDir}/import.json lists no text encoder or UNet; re-import the checkpoint`);
  const keys = new Set(loraParts(record).flatMap((p) => graphOf(record, p).tensors.flatMap((t) => (t.lora ?? []).map((l) => l.key))));
  const loaded: Loaded[] = [];
  const warnings: string[] = [];
  const applied: LoraModelFiles['applied'] = [];
  try {
    for (const choice of loras) {
      const st = await openSafetensors(choice.file);
      loaded.push({ choice, st, groups: new Map() });
      const groups = await readLora(st);
      const matched = groups.filter((g) => keys.has(g.target));
      const name = path.basename(choice.file);
      if (matched.length === 0) {
        throw new LoraError(`${name} changes none of this ${record.family} model's weights (its ${groups.length} targets, e.g. ${groups[0]?.target}, ` +
          `are for another model family); choose a LoRA made for ${record.family}`);
      }
      if (matched.length < groups.length) warnings.push(`${name}: ${groups.length - matched.length} of its ${groups.length} targets are not in this model and were skipped`);
      loaded.at(-1)!.groups = new Map(matched.map((g) => [g.target, g]));
      applied.push({ file: choice.file, weight: choice.weight, targets: groups.length, matched: matched.length });
    }
    const key = await cacheKey(modelDir, loras);
    const dir = path.join(cacheRoot, key);
    const done = await stat(path.join(dir, 'unet', 'model.onnx')).then(() => true, () => false);
    if (!done) {
      await mkdir(cacheRoot, { recursive: true });
      await build(modelDir, record, loaded, dir);
    } else {
      const now = new Date();
      await utimes(dir, now, now);
    }
    await prune(cacheRoot, key);
    const file = (part: LoraPart): string => path.join(dir, part, 'model.onnx');
    return { text_encoder: file('text_encoder'), ...(record.graphs.text_encoder_2 ? { text_encoder_2: file('text_encoder_2') } : {}), unet: file('unet'), applied, warnings };
  } finally {
    for (const l of loaded) await l.st.close();
  }
}
