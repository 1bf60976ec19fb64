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
import { inspectModelFolder, readModelFolder } from '../../../src-main/engine/models/folder.ts';
import { ModelSession } from '../../../src-main/engine/runtime/session.ts';
import { makeTensor } from '../../../src-main/engine/runtime/tensor.ts';
import type { Tensor } from '../../../src-main/engine/types.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/checkpoints/', import.meta.url));
const TEMPLATES = path.join(FIXTURES, 'templates');

interface Stored { dims: number[]; data: number[] }
interface FamilyReference {
  inputs: Record<'ids' | 'sample' | 'timestep' | 'context' | 'image' | 'latent', Stored> & Partial<Record<'ids2' | 'text_embeds' | 'time_ids', Stored>>;
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

const ids = (s: Stored): Tensor => makeTensor('int32', s.dims, Int32Array.from(s.data));

/** Runs the graphs of an imported folder on the reference inputs (SDXL: both encoders' outputs the engine reads, and the UNet's added conditioning). */
async function runImported(dir: string, ref: FamilyReference): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  const run = async (part: string, feeds: Record<string, Tensor>, outputs: Record<string, string>): Promise<void> => {
    const session = await ModelSession.open(path.join(dir, part, 'model.onnx'), part, 'cpu');
    try {
      const got = await session.run(feeds);
      for (const [name, key] of Object.entries(outputs)) out[key] = got[name]!.data as Float32Array;
    } finally {
      await session.dispose();
    }
  };
  const { ids2, text_embeds: textEmbeds, time_ids: timeIds } = ref.inputs;
  if (ids2 && textEmbeds && timeIds) {
    await run('text_encoder', { input_ids: ids(ref.inputs.ids) }, { last_hidden_state: 'text_encoder', 'hidden_states.1': 'text_encoder.penultimate' });
    await run('text_encoder_2', { input_ids: ids(ids2) },
      { last_hidden_state: 'text_encoder_2', 'hidden_states.2': 'text_encoder_2.penultimate', text_embeds: 'text_encoder_2.text_embeds' });
    await run('unet', { sample: f32(ref.inputs.sample), timestep: f32(ref.inputs.timestep), encoder_hidden_states: f32(ref.inputs.context),
      text_embeds: f32(textEmbeds), time_ids: f32(timeIds) }, { out_sample: 'unet' });
  } else {
    await run('text_encoder', { input_ids: ids(ref.inputs.ids) }, { last_hidden_state: 'text_encoder' });
    await run('unet', { sample: f32(ref.inputs.sample), timestep: f32(ref.inputs.timestep), encoder_hidden_states: f32(ref.inputs.context) }, { out_sample: 'unet' });
  }
  await run('vae_encoder', { sample: f32(ref.inputs.image) }, { latent_sample: 'vae_encoder' });
  await run('vae_decoder', { latent_sample: f32(ref.inputs.latent) }, { sample: 'vae_decoder' });
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
  for (const [fixture, family, inpainting] of [['tiny-sd1', 'sd1', false], ['tiny-sd2', 'sd2', false], ['tiny-sd1-inpaint', 'sd1-inpaint', true], ['tiny-sd2-inpaint', 'sd2-inpaint', true], ['tiny-sdxl', 'sdxl', false]] as const) {
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
      expect(Object.keys(got).sort()).toEqual(Object.keys(ref.outputs).sort());
      for (const part of Object.keys(ref.outputs)) {
        const diff = maxAbsDiff(got[part]!, ref.outputs[part]!);
        expect(diff, `${part} max |ORT − PyTorch|`).toBeLessThanOrEqual(1e-4);
      }
    });
  }

  it('tiny-sdxl imports as a diffusers SDXL folder: two encoders and tokenizers (tokenizer_2 pads with "!"), 0.13025, force_zeros, 1024² default', async () => {
    const dir = path.join(modelsDir, 'tiny-sdxl');
    const index = JSON.parse(await readFile(path.join(dir, 'model_index.json'), 'utf8')) as Record<string, unknown>;
    expect(index).toMatchObject({ _class_name: 'StableDiffusionXLPipeline', force_zeros_for_empty_prompt: true, text_encoder_2: expect.any(Array), tokenizer_2: expect.any(Array) });
    const tok2 = JSON.parse(await readFile(path.join(dir, 'tokenizer_2', 'tokenizer_config.json'), 'utf8')) as { pad_token: unknown };
    expect(JSON.stringify(tok2.pad_token)).toContain('!');
    const { facts } = await readModelFolder(dir);
    expect(facts?.sdxl).toBeTruthy();
    expect(facts?.scalingFactor).toBeCloseTo(0.13025, 6);
    expect(facts?.defaultSize).toEqual([1024, 1024]);
  });

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

describe('the UNet config an import writes', () => {
  it('gives block_out_channels of the shipped families as diffusers does (the engine\'s size step reads them)', async () => {
    const { readTemplates } = await import('../../../src-main/engine/checkpoints/templates.ts');
    const { unetBlockChannels } = await import('../../../src-main/engine/checkpoints/import.ts');
    const shipped = await readTemplates([fileURLToPath(new URL('../../../models/templates/', import.meta.url))]);
    const byFamily = Object.fromEntries(shipped.map((t) => [t.family, unetBlockChannels(t)]));
    expect(byFamily).toMatchObject({ sd1: [320, 640, 1280, 1280], 'sd1-inpaint': [320, 640, 1280, 1280], sd2: [320, 640, 1280, 1280], 'sd2-inpaint': [320, 640, 1280, 1280] });
    if (byFamily.sdxl) expect(byFamily.sdxl).toEqual([320, 640, 1280]);
    const tiny = await readTemplates([TEMPLATES]);
    expect(unetBlockChannels(tiny.find((t) => t.family === 'sd1')!)).toEqual([16, 32]);
  });

  it('sets the engine\'s size step of an imported model: VAE factor × 2 per UNet halving (SD 1.x: 8 × 2³ = 64; the toy: 2 × 2)', async () => {
    const config = JSON.parse(await readFile(path.join(modelsDir, 'tiny-sd1', 'unet', 'config.json'), 'utf8')) as { block_out_channels: number[] };
    expect(config.block_out_channels).toEqual([16, 32]);
    const { facts } = await readModelFolder(path.join(modelsDir, 'tiny-sd1'));
    expect(facts).toMatchObject({ vaeFactor: 2, sizeStep: 4 });
  });
});

describe('the prediction type of an SDXL checkpoint', () => {
  it('is epsilon without a warning, and v-prediction when the file carries the v_pred marker', async () => {
    const { openSafetensors } = await import('../../../src-main/engine/checkpoints/safetensors.ts');
    const { writeSafetensors } = await import('../../../src-main/engine/checkpoints/safetensors-write.ts');
    const plain = await importCheckpoint({ file: path.join(FIXTURES, 'tiny-sdxl.safetensors'), modelsDir, templatesDirs: [TEMPLATES], name: 'xl-eps' });
    expect(plain).toMatchObject({ prediction: 'epsilon', warnings: [] });
    const st = await openSafetensors(path.join(FIXTURES, 'tiny-sdxl.safetensors'));
    const tensors = [];
    try {
      for (const [name, info] of st.tensors) {
        if (info.dtype !== 'F16' && info.dtype !== 'F32') continue;
        tensors.push({ name, dtype: 'F16' as const, shape: [...info.shape], data: await st.readFloat32(name) });
      }
    } finally {
      await st.close();
    }
    const vpred = path.join(modelsDir, '..', `vpred-${path.basename(modelsDir)}.safetensors`);
    await writeSafetensors(vpred, [...tensors, { name: 'v_pred', dtype: 'F32', shape: [0], data: new Float32Array(0) }]);
    const v = await importCheckpoint({ file: vpred, modelsDir, templatesDirs: [TEMPLATES], name: 'xl-v' });
    expect(v).toMatchObject({ prediction: 'v_prediction', warnings: [] });
    const scheduler = JSON.parse(await readFile(path.join(v.dir, 'scheduler', 'scheduler_config.json'), 'utf8')) as { prediction_type: string };
    expect(scheduler.prediction_type).toBe('v_prediction');
    await rm(vpred, { force: true });
  });
});
