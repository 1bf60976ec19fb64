/**
 * Importing tiny checkpoints in the real LDM naming (test/fixtures/checkpoints, made by
 * make_checkpoints.py from the same module definitions as the shipped templates): the folder checks
 * out, and each imported graph, run by ONNX Runtime, matches PyTorch's own forward pass on the same
 * inputs (max abs difference ≤ 1e-4 in float32).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCheckpoint } from '../../../src-main/engine/checkpoints/import.ts';
import { inspectModelFolder } from '../../../src-main/engine/models/folder.ts';
import { ModelSession } from '../../../src-main/engine/runtime/session.ts';
import { makeTensor } from '../../../src-main/engine/runtime/tensor.ts';
import type { Tensor } from '../../../src-main/engine/types.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/checkpoints/', import.meta.url));
const TEMPLATES = path.join(FIXTURES, 'templates');

interface Stored { dims: number[]; data: number[] }
interface FamilyReference {
  inputs: Record<'ids' | 'sample' | 'timestep' | 'context' | 'image' | 'latent', Stored>;
  outputs: Record<string, number[]>;
}
const reference = JSON.parse(await readFile(path.join(FIXTURES, 'reference.json'), 'utf8')) as { families: Record<string, FamilyReference> };

function f32(s: Stored): Tensor {
  return makeTensor('float32', s.dims, Float32Array.from(s.data));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Runs the four graphs of an imported folder on the reference inputs. */
async function runImported(dir: string, ref: FamilyReference): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  const run = async (part: string, feeds: Record<string, Tensor>, output: string): Promise<void> => {
    const session = await ModelSession.open(path.join(dir, part, 'model.onnx'), part, 'cpu');
    try {
      out[part] = (await session.run(feeds))[output]!.data as Float32Array;
    } finally {
      await session.dispose();
    }
  };
  await run('text_encoder', { input_ids: makeTensor('int32', ref.inputs.ids.dims, Int32Array.from(ref.inputs.ids.data)) }, 'last_hidden_state');
  await run('unet', { sample: f32(ref.inputs.sample), timestep: f32(ref.inputs.timestep), encoder_hidden_states: f32(ref.inputs.context) }, 'out_sample');
  await run('vae_encoder', { sample: f32(ref.inputs.image) }, 'latent_sample');
  await run('vae_decoder', { latent_sample: f32(ref.inputs.latent) }, 'sample');
  return out;
}

let modelsDir: string;
beforeAll(async () => {
  modelsDir = await mkdtemp(path.join(os.tmpdir(), 'reverie-import-'));
});
afterAll(async () => {
  await rm(modelsDir, { recursive: true, force: true });
});

describe('importing a single-file checkpoint', () => {
  for (const [fixture, family, inpainting] of [['tiny-sd1', 'sd1', false], ['tiny-sd2', 'sd2', false], ['tiny-sd1-inpaint', 'sd1-inpaint', true]] as const) {
    it(`${fixture}: detects ${family}, writes a valid folder, and every graph matches PyTorch within 1e-4`, async () => {
      const progress: number[] = [];
      const result = await importCheckpoint({
        file: path.join(FIXTURES, `${fixture}.safetensors`), modelsDir, templatesDirs: [TEMPLATES],
        onProgress: (p) => { if (p.stage === 'writing') progress.push(p.done / p.total); },
      });
      expect(result.family).toBe(family);
      expect(result.inpainting).toBe(inpainting);
      expect(result.name).toBe(fixture);
      expect(progress.at(-1)).toBe(1);
      expect(progress.every((p, i) => i === 0 || p >= progress[i - 1]!)).toBe(true);
      const report = await inspectModelFolder(result.dir);
      expect(report.problems).toEqual([]);
      expect(report.valid).toBe(true);
      expect(report.inpainting ?? false).toBe(inpainting);

      const ref = reference.families[fixture]!;
      const got = await runImported(result.dir, ref);
      for (const part of ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder']) {
        const diff = maxAbsDiff(got[part]!, ref.outputs[part]!);
        expect(diff, `${part} max |ORT − PyTorch|`).toBeLessThanOrEqual(1e-4);
      }
    });
  }

  it('fp16 storage halves the weights and stays within float16 rounding of PyTorch (the fixture weights are fp16 values: exact)', async () => {
    const result = await importCheckpoint({ file: path.join(FIXTURES, 'tiny-sd1.safetensors'), modelsDir, templatesDirs: [TEMPLATES], name: 'tiny-sd1-fp16', fp16: true });
    const full = await readFile(path.join(modelsDir, 'tiny-sd1', 'unet', 'weights.pb')).catch(() => null);
    const half = await readFile(path.join(result.dir, 'unet', 'weights.pb'));
    if (full) expect(half.length).toBeLessThan(full.length * 0.55);
    const got = await runImported(result.dir, reference.families['tiny-sd1']!);
    expect(maxAbsDiff(got.unet!, reference.families['tiny-sd1']!.outputs.unet!)).toBeLessThanOrEqual(1e-4);
  });

  it('leaves no hidden temporary folder behind, and refuses to overwrite a model', async () => {
    await expect(importCheckpoint({ file: path.join(FIXTURES, 'tiny-sd1.safetensors'), modelsDir, templatesDirs: [TEMPLATES] }))
      .rejects.toThrow(/a model named "tiny-sd1" already exists/);
    expect((await readdir(modelsDir)).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
