/**
 * LoRA files: every naming scheme maps to the kohya target, unsupported kinds and incomplete files are
 * named, and merging matches a naive float64 W + weight · (alpha/rank) · up @ down.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupLoraTensors, loraScale, mergeLora, readLora } from '../../../../src-main/engine/checkpoints/lora.ts';
import { parseLoraKey } from '../../../../src-main/engine/checkpoints/lora-names.ts';
import { openSafetensors, writeSafetensors } from '../../../../src-main/engine/checkpoints/safetensors.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reverie-lora-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** W + weight · scale · up @ down, summed in float64 the textbook way (up [out, r], down [r, cols]). */
function reference(base: Float32Array, up: Float32Array, down: Float32Array, out: number, rank: number, weight: number, scale: number): Float32Array {
  const cols = down.length / rank;
  const want = new Float32Array(base.length);
  for (let o = 0; o < out; o++) {
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let r = 0; r < rank; r++) sum += up[o * rank + r] * down[r * cols + j];
      want[o * cols + j] = base[o * cols + j] + weight * scale * sum;
    }
  }
  return want;
}

function expectClose(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  expect(worst).toBeLessThan(2e-7); // one float32 rounding
}

describe('parseLoraKey', () => {
  it.each([
    ['lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight', 'lora_unet_down_blocks_0_attentions_0_proj_in', 'down'],
    ['lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight', 'lora_unet_down_blocks_0_attentions_0_proj_in', 'up'],
    ['lora_unet_down_blocks_0_attentions_0_proj_in.alpha', 'lora_unet_down_blocks_0_attentions_0_proj_in', 'alpha'],
    ['lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight', 'lora_te_text_model_encoder_layers_0_self_attn_q_proj', 'down'],
    ['lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_up.weight', 'lora_te_text_model_encoder_layers_0_mlp_fc1', 'up'],
    ['lora_te2_text_model_encoder_layers_3_mlp_fc2.alpha', 'lora_te2_text_model_encoder_layers_3_mlp_fc2', 'alpha'],
    // diffusers / PEFT
    ['unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight', 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q', 'down'],
    ['unet.up_blocks.1.attentions.2.proj_out.lora_B.weight', 'lora_unet_up_blocks_1_attentions_2_proj_out', 'up'],
    ['text_encoder.text_model.encoder.layers.11.self_attn.v_proj.lora_A.weight', 'lora_te_text_model_encoder_layers_11_self_attn_v_proj', 'down'],
    ['text_encoder_2.text_model.encoder.layers.0.self_attn.out_proj.lora_B.weight', 'lora_te2_text_model_encoder_layers_0_self_attn_out_proj', 'up'],
    ['base_model.model.down_blocks.1.resnets.0.conv1.lora_A.weight', 'lora_unet_down_blocks_1_resnets_0_conv1', 'down'],
    ['base_model.model.text_model.encoder.layers.0.mlp.fc1.lora_B.weight', 'lora_te_text_model_encoder_layers_0_mlp_fc1', 'up'],
    ['base_model.model.unet.mid_block.attentions.0.proj_in.lora_A.weight', 'lora_unet_mid_block_attentions_0_proj_in', 'down'],
    ['unet.mid_block.attentions.0.proj_in.alpha', 'lora_unet_mid_block_attentions_0_proj_in', 'alpha'],
    ['unet.down_blocks.0.attentions.0.proj_in.lora.down.weight', 'lora_unet_down_blocks_0_attentions_0_proj_in', 'down'],
    ['text_encoder.text_model.encoder.layers.0.self_attn.k_proj.lora_linear_layer.up.weight', 'lora_te_text_model_encoder_layers_0_self_attn_k_proj', 'up'],
    // old diffusers attention processors
    ['unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.processor.to_k_lora.down.weight', 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k', 'down'],
    ['unet.mid_block.attentions.0.transformer_blocks.0.attn1.processor.to_out_lora.up.weight', 'lora_unet_mid_block_attentions_0_transformer_blocks_0_attn1_to_out_0', 'up'],
    ['down_blocks.1.attentions.1.transformer_blocks.0.attn1.processor.to_v_lora.up.weight', 'lora_unet_down_blocks_1_attentions_1_transformer_blocks_0_attn1_to_v', 'up'],
    ['text_encoder.text_model.encoder.layers.2.self_attn.to_q_lora.down.weight', 'lora_te_text_model_encoder_layers_2_self_attn_q_proj', 'down'],
    ['text_encoder.text_model.encoder.layers.2.self_attn.to_out_lora.up.weight', 'lora_te_text_model_encoder_layers_2_self_attn_out_proj', 'up'],
  ])('%s', (name, target, role) => {
    expect(parseLoraKey(name)).toEqual({ target, role });
  });

  it('returns null for names in no LoRA scheme', () => {
    expect(parseLoraKey('model.diffusion_model.input_blocks.0.0.weight')).toBeNull();
    expect(parseLoraKey('lora_unet_x.lora_down.bias')).toBeNull();
    expect(parseLoraKey('.alpha')).toBeNull();
  });
});

describe('groupLoraTensors', () => {
  const linear = (name: string, out: number, inDim: number, rank: number) => [
    { name: `${name}.lora_down.weight`, shape: [rank, inDim] },
    { name: `${name}.lora_up.weight`, shape: [out, rank] },
  ];

  it('groups down, up and alpha per target, with the rank from the shapes', () => {
    const groups = groupLoraTensors('x.safetensors', [
      ...linear('lora_unet_a', 8, 6, 4),
      { name: 'lora_unet_a.alpha', shape: [] },
      { name: 'unet.b.lora_A.weight', shape: [2, 5, 3, 3] },
      { name: 'unet.b.lora_B.weight', shape: [7, 2, 1, 1] },
    ]);
    expect(groups).toEqual([
      { target: 'lora_unet_a', down: 'lora_unet_a.lora_down.weight', up: 'lora_unet_a.lora_up.weight', alpha: 'lora_unet_a.alpha', rank: 4 },
      { target: 'lora_unet_b', down: 'unet.b.lora_A.weight', up: 'unet.b.lora_B.weight', alpha: null, rank: 2 },
    ]);
  });

  it.each([
    ['lora_unet_a.hada_w1_a', 'LoHa (hada_ tensors)'],
    ['lora_unet_a.lokr_w1', 'LoKr (lokr_ tensors)'],
    ['lora_unet_a.lora_mid.weight', 'LoCon with a Tucker middle factor (lora_mid tensors)'],
    ['lora_unet_a.dora_scale', 'DoRA'],
    ['unet.a.lora_magnitude_vector', 'DoRA'],
  ])('names an unsupported kind: %s', (name, kind) => {
    expect(() => groupLoraTensors('x.safetensors', [...linear('lora_unet_a', 4, 4, 2), { name, shape: [1] }])).toThrow(
      new RegExp(`x\\.safetensors is a ${kind.replace(/[()]/g, '\\$&')}.*file \\(e\\.g\\. tensor ${name.replace(/\./g, '\\.')}\\); Reverie supports only plain LoRA`),
    );
  });

  it('names a target missing its up or down weight', () => {
    expect(() => groupLoraTensors('x.safetensors', [{ name: 'lora_unet_a.lora_down.weight', shape: [2, 4] }, { name: 'lora_unet_a.alpha', shape: [] }])).toThrow(
      'x.safetensors: LoRA target lora_unet_a has no up weight (found lora_unet_a.lora_down.weight, lora_unet_a.alpha); the file is incomplete',
    );
    expect(() => groupLoraTensors('x.safetensors', [{ name: 'unet.q.lora_B.weight', shape: [4, 2] }])).toThrow('LoRA target lora_unet_q has no down weight');
  });

  it('names unknown tensors, mixed schemes and ranks that disagree', () => {
    expect(() => groupLoraTensors('m.safetensors', [{ name: 'model.diffusion_model.out.0.weight', shape: [4] }])).toThrow(
      /m\.safetensors: tensor names not in any known LoRA scheme: model\.diffusion_model\.out\.0\.weight\. .*a full checkpoint is imported as a model/,
    );
    expect(() => groupLoraTensors('m.safetensors', [...linear('lora_unet_a', 4, 4, 2), { name: 'unet.a.lora_A.weight', shape: [2, 4] }])).toThrow(
      'tensors lora_unet_a.lora_down.weight and unet.a.lora_A.weight are both the down of lora_unet_a',
    );
    expect(() => groupLoraTensors('m.safetensors', [{ name: 'unet.a.lora_A.weight', shape: [2, 4] }, { name: 'unet.a.lora_B.weight', shape: [4, 3] }])).toThrow(
      'LoRA target lora_unet_a has down [2, 4], up [4, 3], whose ranks disagree',
    );
    expect(() => groupLoraTensors('m.safetensors', [])).toThrow('m.safetensors has no tensors');
  });
});

describe('mergeLora', () => {
  const group = (rank: number, alpha: number | null) => ({ target: 'lora_unet_t', rank, alpha });

  it('linear: W + weight · alpha/rank · up @ down, with and without alpha', () => {
    const [out, inDim, rank] = [12, 20, 4];
    const base = values(out * inDim, 1);
    const up = values(out * rank, 2);
    const down = values(rank * inDim, 3);
    expectClose(mergeLora(base, [out, inDim], group(rank, 2), up, [out, rank], down, [rank, inDim], 0.7), reference(base, up, down, out, rank, 0.7, 0.5));
    expectClose(mergeLora(base, [out, inDim], group(rank, null), up, [out, rank], down, [rank, inDim], -1.25), reference(base, up, down, out, rank, -1.25, 1));
    expect(loraScale(group(rank, null))).toBe(1);
    expect(mergeLora(base, [out, inDim], group(rank, 2), up, [out, rank], down, [rank, inDim], 0)).toEqual(base);
  });

  it('conv 3x3: up [out, r, 1, 1] @ down [r, in, 3, 3] is an [out, in, 3, 3] update', () => {
    const [out, inDim, rank] = [6, 5, 3];
    const base = values(out * inDim * 9, 4);
    const up = values(out * rank, 5);
    const down = values(rank * inDim * 9, 6);
    const merged = mergeLora(base, [out, inDim, 3, 3], group(rank, 1), up, [out, rank, 1, 1], down, [rank, inDim, 3, 3], 0.8);
    expectClose(merged, reference(base, up, down, out, rank, 0.8, 1 / 3));
  });

  it('a linear LoRA on a 1x1 conv base and a 1x1 conv LoRA on a linear base', () => {
    const [out, inDim, rank] = [8, 8, 2];
    const base = values(out * inDim, 7);
    const up = values(out * rank, 8);
    const down = values(rank * inDim, 9);
    const want = reference(base, up, down, out, rank, 1, 4);
    expectClose(mergeLora(base, [out, inDim, 1, 1], group(rank, 8), up, [out, rank], down, [rank, inDim], 1), want);
    expectClose(mergeLora(base, [out, inDim], group(rank, 8), up, [out, rank, 1, 1], down, [rank, inDim, 1, 1], 1), want);
  });

  it('names both shapes when the LoRA does not fit the base', () => {
    const up = values(8, 1);
    const down = values(2 * 6, 2);
    expect(() => mergeLora(new Float32Array(4 * 6 * 9), [4, 6, 3, 3], group(2, null), up, [4, 2], down, [2, 6], 1)).toThrow(
      'lora_unet_t: the LoRA makes a [4, 6] update but the base weight is [4, 6, 3, 3]; the LoRA is for another model',
    );
    expect(() => mergeLora(new Float32Array(24), [6, 4], group(2, null), up, [4, 2], down, [2, 6], 1)).toThrow('makes a [4, 6] update but the base weight is [6, 4]');
    expect(() => mergeLora(new Float32Array(24), [4, 6], group(3, null), up, [4, 2], down, [2, 6], 1)).toThrow('do not make a rank-3 LoRA');
    expect(() => mergeLora(new Float32Array(24), [4, 6], group(2, null), up, [4, 2], down, [2, 6], NaN)).toThrow('must be a finite number, got NaN');
  });
});

describe('readLora from files', () => {
  it('reads a kohya file (F16, alpha) and a PEFT file (no alpha) and merges what it read', async () => {
    const kohya = path.join(dir, 'kohya.safetensors');
    const [out, inDim, rank] = [10, 6, 4];
    await writeSafetensors(kohya, [
      { name: 'lora_unet_mid_block_attentions_0_proj_in.lora_down.weight', dtype: 'F16', shape: [rank, inDim, 1, 1], data: values(rank * inDim, 1) },
      { name: 'lora_unet_mid_block_attentions_0_proj_in.lora_up.weight', dtype: 'F16', shape: [out, rank, 1, 1], data: values(out * rank, 2) },
      { name: 'lora_unet_mid_block_attentions_0_proj_in.alpha', dtype: 'F16', shape: [], data: Float32Array.of(1) },
      { name: 'lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight', dtype: 'F32', shape: [rank, inDim], data: values(rank * inDim, 3) },
      { name: 'lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight', dtype: 'F32', shape: [inDim, rank], data: values(inDim * rank, 4) },
    ], { ss_network_module: 'networks.lora' });
    const st = await openSafetensors(kohya);
    try {
      const groups = await readLora(st);
      expect(groups.map((g) => [g.target, g.alpha, g.rank])).toEqual([
        ['lora_unet_mid_block_attentions_0_proj_in', 1, rank],
        ['lora_te_text_model_encoder_layers_0_self_attn_q_proj', null, rank],
      ]);
      // SDXL-style linear base for a conv-shaped (1x1) kohya LoRA
      const g = groups[0];
      const base = values(out * inDim, 5);
      const up = await st.readFloat32(g.up);
      const down = await st.readFloat32(g.down);
      const merged = mergeLora(base, [out, inDim], g, up, st.entry(g.up).shape, down, st.entry(g.down).shape, 0.6);
      expectClose(merged, reference(base, up, down, out, rank, 0.6, 1 / rank));
    } finally {
      await st.close();
    }

    const peft = path.join(dir, 'peft.safetensors');
    await writeSafetensors(peft, [
      { name: 'text_encoder_2.text_model.encoder.layers.1.mlp.fc2.lora_A.weight', dtype: 'F16', shape: [2, 8], data: values(16, 6) },
      { name: 'text_encoder_2.text_model.encoder.layers.1.mlp.fc2.lora_B.weight', dtype: 'F16', shape: [4, 2], data: values(8, 7) },
    ]);
    const p = await openSafetensors(peft);
    expect(await readLora(p)).toEqual([{
      target: 'lora_te2_text_model_encoder_layers_1_mlp_fc2',
      down: 'text_encoder_2.text_model.encoder.layers.1.mlp.fc2.lora_A.weight',
      up: 'text_encoder_2.text_model.encoder.layers.1.mlp.fc2.lora_B.weight',
      alpha: null,
      rank: 2,
    }]);
    await p.close();
  });

  it('names an alpha that is not one finite number', async () => {
    const file = path.join(dir, 'bad-alpha.safetensors');
    await writeSafetensors(file, [
      { name: 'lora_unet_a.lora_down.weight', dtype: 'F32', shape: [1, 2], data: values(2, 1) },
      { name: 'lora_unet_a.lora_up.weight', dtype: 'F32', shape: [2, 1], data: values(2, 2) },
      { name: 'lora_unet_a.alpha', dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) },
      { name: 'lora_unet_b.lora_down.weight', dtype: 'F32', shape: [1, 2], data: values(2, 1) },
      { name: 'lora_unet_b.lora_up.weight', dtype: 'F32', shape: [2, 1], data: values(2, 2) },
    ]);
    const st = await openSafetensors(file);
    await expect(readLora(st)).rejects.toThrow('alpha tensor lora_unet_a.alpha has 2 values; expected one');
    await st.close();
  });
});
