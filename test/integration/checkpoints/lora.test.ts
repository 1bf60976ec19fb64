/**
 * LoRAs merged at load time into an imported checkpoint: ONNX Runtime on the merged graphs matches
 * PyTorch with W + weight · alpha/rank · up·down applied to the module weights (make_checkpoints.py),
 * for kohya names (linear, 1×1 and 3×3 conv, text encoder), PEFT names, and OpenCLIP's fused q/k/v rows.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCheckpoint } from '../../../src-main/engine/checkpoints/import.ts';
import { loraModelFiles } from '../../../src-main/engine/checkpoints/lora-apply.ts';
import { writeSafetensors } from '../../../src-main/engine/checkpoints/safetensors.ts';
import type { TensorToWrite } from '../../../src-main/engine/checkpoints/safetensors.ts';
import { ModelSession } from '../../../src-main/engine/runtime/session.ts';
import { makeTensor } from '../../../src-main/engine/runtime/tensor.ts';
import type { Tensor } from '../../../src-main/engine/types.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/checkpoints/', import.meta.url));
const TEMPLATES = path.join(FIXTURES, 'templates');

interface Stored { dims: number[]; data: number[] }
interface FamilyReference {
  inputs: Record<'ids' | 'sample' | 'timestep' | 'context', Stored> & Partial<Record<'ids2' | 'text_embeds' | 'time_ids', Stored>>;
  outputs: Record<string, number[]>;
  loras: Record<string, { weight: number; outputs: Record<string, number[]> }>;
}
const reference = JSON.parse(await readFile(path.join(FIXTURES, 'reference.json'), 'utf8')) as { families: Record<string, FamilyReference> };

const f32 = (s: Stored): Tensor => makeTensor('float32', s.dims, Float32Array.from(s.data));

async function runGraph(file: string, feeds: Record<string, Tensor>, output: string): Promise<Float32Array> {
  return (await runOutputs(file, feeds, [output]))[output]!;
}

async function runOutputs(file: string, feeds: Record<string, Tensor>, outputs: string[]): Promise<Record<string, Float32Array>> {
  const session = await ModelSession.open(file, path.basename(path.dirname(file)), 'cpu');
  try {
    const got = await session.run(feeds);
    return Object.fromEntries(outputs.map((o) => [o, got[o]!.data as Float32Array]));
  } finally {
    await session.dispose();
  }
}

const ids = (s: Stored): Tensor => makeTensor('int32', s.dims, Int32Array.from(s.data));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

let tmp: string;
const dirs: Record<string, string> = {};
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-lora-'));
  for (const fixture of ['tiny-sd1', 'tiny-sd2', 'tiny-sdxl']) {
    dirs[fixture] = (await importCheckpoint({ file: path.join(FIXTURES, `${fixture}.safetensors`), modelsDir: path.join(tmp, 'models'), templatesDirs: [TEMPLATES] })).dir;
  }
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('LoRA merged at load time', () => {
  for (const [fixture, lora] of [['tiny-sd1', 'lora-kohya'], ['tiny-sd1', 'lora-peft'], ['tiny-sd2', 'lora-sd2']] as const) {
    it(`${lora} on ${fixture}: text encoder and UNet match PyTorch's merged weights within 1e-4`, async () => {
      const ref = reference.families[fixture]!;
      const expected = ref.loras[lora]!;
      const files = await loraModelFiles(dirs[fixture]!, [{ file: path.join(FIXTURES, `${lora}.safetensors`), weight: expected.weight }], path.join(tmp, 'cache'));
      expect(files.warnings).toEqual([]);
      const text = await runGraph(files.text_encoder, { input_ids: makeTensor('int32', ref.inputs.ids.dims, Int32Array.from(ref.inputs.ids.data)) }, 'last_hidden_state');
      const unet = await runGraph(files.unet, { sample: f32(ref.inputs.sample), timestep: f32(ref.inputs.timestep), encoder_hidden_states: f32(ref.inputs.context) }, 'out_sample');
      expect(maxAbsDiff(text, expected.outputs.text_encoder!)).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(unet, expected.outputs.unet!)).toBeLessThanOrEqual(1e-4);
      // and the LoRA really changed something the test can see (not a no-op that matches by accident)
      expect(maxAbsDiff(unet, ref.outputs.unet!) + maxAbsDiff(text, ref.outputs.text_encoder!)).toBeGreaterThan(1e-3);
    });
  }

  it('lora-sdxl on tiny-sdxl (kohya SDXL names: UNet by LDM paths, lora_te1_/lora_te2_ with fused bigG q/k/v; one PEFT unet. module): all three graphs match PyTorch within 1e-4', async () => {
    const ref = reference.families['tiny-sdxl']!;
    const expected = ref.loras['lora-sdxl']!;
    const files = await loraModelFiles(dirs['tiny-sdxl']!, [{ file: path.join(FIXTURES, 'lora-sdxl.safetensors'), weight: expected.weight }], path.join(tmp, 'cache'));
    expect(files.warnings).toEqual([]);
    expect(files.applied[0]).toMatchObject({ targets: 10, matched: 10 });
    const te1 = await runOutputs(files.text_encoder, { input_ids: ids(ref.inputs.ids) }, ['last_hidden_state', 'hidden_states.1']);
    const te2 = await runOutputs(files.text_encoder_2!, { input_ids: ids(ref.inputs.ids2!) }, ['last_hidden_state', 'hidden_states.2', 'text_embeds']);
    const unet = await runGraph(files.unet, { sample: f32(ref.inputs.sample), timestep: f32(ref.inputs.timestep), encoder_hidden_states: f32(ref.inputs.context),
      text_embeds: f32(ref.inputs.text_embeds!), time_ids: f32(ref.inputs.time_ids!) }, 'out_sample');
    const got: Record<string, Float32Array> = {
      text_encoder: te1.last_hidden_state!, 'text_encoder.penultimate': te1['hidden_states.1']!,
      text_encoder_2: te2.last_hidden_state!, 'text_encoder_2.penultimate': te2['hidden_states.2']!, 'text_encoder_2.text_embeds': te2.text_embeds!, unet,
    };
    for (const [key, value] of Object.entries(got)) {
      expect(maxAbsDiff(value, expected.outputs[key]!), `${key} max |ORT − PyTorch|`).toBeLessThanOrEqual(1e-4);
      // every graph changed: the UNet, the first encoder (te1 v_proj) and the second (fc1, fused q/k/v)
      expect(maxAbsDiff(value, ref.outputs[key]!), `${key} changed by the LoRA`).toBeGreaterThan(1e-3);
    }
  });

  it('reuses the cached merge for the same combination and builds another for a new weight', async () => {
    const lora = { file: path.join(FIXTURES, 'lora-kohya.safetensors'), weight: 0.8 };
    const a = await loraModelFiles(dirs['tiny-sd1']!, [lora], path.join(tmp, 'cache'));
    const before = (await stat(a.unet)).mtimeMs;
    const again = await loraModelFiles(dirs['tiny-sd1']!, [lora], path.join(tmp, 'cache'));
    expect(again.unet).toBe(a.unet);
    expect((await stat(again.unet)).mtimeMs).toBe(before);
    const other = await loraModelFiles(dirs['tiny-sd1']!, [{ ...lora, weight: 0.3 }], path.join(tmp, 'cache'));
    expect(other.unet).not.toBe(a.unet);
    expect((await readdir(path.join(tmp, 'cache'))).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a LoRA made for another family, skips targets the model lacks, and refuses a folder that was not imported', async () => {
    const pair = (key: string, out: number, inp: number): TensorToWrite[] => [
      { name: `${key}.lora_down.weight`, dtype: 'F32', shape: [2, inp], data: new Float32Array(2 * inp).fill(0.1) },
      { name: `${key}.lora_up.weight`, dtype: 'F32', shape: [out, 2], data: new Float32Array(out * 2).fill(0.1) },
    ];
    const sdxlOnly = path.join(tmp, 'sdxl-te2.safetensors');
    await writeSafetensors(sdxlOnly, pair('lora_te2_text_model_encoder_layers_0_self_attn_q_proj', 32, 32));
    await expect(loraModelFiles(dirs['tiny-sd1']!, [{ file: sdxlOnly, weight: 1 }], path.join(tmp, 'cache')))
      .rejects.toThrow(/changes none of this sd1 model's weights/);
    const mixed = path.join(tmp, 'mixed.safetensors');
    await writeSafetensors(mixed, [...pair('lora_te2_text_model_encoder_layers_0_self_attn_q_proj', 32, 32),
      ...pair('lora_te_text_model_encoder_layers_0_self_attn_k_proj', 32, 32)]);
    await expect(loraModelFiles(dirs['tiny-sd1']!, [{ file: mixed, weight: 1 }], path.join(tmp, 'cache')))
      .resolves.toMatchObject({ warnings: [expect.stringMatching(/1 of its 2 targets are not in this model/)] });
    const exported = fileURLToPath(new URL('../../fixtures/models/sd15-script', import.meta.url));
    await expect(loraModelFiles(exported, [{ file: path.join(FIXTURES, 'lora-kohya.safetensors'), weight: 1 }], path.join(tmp, 'cache')))
      .rejects.toThrow(/imported from a checkpoint/);
  });
});
