/**
 * The strong end-to-end truth: with the Gaussian-optimal UNet fixture a full txt2img run (real
 * tokenizer, text encoder, UNet sessions, CFG, schedules, samplers) must land where the maths says.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { txt2imgLatents } from '../../../src-main/engine/pipelines/txt2img.ts';
import { Rng } from '../../../src-main/engine/runtime/rng.ts';
import { buildSigmas } from '../../../src-main/engine/schedules/index.ts';
import { channelStats, engineDenoiser, eulerGain, eulerPath, fixture, guidedMean, promptMean, truth } from './fixture-truth.ts';

const v = truth.data_var;
const cache = new PipelineCache({ maxModels: 4 });
afterAll(() => cache.dispose());

const COND = 'a photo of a red cat';
const UNCOND = 'blue';
const STATS = 'reverie-tiny';

describe('Gaussian fixture: exact trajectory (Euler)', () => {
  it.each([
    ['sd15-script', 3], // int64 timestep: the UNet sees σ(round(t))
    ['sd15-script', 1],
    ['sd15-script', 0],
    ['sd15-static', 3], // fixed batch 1: CFG as two calls, items one by one; float32 timestep
    ['sd2-v', 5], // v-prediction
    ['reverie-tiny', 2], // 3 latent channels, float32 timestep
    ['sd15-inpaint', 3], // 9-channel UNet: txt2img feeds mask 1 (repaint all), so m_eff = m(c)
    ['sd15-fp16', 3], // fp16 I/O: checked with a looser bound below
  ])('%s, CFG %d: every latent element follows the float64 Euler path of the guided denoiser', async (name, w) => {
    const dir = fixture(name);
    const seed = 1234;
    const r = await txt2imgLatents(
      { modelDir: dir, prompt: COND, negativePrompt: UNCOND, cfgScale: w, steps: 12, sampler: 'euler', schedule: 'karras', seed, width: 128, height: 64, batchSize: 2 },
      { cache },
    );
    const { latents, seeds } = r.batches[0];
    expect(seeds).toEqual([seed, seed + 1]);
    const spec = truth.folders[name];
    const model = await cache.model(dir, 'auto');
    const sigmas = buildSigmas('karras', 12, model.discrete);
    const seen = spec.t_dtype === 'int64' ? (s: number) => model.discrete.tToSigma(Math.round(model.discrete.sigmaToT(s))) : undefined;
    const [b, c, h, wd] = latents.dims;
    expect([b, c, h, wd]).toEqual([2, spec.channels, 8, 16]);
    const mc = promptMean(COND, c);
    const mu = promptMean(UNCOND, c);
    const guided = mc.map((_, k) => {
      const dc = engineDenoiser(mc[k], v, spec.prediction, seen);
      const du = engineDenoiser(mu[k], v, spec.prediction, seen);
      return (x: number, sigma: number) => (w === 1 ? dc(x, sigma) : du(x, sigma) + w * (dc(x, sigma) - du(x, sigma)));
    });
    const plane = h * wd;
    let worst = 0;
    for (let i = 0; i < b; i++) {
      const xT = new Rng(seeds[i]).randn(c * plane);
      for (let j = 0; j < c * plane; j++) {
        const want = eulerPath(Math.fround(xT[j] * sigmas[0]), sigmas, guided[Math.floor(j / plane)]);
        worst = Math.max(worst, Math.abs(latents.data[i * c * plane + j] - want));
      }
    }
    expect(worst).toBeLessThan(spec.io === 'float16' ? 0.05 : 1e-4);
  });

  it('without quantisation the path is the closed form m_w + (x_T − m_w)·G', () => {
    const sigmas = Float64Array.from([14.6, 7, 3, 1, 0.3, 0]);
    const d = engineDenoiser(0.7, v, 'epsilon');
    const g = eulerGain(sigmas, v);
    for (const x of [-20, 0, 3.3, 40]) expect(eulerPath(x, sigmas, d)).toBeCloseTo(0.7 + (x - 0.7) * g, 10);
  });
});

describe('Gaussian fixture: samplers × schedules end at the guided distribution', () => {
  // float timesteps (no quantisation), so the UNet is the exact Gaussian denoiser at every σ;
  // deterministic samplers follow the probability-flow ODE: x0 = m_w + (σ_max·n − m_w)·g,
  // g = √(v/(v + σ_max²)), so mean ≈ m_w·(1 − g) and spread ≈ σ_max·g ≈ √v;
  // stochastic samplers end at N(m_w, v).
  // Deterministic samplers run 60 steps: first-order ones (euler, ddim) carry an O(1/steps) error in
  // the spread, about 4% here (Euler's exact gain over the ODE's, see eulerGain), the others < 2%.
  // Stochastic samplers need more steps to forget their discretisation error: 150.
  const cases: [string, string, boolean, number, number][] = [
    ['euler', 'normal', false, 60, 0.07],
    ['heun', 'karras', false, 60, 0.04],
    ['dpmpp_2m', 'exponential', false, 60, 0.04],
    ['lms', 'karras', false, 60, 0.04],
    ['ddim', 'sgm_uniform', false, 60, 0.07],
    ['dpm_2', 'simple', false, 60, 0.04],
    ['euler_ancestral', 'karras', true, 150, 0.05],
    ['dpmpp_2m_sde', 'karras', true, 150, 0.05],
    ['dpmpp_sde', 'normal', true, 150, 0.05],
  ];
  it.each(cases)('%s + %s', async (sampler, schedule, stochastic, steps, tol) => {
    const w = 2.5;
    const r = await txt2imgLatents(
      { modelDir: fixture(STATS), prompt: COND, negativePrompt: UNCOND, cfgScale: w, steps, sampler, schedule, seed: 99, width: 512, height: 512, batchSize: 2 },
      { cache },
    );
    const { latents } = r.batches[0];
    const channels = truth.folders[STATS].channels;
    const mw = guidedMean(COND, UNCOND, w, channels);
    const model = await cache.model(fixture(STATS), 'auto');
    const sigmaMax = buildSigmas(schedule as 'normal', steps, model.discrete)[0];
    const g = Math.sqrt(v / (v + sigmaMax ** 2));
    const { mean, std } = channelStats(latents.data, latents.dims);
    const n = latents.data.length / channels; // elements per channel
    for (let k = 0; k < channels; k++) {
      const wantMean = stochastic ? mw[k] : mw[k] * (1 - g);
      const wantStd = stochastic ? Math.sqrt(v) : sigmaMax * g;
      // sampling error of the mean (5σ) plus a little discretisation error
      expect(Math.abs(mean[k] - wantMean)).toBeLessThan(5 * (wantStd / Math.sqrt(n)) + 0.02 * Math.abs(mw[k]) + 0.01);
      expect(Math.abs(std[k] / wantStd - 1), `channel ${k}: std ${std[k]} vs ${wantStd}`).toBeLessThan(tol);
    }
  });
});
