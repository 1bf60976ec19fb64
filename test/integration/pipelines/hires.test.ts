// Hires fix on the tiny fixtures: the bilinear latent upscale matches torch's interpolate, denoise 0
// decodes exactly the upscaled latents, a real second pass runs its steps at the new size, the PNG
// parameters read back, and bad settings are refused in plain words.
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { readImageParameters } from '../../../src-main/engine/imageio/read-parameters.ts';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { resizeLatentsBilinear } from '../../../src-main/engine/pipelines/hires.ts';
import { txt2img, txt2imgLatents } from '../../../src-main/engine/pipelines/txt2img.ts';
import { fixture, truth } from './fixture-truth.ts';

const cache = new PipelineCache({ maxModels: 2 });
afterAll(() => cache.dispose());
const base = { modelDir: fixture('sd15-script'), prompt: 'a green cat', negativePrompt: 'red', cfgScale: 4, steps: 6, sampler: 'euler', schedule: 'karras', seed: 9, width: 64, height: 64 };

describe('hires fix', () => {
  it('upscales latents bilinearly like torch.nn.functional.interpolate(mode="bilinear", align_corners=False)', () => {
    const up = resizeLatentsBilinear({ dtype: 'float32', dims: [1, 1, 2, 2], data: Float32Array.of(1, 2, 3, 4) }, 4, 4);
    // torch.nn.functional.interpolate(torch.tensor([[[[1., 2.], [3., 4.]]]]), scale_factor=2, mode='bilinear')
    expect(Array.from(up.data)).toEqual([1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
  });

  it('denoise 0 keeps the upscaled latents: the image is exactly their decode, at twice the size', async () => {
    const plain = await txt2imgLatents(base, { cache });
    const hires = await txt2img({ ...base, hires: { scale: 2, denoise: 0 } }, { cache });
    expect([hires.images[0].width, hires.images[0].height]).toEqual([128, 128]);
    const up = resizeLatentsBilinear(plain.batches[0].latents, 16, 16);
    const { data } = await sharp(hires.images[0].png).raw().toBuffer({ resolveWithObject: true });
    let worst = 0;
    for (let y = 0; y < 128; y++) {
      for (let x = 0; x < 128; x++) {
        for (let ch = 0; ch < 3; ch++) {
          let v = truth.bias_dec[ch];
          for (let j = 0; j < 4; j++) v += truth.b_dec[ch][j] * up.data[(j * 16 + (y >> 3)) * 16 + (x >> 3)];
          worst = Math.max(worst, Math.abs(data[(y * 128 + x) * 3 + ch] - Math.round((Math.min(1, Math.max(-1, v)) + 1) * 127.5)));
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('runs the second pass (its steps cut at the strength) and writes A1111 fields that read back', async () => {
    const r = await txt2img({ ...base, hires: { scale: 1.5, denoise: 0.5, steps: 8, upscaler: 'lanczos' } }, { cache });
    expect([r.images[0].width, r.images[0].height]).toEqual([96, 96]);
    expect(r.timings.steps.length).toBeGreaterThan(6);
    expect(r.timings.steps.length).toBeLessThanOrEqual(6 + 8);
    expect(r.parameters[0]).toMatch(/Size: 64x64, .*Denoising strength: 0\.5, Hires upscale: 1\.5, Hires steps: 8, Hires upscaler: Lanczos/);
    const back = readImageParameters({ bytes: r.images[0].png });
    expect(back.parameters).toMatchObject({ width: 64, height: 64, hires: { scale: 1.5, denoise: 0.5, steps: 8, upscaler: 'lanczos' } });
  });

  it('reads A1111 hires fields it did not write itself (resize-to and other upscalers) with notes', () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
      'base64',
    );
    const text = 'a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 512x512, Denoising strength: 0.45, Hires resize: 1024x1024, Hires upscaler: R-ESRGAN 4x+';
    // insert a tEXt "parameters" chunk after IHDR
    const chunk = (type: string, body: Buffer): Buffer => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(body.length);
      const crcInput = Buffer.concat([Buffer.from(type, 'latin1'), body]);
      let c = ~0;
      for (const b of crcInput) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
      }
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(~c >>> 0);
      return Buffer.concat([len, crcInput, crc]);
    };
    const withText = Buffer.concat([png.subarray(0, 33), chunk('tEXt', Buffer.from(`parameters\0${text}`, 'latin1')), png.subarray(33)]);
    const r = readImageParameters({ bytes: withText });
    expect(r.parameters?.hires).toEqual({ scale: 2, denoise: 0.45, upscaler: 'lanczos' });
    expect(r.notes.join(' ')).toMatch(/hires upscaler "R-ESRGAN 4x\+" is not available in Reverie; using Lanczos/);
  });

  it('refuses a scale over 4, a strength outside 0..1 and a final size over 4096', async () => {
    await expect(txt2img({ ...base, hires: { scale: 5, denoise: 0.5 } }, { cache })).rejects.toThrow(/hires scale must be a number from 1 to 4/);
    await expect(txt2img({ ...base, hires: { scale: 2, denoise: 1.5 } }, { cache })).rejects.toThrow(/hires denoising strength must be from 0/);
    await expect(txt2img({ ...base, width: 2560, height: 64, hires: { scale: 2, denoise: 0.5 } }, { cache })).rejects.toThrow(/would be 5120×128, over 4096 pixels a side/);
  });
});
