// The Attention view (DAAM, Tang et al., 2022) on a real tiny model with cross-attention: a checkpoint
// imported from test/fixtures/checkpoints/tiny-sd1.safetensors. The derived graph gives the original's
// out_sample bit for bit, its captured probabilities sum to 1 over the tokens, the aggregation of a
// hand-made probability tensor is the expected map, and a fixture without cross-attention gets the note.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCheckpoint } from '../../../src-main/engine/checkpoints/import.ts';
import { attentionUnet, findCrossAttention } from '../../../src-main/engine/models/attention-graph.ts';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { txt2imgLatents } from '../../../src-main/engine/pipelines/txt2img.ts';
import { ModelSession } from '../../../src-main/engine/runtime/session.ts';
import { makeTensor } from '../../../src-main/engine/runtime/tensor.ts';
import { AttentionAccumulator, layerSize } from '../../../src-main/engine/trajectory/attention-maps.ts';
import { attentionView } from '../../../src-main/engine/trajectory/attention-view.ts';
import { dataUrl } from '../../../src-main/engine/trajectory/tensor-summary.ts';
import { pixelsToRgb8 } from '../../../src-main/engine/imageio/convert.ts';
import type { F32Tensor } from '../../../src-main/engine/types.ts';
import { FIXTURE_MODELS } from '../models/fixture-facts.ts';

const CHECKPOINTS = fileURLToPath(new URL('../../fixtures/checkpoints/', import.meta.url));
let tmp: string;
let modelDir: string;
let cache: PipelineCache;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-attention-'));
  const result = await importCheckpoint({ file: path.join(CHECKPOINTS, 'tiny-sd1.safetensors'), modelsDir: path.join(tmp, 'models'), templatesDirs: [path.join(CHECKPOINTS, 'templates')] });
  modelDir = result.dir;
  cache = new PipelineCache({ attentionCacheDir: path.join(tmp, 'attention') });
}, 120_000);
afterAll(async () => {
  await cache.dispose();
  await rm(tmp, { recursive: true, force: true });
});

/** a deterministic pseudo-random float32 tensor */
function filled(dims: number[], seed: number): F32Tensor {
  let s = seed;
  const data = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 30 - 1;
  });
  return { dtype: 'float32', dims, data };
}

describe('the attention copy of a UNet', () => {
  it('finds only the cross-attention Softmax nodes (attn2), none of the self-attention ones (attn1)', async () => {
    const support = findCrossAttention(await readFile(path.join(modelDir, 'unet', 'model.onnx')));
    if (!('sites' in support)) throw new Error(support.reason);
    expect(support.sites.length).toBe(7);
    expect(support.sites.every((s) => s.node.includes('/attn2/'))).toBe(true);
  });

  it('gives the original out_sample exactly, and probabilities that sum to 1 over the tokens', async () => {
    const unet = await attentionUnet(modelDir, path.join(tmp, 'attention'));
    if (!('file' in unet)) throw new Error(unet.reason);
    const original = await ModelSession.open(path.join(modelDir, 'unet', 'model.onnx'), 'unet', 'cpu');
    const derived = await ModelSession.open(unet.file, 'unet (attention)', 'cpu');
    try {
      const context = original.input('encoder_hidden_states')?.dims;
      const hidden = typeof context?.[2] === 'number' ? context[2] : 32;
      const feeds = {
        sample: makeTensor('float32', [2, 4, 16, 16], filled([2, 4, 16, 16], 1).data),
        timestep: makeTensor('float32', [1], Float32Array.of(500)),
        encoder_hidden_states: makeTensor('float32', [2, 77, hidden], filled([2, 77, hidden], 2).data),
      };
      const a = await original.run(feeds);
      const b = await derived.run(feeds);
      expect(Array.from(b.out_sample.data as Float32Array)).toEqual(Array.from(a.out_sample.data as Float32Array));
      for (const site of unet.sites) {
        const probs = b[site.output];
        expect(probs, site.output).toBeDefined();
        const dims = probs.dims;
        expect(dims.at(-1)).toBe(77);
        const data = probs.data as Float32Array;
        let worst = 0;
        for (let row = 0; row < data.length / 77; row++) {
          let sum = 0;
          for (let k = 0; k < 77; k++) sum += data[row * 77 + k];
          worst = Math.max(worst, Math.abs(sum - 1));
        }
        expect(worst, `${site.node} rows sum to 1`).toBeLessThan(1e-5);
      }
    } finally {
      await original.dispose();
      await derived.dispose();
    }
  });

  it('a fixture without cross-attention gets the note, naming why', async () => {
    const view = await attentionView({ modelDir: path.join(FIXTURE_MODELS, 'sd15-script'), prompt: 'a cat', provider: 'cpu' }, cache);
    expect(view.supported).toBe(false);
    if (view.supported) return;
    expect(view.reason).toMatch(/^sd15-script does not expose attention: its UNet has no cross-attention Softmax/);
  });
});

describe('DAAM aggregation', () => {
  it('averages heads, upsamples each layer to the latent size and sums over layers, conditional items only', () => {
    expect(layerSize(16, 4, 4)).toEqual([4, 4]);
    expect(layerSize(4, 4, 4)).toEqual([2, 2]);
    expect(layerSize(6, 5, 11)).toEqual([2, 3]);
    const acc = new AttentionAccumulator(4, 4);
    // batch 2 (uncond, cond) × 2 heads, 4 queries (a 2×2 layer), 3 tokens
    const probs = new Float32Array(2 * 2 * 4 * 3);
    const set = (b: number, head: number, q: number, k: number, v: number): void => {
      probs[((b * 2 + head) * 4 + q) * 3 + k] = v;
    };
    for (let q = 0; q < 4; q++) {
      set(0, 0, q, 1, 1); // uncond: ignored
      set(0, 1, q, 1, 1);
      // cond: token 1 attends to the top-left query in head 0, top-right in head 1; token 2 everywhere else
      for (let head = 0; head < 2; head++) set(1, head, q, q === head ? 1 : 2, 1);
    }
    acc.add({ dtype: 'float32', dims: [4, 4, 3], data: probs }, 2, [1]);
    acc.calls++;
    expect(acc.layers).toBe(1);
    expect(acc.layerSizes).toEqual(['2×2']);
    // token 1: the 2×2 plane [0.5, 0.5; 0, 0] bilinearly upsampled to 4×4 (align_corners = false)
    const rows = (...r: number[]): number[] => r.flatMap((v) => [v, v, v, v]);
    expect(Array.from(acc.sums[1])).toEqual(rows(0.5, 0.375, 0.125, 0));
    // token 2: 1 − token 1 per head average, so the complementary rows
    expect(Array.from(acc.sums[2])).toEqual(rows(0.5, 0.625, 0.875, 1));
    expect(Array.from(acc.normalized(1))).toEqual(rows(1, 0.75, 0.25, 0));
    expect(Array.from(acc.normalized(0))).toEqual(new Array(16).fill(0));
  });
});

describe('attentionView on tiny-sd1', () => {
  it('returns a map per prompt token (not BOS, EOS or padding) from every layer of every conditional UNet call, and the same image as a plain run', async () => {
    const params = { modelDir, prompt: 'a red apple', negativePrompt: 'blurry', cfgScale: 5, steps: 3, sampler: 'euler', schedule: 'karras', seed: 7, width: 128, height: 128, provider: 'cpu' as const };
    const view = await attentionView(params, cache);
    if (!view.supported) throw new Error(view.reason);
    expect(view.tokens.map((t) => t.text)).toEqual(['a', 'red', 'apple']);
    expect(view.tokens.map((t) => t.slot)).toEqual([1, 2, 3]);
    expect(view.calls).toBe(3);
    expect(view.layers).toBe(7);
    expect(view.maps).toBe(21);
    // the tiny VAE halves the size once: maps at the latent size, 64 × 64, from layers at 64² and 32²
    expect([view.mapWidth, view.mapHeight]).toEqual([64, 64]);
    expect(view.layerSizes).toEqual(['64×64', '32×32']);
    for (const t of view.tokens) {
      expect(t.values).toHaveLength(64 * 64);
      expect(Math.max(...t.values)).toBe(1);
      expect(t.map).toMatch(/^data:image\/png;base64,/);
    }
    // the attention copy samples the same image as the untouched graph
    const plain = await txt2imgLatents(params, { cache });
    const model = await cache.model(modelDir, 'cpu');
    const [rgb] = pixelsToRgb8(await model.decode(plain.batches[0].latents));
    expect(view.image).toBe(await dataUrl(rgb));
  });
});
