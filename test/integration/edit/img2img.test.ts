/**
 * img2img on the tiny Gaussian fixtures: strength 0 and 1 edge cases, the exact SDEdit path at an
 * intermediate strength, every sampler, recordings, and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rgb8ToPixels } from '../../../src-main/engine/imageio/convert.ts';
import type { Rgb8Image } from '../../../src-main/engine/imageio/convert.ts';
import type { LoadedModel } from '../../../src-main/engine/models/model.ts';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { img2img } from '../../../src-main/engine/pipelines/img2img.ts';
import { txt2imgLatents } from '../../../src-main/engine/pipelines/txt2img.ts';
import { Rng } from '../../../src-main/engine/runtime/rng.ts';
import { SAMPLERS } from '../../../src-main/engine/samplers/registry.ts';
import { buildSigmas, sigmasForStrength } from '../../../src-main/engine/schedules/index.ts';
import { EngineError } from '../../../src-main/engine/types.ts';
import { engineDenoiser, eulerPath, fixture, imageFromLatents, maxAbsDiff, pngToRgb8, promptMean, randomLatents, rgbToPng, truth } from './helpers.ts';

const cache = new PipelineCache({ maxModels: 4 });
afterAll(() => cache.dispose());

const MODEL = fixture('reverie-tiny'); // float32 timesteps: the UNet is the exact denoiser at every sigma
const BASE = { modelDir: MODEL, prompt: 'a red cat', cfgScale: 1, sampler: 'euler', schedule: 'karras', steps: 10, seed: 77, width: 64, height: 64 };

let model: LoadedModel;
let image: Rgb8Image;
let png: Buffer;

beforeAll(async () => {
  model = await cache.model(MODEL, 'auto');
  image = await imageFromLatents(model, randomLatents(5, [1, 3, 8, 8], 0.5));
  png = await rgbToPng(image);
});

describe('img2img edge cases', () => {
  it('strength 0 returns the input pixels bit for bit (no VAE round trip), for every image of the batch', async () => {
    const r = await img2img({ ...BASE, image: png, strength: 0, batchSize: 2 }, { cache });
    expect(r.stepsRun).toBe(0);
    expect(r.images).toHaveLength(2);
    for (const im of r.images) expect(Buffer.from((await pngToRgb8(im.png)).data).equals(Buffer.from(image.data))).toBe(true);
    expect(r.parameters[0]).toContain('Denoising strength: 0');
  });

  it('strength 1 gives exactly the latents txt2img gives for the same seed (same initial noise)', async () => {
    const r = await img2img({ ...BASE, image: png, strength: 1 }, { cache, record: true });
    const t = await txt2imgLatents(BASE, { cache });
    expect(r.stepsRun).toBe(10);
    const final = r.recordings[0].final;
    expect(final?.dims).toEqual([1, 3, 8, 8]);
    expect(maxAbsDiff(final?.data ?? [], t.batches[0].latents.data)).toBe(0);
  });
});

describe('img2img at an intermediate strength', () => {
  it('starts at z + σ_start·ε and follows the exact Euler path of the Gaussian denoiser', async () => {
    const strength = 0.5;
    const r = await img2img({ ...BASE, image: png, strength }, { cache, record: true });
    const full = buildSigmas('karras', 10, model.discrete);
    const sigmas = sigmasForStrength(full, strength);
    expect(r.stepsRun).toBe(5);
    const rec = r.recordings[0];
    expect(rec.steps).toHaveLength(5);
    expect(rec.steps.map((s) => s.sigma)).toEqual(Array.from(sigmas.subarray(0, 5)));
    // the recorded t is the model's fractional timestep of each sigma, descending
    for (const s of rec.steps) expect(s.t).toBeCloseTo(model.discrete.sigmaToT(s.sigma), 10);
    const z = await model.encode(rgb8ToPixels([image]));
    const eps = new Rng(77).randn(z.data.length);
    const m = promptMean('a red cat', 3);
    const plane = 64;
    const start = rec.steps[0].x.data;
    let worstStart = 0;
    let worst = 0;
    for (let j = 0; j < z.data.length; j++) {
      const x0 = Math.fround(z.data[j] + eps[j] * sigmas[0]);
      worstStart = Math.max(worstStart, Math.abs(start[j] - x0));
      const want = eulerPath(x0, sigmas, engineDenoiser(m[Math.floor(j / plane)], truth.data_var, 'epsilon'));
      worst = Math.max(worst, Math.abs((rec.final?.data[j] ?? NaN) - want));
    }
    expect(worstStart).toBe(0);
    expect(worst).toBeLessThan(1e-4);
    // and the output stays closer to the input than a txt2img image of the same seed does
    const out = await pngToRgb8(r.images[0].png);
    const fresh = await pngToRgb8((await img2img({ ...BASE, image: png, strength: 1 }, { cache })).images[0].png);
    expect(maxAbsDiff(out.data, image.data)).toBeLessThan(maxAbsDiff(fresh.data, image.data));
  });

  it.each(SAMPLERS.map((s) => s.id))('%s runs round(steps·strength) steps from the image', async (sampler) => {
    const r = await img2img({ ...BASE, image: png, sampler, steps: 8, strength: 0.6, seed: 3 }, { cache, record: true });
    expect(r.stepsRun).toBe(5);
    const rec = r.recordings[0];
    expect(rec.steps).toHaveLength(5);
    const sig = rec.steps.map((s) => s.sigma);
    for (let i = 1; i < sig.length; i++) expect(sig[i]).toBeLessThan(sig[i - 1]);
    expect(rec.final?.data.every(Number.isFinite)).toBe(true);
    expect(r.images[0].width).toBe(64);
  });
});

describe('img2img batches, progress and other UNets', () => {
  it('one recording per batch with its seeds; progress counts the steps actually run', async () => {
    const progress: { step: number; total: number }[] = [];
    const r = await img2img({ ...BASE, image: png, strength: 0.4, batchSize: 2, batchCount: 2 }, { cache, record: true, onProgress: (p) => progress.push(p) });
    expect(r.images.map((im) => im.seed)).toEqual([77, 78, 79, 80]);
    expect(r.recordings.map((rec) => rec.meta.seeds)).toEqual([
      [77, 78],
      [79, 80],
    ]);
    expect(r.recordings[0].dims).toEqual([2, 3, 8, 8]);
    expect(progress.at(-1)).toMatchObject({ step: 8, total: 8 });
  });

  it('a 9-channel inpainting UNet runs img2img with the whole image as the repaint area', async () => {
    const r = await img2img({ ...BASE, modelDir: fixture('sd15-inpaint'), image: png, strength: 0.5 }, { cache });
    expect(r.images).toHaveLength(1);
    expect(r.stepsRun).toBe(5);
  });
});

describe('img2img bad input', () => {
  it.each([1.5, -0.1, Number.NaN])('strength %s is refused with the valid range', async (strength) => {
    await expect(img2img({ ...BASE, image: png, strength }, { cache })).rejects.toThrow(/strength must be a number from 0 .* to 1 .*, got/);
  });

  it('an unreadable image is IMAGE_INVALID with the reason', async () => {
    const err = await img2img({ ...BASE, image: new Uint8Array([1, 2, 3, 4]) }, { cache }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('IMAGE_INVALID');
    expect((err as EngineError).message).toMatch(/not an image sharp can read/);
    await expect(img2img({ ...BASE, image: '/no/such/photo.png' }, { cache })).rejects.toThrow('cannot read image /no/such/photo.png: no such file');
  });

  it('a missing image says what to pass', async () => {
    await expect(img2img({ ...BASE, image: undefined as unknown as string }, { cache })).rejects.toThrow('no image given: pass a file path or the bytes of an image');
  });

  it('an image over the pixel budget is refused before decoding', async () => {
    await expect(img2img({ ...BASE, image: png, maxPixels: 1000 }, { cache })).rejects.toThrow(/64×64 = 0\.0 MP, over the 0\.0 MP limit/);
  });

  it('an unknown fit mode names the valid ones', async () => {
    await expect(img2img({ ...BASE, image: png, fit: 'stretch' as 'resize' }, { cache })).rejects.toThrow('unknown fit mode "stretch"; valid: resize, crop, fill');
  });
});
