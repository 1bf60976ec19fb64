/**
 * Altered copies of the tiny fixture folders, made at test time (no binary fixtures committed): a
 * weight rewritten to NaN (a damaged model), an extra weight added (a UNet whose conv_in.weight shows
 * channels its symbolic input hides), model_index.json edited. The ONNX bytes are rewritten with the
 * engine's own protobuf helpers (checkpoints/onnx-writer.ts).
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fillTemplate, replaceInitializers } from '../../src-main/engine/checkpoints/onnx-writer.ts';
import type { ExternalInitializer } from '../../src-main/engine/checkpoints/onnx-writer.ts';
import { readOnnxSignature } from '../../src-main/engine/models/onnx-signature.ts';

export const FIXTURE_MODELS = path.resolve(import.meta.dirname, '..', 'fixtures', 'models');

/** Copies fixture folder `name` to `dest` and returns `dest`. */
export async function copyFixture(name: string, dest: string): Promise<string> {
  await cp(path.join(FIXTURE_MODELS, name), dest, { recursive: true });
  return dest;
}

/** float32 values in an external-data file beside `model`, as an initializer of that name and shape. */
async function externalTensor(model: string, name: string, dims: readonly number[], value: (i: number) => number): Promise<ExternalInitializer> {
  const count = dims.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: count }, (_, i) => value(i));
  const location = `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.bin`;
  await writeFile(path.join(path.dirname(model), location), new Uint8Array(data.buffer));
  return { name, dims, dataType: 'float32', location, offset: 0, length: data.byteLength };
}

/**
 * Rewrites every value of the initializers `pick` chooses (by name and dims) in `component`/model.onnx
 * of `dir` to NaN; returns their names (throws when none was picked).
 */
export async function poisonWeights(dir: string, component: string, pick: (name: string, dims: readonly number[]) => boolean): Promise<string[]> {
  const model = path.join(dir, component, 'model.onnx');
  const { initializerDims } = await readOnnxSignature(model);
  const replacements = new Map<string, ExternalInitializer>();
  for (const [name, dims] of initializerDims) {
    if (pick(name, dims)) replacements.set(name, await externalTensor(model, name, dims, () => Number.NaN));
  }
  if (replacements.size === 0) throw new Error(`${component}/model.onnx has no initializer the test picked`);
  await writeFile(model, replaceInitializers(await readFile(model), replacements));
  return [...replacements.keys()];
}

/** Adds a float32 initializer (unused by the graph's nodes) to `component`/model.onnx of `dir`. */
export async function addWeight(dir: string, component: string, name: string, dims: readonly number[]): Promise<void> {
  const model = path.join(dir, component, 'model.onnx');
  const init = await externalTensor(model, name, dims, (i) => Math.sin(i) * 0.01);
  await writeFile(model, fillTemplate(await readFile(model), [init]));
}

/** Edits `file` (relative to `dir`) as JSON. */
export async function editJson(dir: string, file: string, edit: (value: Record<string, unknown>) => void): Promise<void> {
  const p = path.join(dir, file);
  const value = JSON.parse(await readFile(p, 'utf8')) as Record<string, unknown>;
  edit(value);
  await writeFile(p, `${JSON.stringify(value, null, 2)}\n`);
}
