// The Pipeline view's capture on real tiny models: the token ids are the tokenizer's, the guidance
// split's two predictions recombine to exactly the x̂₀ the sampler used, capturing changes nothing
// about the run, and the statistics shown are those of the real tensors.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { txt2imgLatents } from '../../../src-main/engine/pipelines/txt2img.ts';
import { capturePipeline } from '../../../src-main/engine/trajectory/pipeline-capture.ts';
import { summarizePipeline } from '../../../src-main/engine/trajectory/pipeline-view.ts';
import { FIXTURE_MODELS } from '../models/fixture-facts.ts';

const cache = new PipelineCache();
afterAll(() => cache.dispose());

const fixture = (name: string): string => path.join(FIXTURE_MODELS, name);
const base = { modelDir: fixture('sd15-script'), prompt: 'a red cat', negativePrompt: 'blurry dog', cfgScale: 5, steps: 4, sampler: 'euler', schedule: 'karras', seed: 3, width: 64, height: 64, provider: 'cpu' as const };

describe('capturePipeline', () => {
  it('keeps the encoder\'s token ids, and a guidance split per step that recombines to the x̂₀ the sampler used', async () => {
    const c = await capturePipeline(base, cache);
    const tokenizer = c.pr.model.tokenizer;
    const row = c.tokens.rows[0];
    expect(c.tokens.rows).toHaveLength(1);
    expect(row.map((t) => t.id)).toEqual(Array.from(tokenizer.encodePadded('a red cat').ids));
    expect(row.slice(0, 6).map((t) => [t.role, t.text])).toEqual([['bos', '<|startoftext|>'], ['token', 'a'], ['token', 'red'], ['token', 'cat'], ['eos', '<|endoftext|>'], ['pad', tokenizer.padToken]]);
    expect(c.tokens.cut).toEqual([]);
    expect(c.negativeTokens?.rows[0].map((t) => t.id)).toEqual(Array.from(tokenizer.encodePadded('blurry dog').ids));

    expect(c.steps.map((s) => s.i)).toEqual([0, 1, 2, 3]);
    for (const s of c.steps) {
      const split = s.split;
      if (!split) throw new Error(`step ${s.i} has no guidance split`);
      expect(split.scale).toBe(5);
      expect(split.sigma).toBe(s.sigmaHat);
      // the very tensor the sampler got from the guided denoiser
      expect(Array.from(split.guided.data)).toEqual(Array.from(s.denoised.data));
      let worst = 0;
      for (let k = 0; k < split.guided.data.length; k++) {
        const u = split.uncond.data[k];
        worst = Math.max(worst, Math.abs(u + 5 * (split.cond.data[k] - u) - split.guided.data[k]));
      }
      expect(worst).toBeLessThan(1e-5);
      // the prompt matters: the two predictions differ
      expect(Array.from(split.cond.data)).not.toEqual(Array.from(split.uncond.data));
    }

    // capturing does not change the run: the same latents as an ordinary run
    const plain = await txt2imgLatents(base, { cache });
    expect(Array.from(c.latents.data)).toEqual(Array.from(plain.batches[0].latents.data));
    expect(c.pixels.dims).toEqual([1, 3, 64, 64]);
  });

  it('summarises the real tensors: shapes, statistics, token norms and one picture per latent channel', async () => {
    const c = await capturePipeline(base, cache);
    const v = await summarizePipeline(c);
    const cond = c.pr.cond.data;
    const mean = cond.reduce((a, b) => a + b, 0) / cond.length;
    const std = Math.sqrt(cond.reduce((a, b) => a + (b - mean) ** 2, 0) / cond.length);
    expect(v.embeddings.tensors[0]).toMatchObject({ dims: c.pr.cond.dims, min: Math.min(...cond), max: Math.max(...cond) });
    expect(v.embeddings.tensors[0].mean).toBeCloseTo(mean, 10);
    expect(v.embeddings.tensors[0].std).toBeCloseTo(std, 10);
    const [, length, width] = c.pr.cond.dims;
    expect(v.embeddings.norms).toHaveLength(length);
    expect(v.embeddings.norms[1]).toBeCloseTo(Math.hypot(...cond.subarray(width, 2 * width)), 5);
    expect(v.tokens.tensors[0]).toMatchObject({ name: 'input_ids of the prompt', dims: [1, length], dtype: 'int32' });
    expect(v.schedule.sigmas).toEqual(Array.from(c.pr.sigmas));
    expect(v.schedule.sigmas.at(-1)).toBe(0);
    expect(v.latents.steps).toHaveLength(4);
    expect(v.latents.steps[0].channels).toHaveLength(c.latents.dims[1]);
    expect(v.guidance).toMatchObject({ scale: 5, split: true });
    // mean is linear, so the guided mean is uncond's plus 5 × (cond's − uncond's)
    const [u, k, , , g] = v.guidance.steps[2].tensors;
    expect(g.mean).toBeCloseTo(u.mean + 5 * (k.mean - u.mean), 5);
    expect(v.decode.tensors.map((t) => t.dims)).toEqual([[1, 4, 8, 8], [1, 4, 8, 8], [1, 3, 64, 64]]);
    expect(v.decode.image).toMatch(/^data:image\/png;base64,/);
  });

  it('shows the tail a one-window model cuts off, and no split at CFG scale 1', async () => {
    const prompt = Array.from({ length: 40 }, (_, k) => (k % 2 ? 'red cat' : 'blue dog')).join(' ');
    const c = await capturePipeline({ ...base, modelDir: fixture('sd15-static'), prompt, cfgScale: 1, steps: 2 }, cache);
    const tokenizer = c.pr.model.tokenizer;
    const all = tokenizer.encodeText(prompt).ids;
    expect(c.tokens.rows).toHaveLength(1);
    expect(c.tokens.tokenCount).toBe(all.length);
    expect(c.tokens.cut.map((t) => t.id)).toEqual(all.slice(tokenizer.maxLength - 2));
    expect(c.tokens.rows[0].filter((t) => t.role === 'token')).toHaveLength(tokenizer.maxLength - 2);
    expect(c.negativeTokens).toBeNull();
    expect(c.steps.every((s) => s.split === null)).toBe(true);
    expect((await summarizePipeline(c)).guidance).toMatchObject({ scale: 1, split: false, steps: [] });
  });
});
