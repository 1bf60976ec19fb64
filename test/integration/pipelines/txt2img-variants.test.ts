/**
 * Every I/O variant of the fixture folders (diffusers script and optimum layouts, int32/int64 ids,
 * int64/float32/float16 timesteps, fp16 I/O, fixed batch, 9-channel inpainting, v-prediction,
 * SD-Turbo, our own 3-channel family) runs through txt2img, and the PNG holds exactly what the
 * fixture VAE makes of the latents: pixel = clamp(B·latent + b) (make_models.py).
 */
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { readGenerationMetadata } from '../../../src-main/engine/imageio/metadata.ts';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { txt2img, txt2imgLatents } from '../../../src-main/engine/pipelines/txt2img.ts';
import { fixture, truth } from './fixture-truth.ts';

const cache = new PipelineCache({ maxModels: 2 });
afterAll(() => cache.dispose());

const VARIANTS = ['sd15-script', 'sd15-optimum', 'sd15-fp16', 'sd15-static', 'sd15-inpaint', 'sd2-v', 'sd-turbo', 'reverie-tiny', 'reverie-f16'];

describe('txt2img on every fixture variant', () => {
  it.each(VARIANTS)('%s', async (name) => {
    const params = { modelDir: fixture(name), prompt: 'a green cat', negativePrompt: 'red', cfgScale: 4, steps: 6, sampler: 'dpmpp_2m', schedule: 'karras', seed: 77, width: 96, height: 64, batchSize: 2 };
    const result = await txt2img(params, { cache });
    const { batches } = await txt2imgLatents(params, { cache });
    const latents = batches[0].latents;
    const spec = truth.folders[name];
    expect(result.images.map((i) => [i.width, i.height, i.seed])).toEqual([[96, 64, 77], [96, 64, 78]]);
    expect(result.provider).toBe('cpu');
    const [, c, h, w] = latents.dims;
    expect(c).toBe(spec.channels);
    // latents are [B, C, H/f, W/f] with the folder's VAE factor f (8, or 16 for reverie-f16)
    expect([h, w]).toEqual([64 / spec.factor, 96 / spec.factor]);
    for (const [k, image] of result.images.entries()) {
      const { data, info } = await sharp(image.png).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([96, 64, 3]);
      let worst = 0;
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 96; x++) {
          for (let ch = 0; ch < 3; ch++) {
            let v = truth.bias_dec[ch];
            for (let j = 0; j < c; j++) v += truth.b_dec[ch][j] * latents.data[((k * c + j) * h + Math.floor(y / spec.factor)) * w + Math.floor(x / spec.factor)];
            const want = Math.round((Math.min(1, Math.max(-1, v)) + 1) * 127.5);
            worst = Math.max(worst, Math.abs(data[(y * 96 + x) * 3 + ch] - want));
          }
        }
      }
      // fp16 I/O rounds the decoder's output to half precision: one level of 255 at most
      expect(worst).toBeLessThanOrEqual(spec.io === 'float16' ? 1 : 0);
      const meta = readGenerationMetadata(image.png);
      expect(meta).toMatchObject({ source: 'a1111', prompt: 'a green cat', negativePrompt: 'red', steps: 6, sampler: 'DPM++ 2M', schedule: 'Karras', cfgScale: 4, seed: 77 + k, width: 96, height: 64, model: name });
      expect(meta?.extra).toEqual({ RNG: 'CPU' });
      expect((await sharp(image.png).metadata()).comments?.[0]).toEqual({ keyword: 'parameters', text: result.parameters[k] });
    }
  });

  it('a VAE that downsamples by 16 takes sizes in steps of 16 and says which sizes would work', async () => {
    const params = { modelDir: fixture('reverie-f16'), prompt: 'a cat', steps: 2, seed: 1, width: 264, height: 256 };
    await expect(txt2img(params, { cache })).rejects.toThrow('width must be a multiple of 16 for reverie-f16 (the VAE works on 16×16 blocks), got 264; nearest valid: 256 or 272');
    const ok = await txt2img({ ...params, width: 272 }, { cache });
    expect([ok.images[0].width, ok.images[0].height]).toEqual([272, 256]);
  });

  it('SD-Turbo defaults: one Euler a step, no guidance, the model default size', async () => {
    const result = await txt2img({ modelDir: fixture('sd-turbo'), prompt: 'a cat', seed: 5 }, { cache });
    expect([result.params.steps, result.params.sampler, result.params.cfgScale, result.params.schedule]).toEqual([1, 'euler_ancestral', 1, 'normal']);
    expect([result.images[0].width, result.images[0].height]).toEqual([512, 512]);
    expect(result.timings.steps).toHaveLength(1);
    expect(structuredClone(result.params)).toEqual(result.params); // plain data, IPC-safe
    expect(result.parameters[0]).toContain('Steps: 1, Sampler: Euler a, Schedule type: Normal, CFG scale: 1, Seed: 5, Size: 512x512, Model: sd-turbo');
    expect(result.parameters[0]).not.toContain('Negative prompt');
  });
});
