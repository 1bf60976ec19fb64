/**
 * The UNet wrapper against the Gaussian-optimal fixture UNets: for any x, σ and prompt, the denoiser must
 * return D(x, σ) = m + (x − m)·v/(v + σ²) — which only happens if c_in, σ → t, the timestep's dtype and
 * shape, the eps/v scalings and the fp16 boundary are all right.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { combineGuidance } from '../../../src-main/engine/guidance/cfg.ts';
import { LoadedModel } from '../../../src-main/engine/models/model.ts';
import { concatBatch, splitBatch } from '../../../src-main/engine/samplers/ops-batch.ts';
import { f32 } from '../../../src-main/engine/runtime/tensor.ts';
import { EngineError } from '../../../src-main/engine/types.ts';
import type { F32Tensor } from '../../../src-main/engine/types.ts';
import { FACTS, FIXTURE_MODELS, expectedDenoised, gaussianD, promptMean } from './fixture-facts.ts';

const VARIANTS = ['sd15-script', 'sd15-optimum', 'sd15-fp16', 'sd15-static', 'sd2-v', 'sd-turbo', 'reverie-tiny', 'reverie-f16'];
const SIGMAS = [0.0312, 0.2, 1, 2.5, 7.3, 14.2];
const PROMPTS = ['a photo of a red cat', ''];

const models = new Map<string, LoadedModel>();
beforeAll(async () => {
  for (const name of [...VARIANTS, 'sd15-inpaint']) models.set(name, await LoadedModel.load(path.join(FIXTURE_MODELS, name), { provider: 'cpu' }));
});
afterAll(async () => {
  for (const m of models.values()) await m.dispose();
});

function latents(batch: number, channels: number, h: number, w: number, seed: number): F32Tensor {
  return f32([batch, channels, h, w], Array.from({ length: batch * channels * h * w }, (_, i) => 1.7 * Math.sin(seed + 1.3 * i)));
}

async function context(model: LoadedModel, prompts: readonly string[]): Promise<F32Tensor> {
  return model.encodeText(prompts.map((p) => model.tokenizer.encodePadded(p).ids));
}

describe('text encoder fixture', () => {
  it.each(VARIANTS)('%s: token sum of the embeddings is the prompt mean m(c), for int32 and int64 ids', async (name) => {
    const model = models.get(name)!;
    const { channels, hidden } = FACTS.folders[name];
    const ctx = await context(model, PROMPTS);
    expect(ctx.dims).toEqual([2, model.info.textLength, hidden]);
    PROMPTS.forEach((prompt, b) => {
      const m = promptMean(prompt, channels);
      for (let j = 0; j < hidden; j += 37) {
        let sum = 0;
        for (let l = 0; l < model.info.textLength; l++) sum += ctx.data[(b * model.info.textLength + l) * hidden + j];
        expect(sum).toBeCloseTo(m[j % channels], FACTS.folders[name].io === 'float16' ? 2 : 5);
      }
    });
  });
});

describe('UNet denoiser', () => {
  it.each(VARIANTS)('%s returns the wrapper-and-UNet reference at every sigma', async (name) => {
    const model = models.get(name)!;
    const spec = FACTS.folders[name];
    const ctx = await context(model, PROMPTS);
    const tol = spec.io === 'float16' ? 3e-3 : 2e-5;
    for (const [i, sigma] of SIGMAS.entries()) {
      const x = latents(2, spec.channels, 2, 3, i);
      const out = await model.denoise(x, sigma, ctx);
      expect(out.dims).toEqual(x.dims);
      const plane = 6;
      for (let idx = 0; idx < x.data.length; idx++) {
        const b = Math.floor(idx / (spec.channels * plane));
        const k = Math.floor(idx / plane) % spec.channels;
        const m = promptMean(PROMPTS[b], spec.channels)[k];
        const want = expectedDenoised(spec, model.discrete, x.data[idx], m, sigma);
        expect(Math.abs(out.data[idx] - want)).toBeLessThan(tol * Math.max(1, Math.abs(want), Math.abs(x.data[idx])));
      }
    }
  });

  it.each(VARIANTS.filter((n) => FACTS.folders[n].t_dtype === 'float32'))(
    '%s (float32 timestep) returns exactly D(x, σ) of the Gaussian data',
    async (name) => {
      const model = models.get(name)!;
      const spec = FACTS.folders[name];
      const ctx = await context(model, ['a green dog']);
      const m = promptMean('a green dog', spec.channels);
      for (const sigma of [0.05, 0.9, 3.3, 11]) {
        const x = latents(1, spec.channels, 1, 2, sigma);
        const out = await model.denoise(x, sigma, ctx);
        out.data.forEach((d, idx) => expect(d).toBeCloseTo(gaussianD(x.data[idx], m[Math.floor(idx / 2)], sigma), 4));
      }
    },
  );

  it.each(VARIANTS)('%s: the guided call gives the two-step CFG numbers bit for bit (eps, v, fp16; batch 1 and 2)', async (name) => {
    const model = models.get(name)!;
    const guided = model.denoise.guided;
    expect(guided).toBeDefined();
    if (!guided) return;
    const spec = FACTS.folders[name];
    for (const batch of [1, 2]) {
      const u = await context(model, Array.from({ length: batch }, () => ''));
      const c = await context(model, Array.from({ length: batch }, (_, b) => `a photo of cat ${b}`));
      const contextPair = concatBatch(u, c); // k-diffusion's cat([uncond, cond]), as guidance/cfg.ts builds it
      for (const [i, sigma] of SIGMAS.entries()) {
        const x = latents(batch, spec.channels, 2, 3, 10 + i);
        const scale = 1 + 2.3 * i;
        const pair = await model.denoise(concatBatch(x, x), sigma, contextPair);
        const [outU, outC] = splitBatch(pair, 2);
        const want = combineGuidance(outC, outU, scale);
        const got = await guided(x, sigma, scale, contextPair);
        expect(got.dims).toEqual(x.dims);
        expect(Array.from(got.data)).toEqual(Array.from(want.data));
      }
    }
  });

  it('the guided call of an inpainting UNet takes the paired concat channels', async () => {
    const model = models.get('sd15-inpaint')!;
    const guided = model.denoise.guided;
    if (!guided) throw new Error('no guided call');
    const x = latents(1, 4, 1, 2, 4);
    const concat = f32([1, 5, 1, 2], [1, 0, 0.3, -0.4, 0.5, 0.1, -0.2, 0.6, 0.0, 0.7]);
    const contextPair = concatBatch(await context(model, ['']), await context(model, ['cat']));
    const pair = await model.denoise(concatBatch(x, x), 0.8, contextPair, concatBatch(concat, concat));
    const [outU, outC] = splitBatch(pair, 2);
    const got = await guided(x, 0.8, 6, contextPair, concatBatch(concat, concat));
    expect(Array.from(got.data)).toEqual(Array.from(combineGuidance(outC, outU, 6).data));
  });

  it('rounds t for int64 timesteps (not floor): the reference with Math.round matches, floor would not', async () => {
    const model = models.get('sd15-script')!;
    const spec = FACTS.folders['sd15-script'];
    const sigma = model.discrete.tToSigma(400.7); // t = 400.7 → fed 401
    const x = latents(1, 4, 1, 1, 3);
    const out = await model.denoise(x, sigma, await context(model, ['red']));
    const m = promptMean('red', 4);
    const floorSpec = { ...spec, t_dtype: 'float32' as const };
    const floorRef = (v: number, k: number): number => expectedDenoised(floorSpec, model.discrete, v, m[k], model.discrete.tToSigma(400));
    out.data.forEach((d, k) => {
      expect(d).toBeCloseTo(expectedDenoised(spec, model.discrete, x.data[k], m[k], sigma), 5);
      expect(Math.abs(d - floorRef(x.data[k], k))).toBeGreaterThan(1e-5);
    });
  });

  it('fp16 I/O gives the fp32 result within fp16 tolerance', async () => {
    const fp32 = models.get('sd15-script')!;
    const fp16 = models.get('sd15-fp16')!;
    for (const sigma of [0.1, 1.5, 9]) {
      const x = latents(2, 4, 2, 2, sigma);
      const a = await fp32.denoise(x, sigma, await context(fp32, PROMPTS));
      const b = await fp16.denoise(x, sigma, await context(fp16, PROMPTS));
      a.data.forEach((v, i) => expect(Math.abs(v - b.data[i])).toBeLessThan(5e-3 * Math.max(1, Math.abs(v))));
    }
  });

  it('splits batches for a fixed-batch export and matches the dynamic one', async () => {
    const fixed = models.get('sd15-static')!;
    const dynamic = models.get('sd-turbo')!; // float32 [batch] timestep, same data, hidden 1024
    expect(fixed.info.cfgBatchable).toBe(false);
    const prompts = ['red', 'blue cat', ''];
    const x = latents(3, 4, 2, 2, 5);
    const a = await fixed.denoise(x, 2, await context(fixed, prompts));
    const b = await dynamic.denoise(x, 2, await context(dynamic, prompts));
    a.data.forEach((v, i) => expect(v).toBeCloseTo(b.data[i], 5));
  });

  it('9-channel inpainting UNet: m_eff = mask·m(c) + (1 − mask)·masked-image latents', async () => {
    const model = models.get('sd15-inpaint')!;
    expect(model.info).toMatchObject({ inpainting: true, unetInChannels: 9, latentChannels: 4 });
    const x = latents(1, 4, 1, 2, 1);
    const mask = [1, 0]; // left pixel repainted, right pixel kept
    const known = [0.3, -0.4, 0.5, 0.1, -0.2, 0.6, 0.0, 0.7]; // [4 channels × 2 pixels]
    const concat = f32([1, 5, 1, 2], [...mask, ...known]);
    const sigma = 1.2;
    const out = await model.denoise(x, sigma, await context(model, ['cat']), concat);
    const m = promptMean('cat', 4);
    for (let k = 0; k < 4; k++) {
      for (let p = 0; p < 2; p++) {
        const mEff = mask[p] * m[k] + (1 - mask[p]) * known[k * 2 + p];
        const want = expectedDenoised(FACTS.folders['sd15-inpaint'], model.discrete, x.data[k * 2 + p], mEff, sigma);
        expect(out.data[k * 2 + p]).toBeCloseTo(want, 5);
      }
    }
    await expect(model.denoise(x, sigma, await context(model, ['cat']))).rejects.toThrow(
      'this inpainting UNet takes 9 channels: pass mask and masked-image latents [1, 5, 1, 2] as concat',
    );
  });

  it('rejects latents, sigma and context that do not fit the model', async () => {
    const model = models.get('sd15-script')!;
    const ctx = await context(model, ['red']);
    await expect(model.denoise(f32([1, 3, 1, 1]), 1, ctx)).rejects.toThrow('the UNet denoises latents [batch, 4, h, w]; got [1, 3, 1, 1]');
    await expect(model.denoise(f32([1, 4, 1, 1]), 0, ctx)).rejects.toThrow('the UNet needs a positive finite sigma, got 0');
    await expect(model.denoise(f32([2, 4, 1, 1]), 1, ctx)).rejects.toThrow('text context must be [2, tokens, hidden] for a batch of 2; got [1, 77, 768]');
    const wrongHidden = await context(models.get('sd2-v')!, ['red']);
    const err = await model.denoise(f32([1, 4, 1, 1]), 1, wrongHidden).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toBe(
      'unet/model.onnx expects encoder_hidden_states float32 [batch, sequence, 768], got float32 [1, 77, 1024] (dim 2 must be 768)',
    );
  });
});
