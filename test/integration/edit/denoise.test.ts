/**
 * Denoising with the tight-prior fixture (sd15-lowvar: latents ~ N(m, 0.01), an averaging linear VAE):
 * what is provable there — the noise estimate, the linear pixel→latent noise mapping, the exact Euler
 * path from the noisy latents, and a PSNR gain beyond what the VAE's block averaging alone gives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pixelsToRgb8, rgb8ToPixels } from '../../../src-main/engine/imageio/convert.ts';
import type { Rgb8Image } from '../../../src-main/engine/imageio/convert.ts';
import { psnr } from '../../../src-main/engine/imageio/quality.ts';
import type { LoadedModel } from '../../../src-main/engine/models/model.ts';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { denoise } from '../../../src-main/engine/pipelines/denoise.ts';
import { latentNoiseSigma, pixelSigmaFrom8bit, sigmasFrom } from '../../../src-main/engine/pipelines/noise-level.ts';
import { engineDenoiser, eulerPath, fixture, imageFromLatents, pngToRgb8, randomLatents, rgbToPng, truth } from './helpers.ts';

const cache = new PipelineCache({ maxModels: 2 });
afterAll(() => cache.dispose());

const DIR = fixture('sd15-lowvar');
const V = 0.01;
let model: LoadedModel;
let clean: Rgb8Image;
let cleanPng: Buffer;

beforeAll(async () => {
  model = await cache.model(DIR, 'auto');
  // a "photo" from the model's own prior: latents ~ N(0, V) for the empty prompt, decoded (8×8 blocks)
  clean = await imageFromLatents(model, randomLatents(4, [1, 4, 16, 16], Math.sqrt(V)));
  cleanPng = await rgbToPng(clean);
});

/** RMS row norm of pinv(B) for a full-row-rank 3×C matrix B: √(trace((B·Bᵀ)⁻¹) / C). */
function pinvRmsRowNorm(b: number[][]): number {
  const m = [0, 1, 2].map((i) => [0, 1, 2].map((j) => b[i].reduce((s, v, k) => s + v * b[j][k], 0)));
  const cof = (i: number, j: number): number => {
    const r = [0, 1, 2].filter((x) => x !== i);
    const c = [0, 1, 2].filter((x) => x !== j);
    return m[r[0]][c[0]] * m[r[1]][c[1]] - m[r[0]][c[1]] * m[r[1]][c[0]];
  };
  const det = m[0][0] * cof(0, 0) - m[0][1] * cof(0, 1) + m[0][2] * cof(0, 2);
  return Math.sqrt((cof(0, 0) + cof(1, 1) + cof(2, 2)) / det / b[0].length);
}

describe('pixel noise → diffusion noise level', () => {
  it('is measured through the encoder: linear in the pixel sigma, and for an averaging encoder σ_px/8 · RMS row norm of its map', async () => {
    const pixels = rgb8ToPixels([clean]);
    const z = await model.encode(pixels);
    const at = (s8: number): Promise<number> => latentNoiseSigma(model, pixels, z, pixelSigmaFrom8bit(s8), 9);
    const [a, b, c] = [await at(10), await at(20), await at(40)];
    expect(a).toBeLessThan(b);
    expect(b).toBeLessThan(c);
    expect(b / a).toBeCloseTo(2, 4);
    expect(c / a).toBeCloseTo(4, 4);
    // the fixture encoder: latents = pinv(B)·avgpool8(x) + const, so σ_latent = σ_px/8 · √(mean_k Σ_j pinv(B)_kj²)
    const gain = pinvRmsRowNorm(truth.b_dec);
    expect(gain).toBeCloseTo(1.557044, 5); // numpy: sqrt(mean(sum(pinv(B)**2, axis=1)))
    expect(a / (pixelSigmaFrom8bit(10) / 8) / gain).toBeGreaterThan(0.93);
    expect(a / (pixelSigmaFrom8bit(10) / 8) / gain).toBeLessThan(1.07);
    expect(await at(0)).toBe(0);
  });

  it('a noisier photo starts the reverse process at a larger sigma (and timestep)', async () => {
    const low = await denoise({ modelDir: DIR, image: cleanPng, addNoise: 15, seed: 1 }, { cache });
    const high = await denoise({ modelDir: DIR, image: cleanPng, addNoise: 45, seed: 1 }, { cache });
    expect(high.latentSigma).toBeGreaterThan(2.5 * low.latentSigma);
    expect(high.startT ?? 0).toBeGreaterThan(low.startT ?? 0);
  });
});

describe('denoise', () => {
  it('estimates the added noise (Donoho MAD) and improves PSNR and SSIM far beyond the noisy input and the median baseline', async () => {
    const r = await denoise({ modelDir: DIR, image: cleanPng, addNoise: 50, seed: 3 }, { cache, record: true });
    expect(r.estimatedSigma).toBeGreaterThan(47.5);
    expect(r.estimatedSigma).toBeLessThan(52.5);
    expect(r.noiseSigma).toBe(r.estimatedSigma);
    const q = r.quality;
    if (!q) throw new Error('no quality report');
    expect(q.output.psnr).toBeGreaterThan(q.input.psnr + 15);
    expect(q.output.psnr).toBeGreaterThan(q.baseline.psnr + 8);
    expect(q.output.ssim).toBeGreaterThan(0.85);
    expect(q.output.ssim).toBeGreaterThan(q.baseline.ssim);
    expect(q.baseline.psnr).toBeGreaterThan(q.input.psnr); // the median filter does help a little
    // the diffusion prior adds to what the VAE's 8×8 averaging alone gives (encode → decode of the noisy image)
    const noisy = await pngToRgb8(r.noisyPng);
    const roundTrip = pixelsToRgb8(await model.decode(await model.encode(rgb8ToPixels([noisy]))))[0];
    expect(q.output.psnr).toBeGreaterThan(psnr(roundTrip, clean) + 1);
    expect(r.warnings).toEqual([]);
  });

  it('runs the exact Euler path of the Gaussian denoiser from the noisy latents at the mapped sigma (no noise added)', async () => {
    const r = await denoise({ modelDir: DIR, image: cleanPng, addNoise: 30, seed: 5, steps: 6 }, { cache, record: true });
    const rec = r.recording;
    if (!rec) throw new Error('no recording');
    const sigmas = sigmasFrom('karras', 6, model.discrete, r.latentSigma);
    expect(rec.sigmas).toEqual(Array.from(sigmas));
    expect(rec.steps).toHaveLength(6);
    const z = await model.encode(rgb8ToPixels([await pngToRgb8(r.noisyPng)]));
    expect(Array.from(rec.steps[0].x.data)).toEqual(Array.from(z.data));
    let worst = 0;
    for (let j = 0; j < z.data.length; j++) {
      const want = eulerPath(z.data[j], sigmas, engineDenoiser(0, V, 'epsilon'));
      worst = Math.max(worst, Math.abs((rec.final?.data[j] ?? NaN) - want));
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('works at the photo own size: pads to multiples of 8 and crops back', async () => {
    const odd = { width: 60, height: 52, data: new Uint8Array(60 * 52 * 3) };
    for (let y = 0; y < 52; y++) odd.data.set(clean.data.subarray(y * 128 * 3, (y * 128 + 60) * 3), y * 60 * 3);
    const r = await denoise({ modelDir: DIR, image: await rgbToPng(odd), addNoise: 40, seed: 2 }, { cache });
    expect([r.width, r.height]).toEqual([60, 52]);
    const out = await pngToRgb8(r.png);
    expect([out.width, out.height]).toEqual([60, 52]);
    expect(r.quality?.output.psnr ?? 0).toBeGreaterThan((r.quality?.input.psnr ?? 0) + 10);
  });

  it('uses a given sigma instead of the estimate, and with a reference reports quality', async () => {
    const noisy = (await denoise({ modelDir: DIR, image: cleanPng, addNoise: 20, seed: 7 }, { cache })).noisyPng;
    // a fixed seed: the latent noise level is measured with a seeded probe, and for σ 20 on this fixture it
    // lands near the model's smallest sigma (0.028–0.030 against 0.0292 over 40 seeds; 1 in 10 returned the
    // image unchanged, which failed this test now and then)
    const r = await denoise({ modelDir: DIR, image: noisy, noiseSigma: 20, reference: cleanPng, seed: 7 }, { cache });
    expect(r.noiseSigma).toBe(20);
    expect(r.stepsRun).toBeGreaterThan(0);
    expect(r.quality?.output.psnr ?? 0).toBeGreaterThan((r.quality?.input.psnr ?? 0) + 10);
    const none = await denoise({ modelDir: DIR, image: cleanPng, noiseSigma: 0 }, { cache });
    expect(none.stepsRun).toBe(0);
    expect(none.warnings.join(' ')).toMatch(/maps below the model's smallest noise level; the image is returned unchanged/);
    expect(Buffer.from((await pngToRgb8(none.png)).data).equals(Buffer.from(clean.data))).toBe(true);
  });

  it('bad input: negative sigma, a reference of another size, reference together with addNoise', async () => {
    await expect(denoise({ modelDir: DIR, image: cleanPng, noiseSigma: -1 }, { cache })).rejects.toThrow(
      'the noise sigma must be a noise standard deviation from 0 to 255 in 8-bit units (e.g. 25), got -1',
    );
    await expect(denoise({ modelDir: DIR, image: cleanPng, addNoise: -5 }, { cache })).rejects.toThrow(/the added noise sigma must be .* got -5/);
    const small = await rgbToPng({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3) });
    await expect(denoise({ modelDir: DIR, image: cleanPng, reference: small }, { cache })).rejects.toThrow(
      'the reference image is 64×64 but the image is 128×128; they must be the same size',
    );
    await expect(denoise({ modelDir: DIR, image: cleanPng, reference: small, addNoise: 3 }, { cache })).rejects.toThrow(/either a reference image or addNoise/);
  });
});
