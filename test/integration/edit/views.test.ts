/**
 * The viewers' engine side: forward process frames, schedule curves, ODE vs SDE trajectories.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rgb8Image } from '../../../src-main/engine/imageio/convert.ts';
import type { LoadedModel } from '../../../src-main/engine/models/model.ts';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { scheduleCurves, visitedSigmas } from '../../../src-main/engine/pipelines/curves.ts';
import { forwardProcess } from '../../../src-main/engine/pipelines/forward.ts';
import { compareTrajectories } from '../../../src-main/engine/pipelines/trajectories.ts';
import { txt2imgLatents } from '../../../src-main/engine/pipelines/txt2img.ts';
import { Rng } from '../../../src-main/engine/runtime/rng.ts';
import { fixture, imageFromLatents, maxAbsDiff, pngToRgb8, randomLatents, rgbToPng, truth } from './helpers.ts';

const cache = new PipelineCache({ maxModels: 2 });
afterAll(() => cache.dispose());

const DIR = fixture('sd15-script');
let model: LoadedModel;
let image: Rgb8Image;
let png: Buffer;

beforeAll(async () => {
  model = await cache.model(DIR, 'auto');
  image = await imageFromLatents(model, randomLatents(3, [1, 4, 8, 8], 0.5));
  png = await rgbToPng(image);
});

describe('forward process', () => {
  it('x_t = x₀ + σ_t·ε decoded: t 0 is the image, the same seed gives the same frames, the noise grows with t', async () => {
    const r = await forwardProcess({ modelDir: DIR, image: png, t: [0, 100, 400, 999], sigma: [0], seed: 12 }, { cache });
    expect(r.frames.map((f) => f.t)).toEqual([0, 100, 400, 999, null]);
    for (const f of r.frames.slice(0, 4)) {
      expect(f.sigma).toBeCloseTo(model.discrete.tToSigma(f.t ?? 0), 12);
      expect(f.alphaBar).toBeCloseTo(model.discrete.alphasCumprod[f.t ?? 0], 12);
      expect(f.snr).toBeCloseTo(1 / f.sigma ** 2, 9);
    }
    const frames = await Promise.all(r.frames.map((f) => pngToRgb8(f.png)));
    // the fixture VAE reproduces 8×8-block images up to 8-bit rounding: σ = 0 is the image itself
    expect(maxAbsDiff(frames[4].data, image.data)).toBeLessThanOrEqual(1);
    // for the linear fixture VAE the frame at σ is clamp(image + 127.5·σ·B·ε), checked on one pixel per block
    const eps = new Rng(12).randn(4 * 64);
    const sigma = r.frames[1].sigma;
    for (let k = 0; k < 64; k++) {
      const px = (Math.floor(k / 8) * 8 * 64 + (k % 8) * 8) * 3;
      for (let c = 0; c < 3; c++) {
        const shift = truth.b_dec[c].reduce((s, b, ch) => s + b * eps[ch * 64 + k], 0) * sigma * 127.5;
        expect(Math.abs(frames[1].data[px + c] - Math.min(255, Math.max(0, image.data[px + c] + shift)))).toBeLessThanOrEqual(1.5);
      }
    }
    const spread = frames.slice(0, 4).map((f) => maxAbsDiff(f.data, image.data));
    expect(spread[1]).toBeGreaterThan(spread[0]);
    expect(spread[3]).toBeGreaterThanOrEqual(spread[2]);
    const again = await forwardProcess({ modelDir: DIR, image: png, t: [400], seed: 12 }, { cache });
    expect(again.frames[0].png.equals(r.frames[2].png)).toBe(true);
  });

  it('ddpm scaling keeps the noisy frame in range; the preview decoder works at latent resolution', async () => {
    const raw = await forwardProcess({ modelDir: DIR, image: png, t: [999], seed: 1 }, { cache });
    const ddpm = await forwardProcess({ modelDir: DIR, image: png, t: [999], seed: 1, scaling: 'ddpm' }, { cache });
    const clipped = (im: Rgb8Image): number => im.data.filter((v) => v === 0 || v === 255).length / im.data.length;
    expect(clipped(await pngToRgb8(raw.frames[0].png))).toBeGreaterThan(0.9);
    expect(clipped(await pngToRgb8(ddpm.frames[0].png))).toBeLessThan(0.3); // x_t ≈ ε here: B·ε spreads beyond [-1, 1] now and then
    const preview = await forwardProcess({ modelDir: DIR, image: png, t: [10], seed: 1, decoder: 'preview' }, { cache });
    expect([preview.frames[0].width, preview.frames[0].height]).toEqual([8, 8]);
  });

  it('refuses timesteps outside the schedule and an empty request', async () => {
    await expect(forwardProcess({ modelDir: DIR, image: png, t: [1000] }, { cache })).rejects.toThrow('timestep t must be a number from 0 to 999, got 1000');
    await expect(forwardProcess({ modelDir: DIR, image: png }, { cache })).rejects.toThrow('give at least one timestep t (0 to 999) or noise level sigma');
    await expect(forwardProcess({ modelDir: DIR, image: png, sigma: [-1] }, { cache })).rejects.toThrow('sigma must be a finite number ≥ 0, got -1');
  });
});

describe('schedule curves', () => {
  it('sigma rises, alpha-bar falls, SNR = 1/σ² over the training timesteps', () => {
    const c = scheduleCurves(model.discrete);
    expect(c.t).toHaveLength(1000);
    for (let i = 1; i < 1000; i++) {
      expect(c.sigma[i]).toBeGreaterThan(c.sigma[i - 1]);
      expect(c.alphaBar[i]).toBeLessThan(c.alphaBar[i - 1]);
    }
    for (const i of [0, 321, 999]) {
      expect(c.snr[i]).toBeCloseTo(1 / c.sigma[i] ** 2, 6);
      expect(c.logSnr[i]).toBeCloseTo(-2 * Math.log(c.sigma[i]), 9);
    }
    // SD 1.x scaled-linear betas: σ_max ≈ 14.6146, σ_min ≈ 0.0292
    expect(c.sigma[999]).toBeCloseTo(14.6146, 3);
    expect(c.sigma[0]).toBeCloseTo(0.0292, 3);
  });

  it('the sigmas a schedule visits, with their timesteps; a strength keeps the tail', () => {
    const v = visitedSigmas(model.discrete, 'karras', 10);
    expect(v).toHaveLength(11);
    expect(v[10]).toEqual({ i: 10, sigma: 0, t: null, alphaBar: 1 });
    for (let i = 1; i < 10; i++) expect(v[i].t ?? 0).toBeLessThan(v[i - 1].t ?? 0);
    expect(v[0].t).toBeCloseTo(999, 6);
    const tail = visitedSigmas(model.discrete, 'karras', 10, 0.5);
    expect(tail.map((p) => p.sigma)).toEqual(v.slice(5).map((p) => p.sigma));
  });
});

describe('ODE vs SDE from one seed', () => {
  it('euler and euler_ancestral start from the same noise, record every step with falling sigma, and part ways', async () => {
    const params = { modelDir: DIR, prompt: 'a red cat', cfgScale: 3, steps: 8, schedule: 'karras', seed: 99, width: 64, height: 64 };
    const r = await compareTrajectories(params, { cache });
    expect(r.trajectories.map((t) => [t.sampler, t.stochastic])).toEqual([
      ['euler', false],
      ['euler_ancestral', true],
    ]);
    const [ode, sde] = r.trajectories.map((t) => t.recording);
    for (const rec of [ode, sde]) {
      expect(rec.steps).toHaveLength(8);
      const sig = rec.steps.map((s) => s.sigma);
      for (let i = 1; i < 8; i++) expect(sig[i]).toBeLessThan(sig[i - 1]);
      expect(rec.sigmas[8]).toBe(0);
    }
    expect(maxAbsDiff(ode.steps[0].x.data, sde.steps[0].x.data)).toBe(0);
    expect(maxAbsDiff(ode.steps[0].denoised.data, sde.steps[0].denoised.data)).toBe(0);
    expect(maxAbsDiff(ode.final?.data ?? [], sde.final?.data ?? [])).toBeGreaterThan(0.05);
    // the deterministic one is exactly the txt2img run with euler
    const t = await txt2imgLatents({ ...params, sampler: 'euler' }, { cache });
    expect(maxAbsDiff(ode.final?.data ?? [], t.batches[0].latents.data)).toBe(0);
    expect(r.trajectories[1].parameters).toContain('Sampler: Euler a');
  });

  it('needs two samplers', async () => {
    await expect(compareTrajectories({ modelDir: DIR, prompt: '', samplers: ['euler'] }, { cache })).rejects.toThrow('give at least two samplers to compare, got 1');
  });
});
