/**
 * VAE wrappers against the fixture VAEs: decode(z) = upsample8(B·z + b_dec) once the scaling factor is
 * undone, encode = its pseudo-inverse on 8×8 block means, latent_parameters sampled as mean + e^{logvar/2}·noise.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadedModel } from '../../../src-main/engine/models/model.ts';
import { f32 } from '../../../src-main/engine/runtime/tensor.ts';
import type { F32Tensor } from '../../../src-main/engine/types.ts';
import { FACTS, FIXTURE_MODELS, decodePixel } from './fixture-facts.ts';

const VARIANTS = ['sd15-script', 'sd15-optimum', 'sd15-fp16', 'reverie-tiny'];
const models = new Map<string, LoadedModel>();
beforeAll(async () => {
  for (const name of VARIANTS) models.set(name, await LoadedModel.load(path.join(FIXTURE_MODELS, name), { provider: 'cpu' }));
});
afterAll(async () => {
  for (const m of models.values()) await m.dispose();
});

/** An image [1, 3, 16, 24] constant on each 8×8 block, values in [-0.9, 0.9]. */
function blockImage(): F32Tensor {
  const [h, w] = [16, 24];
  const img = f32([1, 3, h, w]);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) img.data[(c * h + y) * w + x] = 0.9 * Math.sin(1 + c * 2.1 + Math.floor(y / 8) * 1.7 + Math.floor(x / 8) * 0.6);
    }
  }
  return img;
}

describe('VAE decode', () => {
  it.each(VARIANTS)('%s: pixels = upsample8(B·z + b_dec), with the folder scaling factor undone', async (name) => {
    const model = models.get(name)!;
    const c = model.info.latentChannels;
    expect(model.info.scalingFactor).toBe(FACTS.folders[name].scaling_factor);
    const z = f32([1, c, 1, 2], Array.from({ length: 2 * c }, (_, i) => 0.7 * Math.cos(i)));
    const px = await model.decode(z);
    expect(px.dims).toEqual([1, 3, 8, 16]);
    const tol = FACTS.folders[name].io === 'float16' ? 2e-3 : 1e-5;
    for (let p = 0; p < 2; p++) {
      const want = decodePixel(Array.from({ length: c }, (_, k) => z.data[k * 2 + p]));
      for (let ch = 0; ch < 3; ch++) {
        for (const [y, x] of [[0, 8 * p], [7, 8 * p + 7], [3, 8 * p + 4]]) {
          expect(Math.abs(px.data[(ch * 8 + y) * 16 + x] - want[ch])).toBeLessThan(tol);
        }
      }
    }
  });
});

describe('VAE encode', () => {
  it.each(VARIANTS)('%s: decode(encode(x)) = x for an image constant on 8×8 blocks', async (name) => {
    const model = models.get(name)!;
    const img = blockImage();
    const z = await model.encode(img);
    expect(z.dims).toEqual([1, model.info.latentChannels, 2, 3]);
    const back = await model.decode(z);
    const tol = FACTS.folders[name].io === 'float16' ? 5e-3 : 1e-4;
    back.data.forEach((v, i) => expect(Math.abs(v - img.data[i])).toBeLessThan(tol));
  });

  it('latent_parameters (optimum): the mean without noise, mean + e^{logvar/2}·noise with it', async () => {
    const model = models.get('sd15-optimum')!;
    const img = blockImage();
    const mean = await model.encode(img);
    const reference = await models.get('sd15-script')!.encode(img); // same weights, latent_sample output
    mean.data.forEach((v, i) => expect(v).toBeCloseTo(reference.data[i], 5));
    const sampled = await model.encode(img, () => 1);
    const std = Math.exp(0.5 * FACTS.logvar); // 0.1
    sampled.data.forEach((v, i) => expect(v).toBeCloseTo(mean.data[i] + std * model.info.scalingFactor, 5));
  });

  it('refuses images whose size is not a multiple of 8', async () => {
    const model = models.get('sd15-script')!;
    await expect(model.encode(f32([1, 3, 12, 16]))).rejects.toThrow(
      'encode takes pixels [batch, 3, H, W] with H and W multiples of 8; got [1, 3, 12, 16]',
    );
  });
});
