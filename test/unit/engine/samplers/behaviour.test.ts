/** Contract of every sampler: steps, model calls, cancellation, noise use, bad input, and convergence on Gaussian data. */
import { describe, expect, it } from 'vitest';
import { SAMPLERS, totalModelCalls } from '../../../../src-main/engine/samplers/registry.ts';
import { DiscreteSchedule, SD1_TRAINING_SCHEDULE } from '../../../../src-main/engine/schedules/discrete.ts';
import { buildSigmas, sigmasForStrength } from '../../../../src-main/engine/schedules/index.ts';
import { CancelledError, EngineError } from '../../../../src-main/engine/types.ts';
import type { F32Tensor, Sampler } from '../../../../src-main/engine/types.ts';
import { relErr } from '../schedules/golden.ts';
import { NormalStream, f32, f64, gaussianDenoiser, normals } from './harness.ts';
import type { F64Tensor } from './harness.ts';

const model = new DiscreteSchedule(SD1_TRAINING_SCHEDULE);
const mean = [0.3, -0.2, 0.1, 0.5, -0.4, 0, 0.25, -0.1];
const v = 0.25;

function noiseSource(seed: number, n: number, make: (a: number[]) => F64Tensor) {
  const stream = new NormalStream(seed);
  let k = 0;
  const fn = (): F64Tensor => {
    k++;
    return make(stream.draw(n));
  };
  return { fn, count: () => k };
}

describe('sampler contract (every registry entry)', () => {
  for (const entry of SAMPLERS) {
    it(`${entry.id}: leaves the caller's x alone and works in one x buffer for the whole run`, async () => {
      const sigmas = buildSigmas('karras', 8, model);
      const start = f64(normals(21, 8).map((z) => z * sigmas[0]));
      const given = Float64Array.from(start.data);
      const noise = noiseSource(22, 8, (a) => f64(a));
      const buffers = new Set<Float64Array>();
      const seen: Float64Array[] = [];
      const denoise = gaussianDenoiser(mean, v, (a) => f64(a));
      const out = await entry.fn(denoise, start, sigmas, { noise: noise.fn, onStep: (s) => (buffers.add(s.x.data as Float64Array), seen.push(Float64Array.from(s.x.data))) }, entry.defaults);
      expect(Array.from(start.data)).toEqual(Array.from(given));
      expect(buffers.size).toBe(1); // updated in place step after step: no new x per step
      expect([...buffers][0]).not.toBe(start.data);
      // in place, yet every step saw the x of its own step: consecutive x differ
      for (let i = 1; i < seen.length; i++) expect(relErr(seen[i], seen[i - 1])).toBeGreaterThan(1e-6);
      expect(out.data.length).toBe(8);
    });

    it(`${entry.id}: onStep once per step, exact model calls, noise only when stochastic`, async () => {
      for (const steps of [1, 2, 10]) {
        const sigmas = buildSigmas('karras', steps, model);
        const denoise = gaussianDenoiser(mean, v, (a) => f64(a));
        const noise = noiseSource(1, 8, (a) => f64(a));
        const seen: number[] = [];
        await entry.fn(denoise, f64(normals(2, 8).map((z) => z * sigmas[0])), sigmas, { noise: noise.fn, onStep: (s) => seen.push(s.i) }, entry.defaults);
        expect(seen).toEqual(Array.from({ length: steps }, (_, i) => i));
        expect(denoise.calls).toBe(totalModelCalls(entry, steps));
        if (!entry.stochastic) expect(noise.count()).toBe(0);
        if (entry.stochastic && steps > 1) expect(noise.count()).toBeGreaterThan(0);
      }
    });

    it(`${entry.id}: abort stops before the next model call with CancelledError`, async () => {
      const sigmas = buildSigmas('karras', 8, model);
      for (const abortAt of [1, 3]) {
        const controller = new AbortController();
        const inner = gaussianDenoiser(mean, v, (a) => f64(a));
        const denoise = async (x: F64Tensor, s: number): Promise<F64Tensor> => {
          const out = await inner(x, s);
          if (inner.calls === abortAt) controller.abort();
          return out;
        };
        const noise = noiseSource(3, 8, (a) => f64(a));
        const run = entry.fn(denoise, f64(normals(4, 8)), sigmas, { noise: noise.fn, signal: controller.signal }, entry.defaults);
        await expect(run).rejects.toBeInstanceOf(CancelledError);
        expect(inner.calls).toBe(abortAt);
      }
      const pre = new AbortController();
      pre.abort();
      const inner = gaussianDenoiser(mean, v, (a) => f64(a));
      await expect(entry.fn(inner, f64(normals(4, 8)), sigmas, { noise: () => f64(normals(5, 8)), signal: pre.signal })).rejects.toBeInstanceOf(CancelledError);
      expect(inner.calls).toBe(0);
    });

    it(`${entry.id}: zero steps (strength 0) returns x untouched without calling the model`, async () => {
      const denoise = gaussianDenoiser(mean, v, (a) => f64(a));
      const x = f64(normals(6, 8));
      const out = await entry.fn(denoise, x, sigmasForStrength(buildSigmas('karras', 10, model), 0), { noise: () => f64(normals(7, 8)) });
      expect(Array.from(out.data)).toEqual(Array.from(x.data));
      expect(denoise.calls).toBe(0);
    });

    it(`${entry.id}: rejects bad sigmas with BAD_INPUT`, async () => {
      const denoise = gaussianDenoiser(mean, v, (a) => f64(a));
      const ctx = { noise: () => f64(normals(7, 8)) };
      const x = f64(normals(6, 8));
      for (const [sigmas, re] of [
        [[], /sigmas is empty/],
        [[1, 2, 0], /strictly decreasing, but sigmas\[1\] = 2 follows 1/],
        [[3, Number.NaN, 0], /sigmas\[1\] is NaN/],
        [[3, -1], /sigmas\[1\] is -1/],
      ] as const) {
        await expect(entry.fn(denoise, x, Float64Array.from(sigmas), ctx)).rejects.toThrow(re);
      }
      expect(denoise.calls).toBe(0);
    });

    it(`${entry.id}: is an engine Sampler and runs in float32`, async () => {
      const asSampler: Sampler = entry.fn; // GenericSampler instantiated at F32Tensor
      const sigmas = buildSigmas('karras', 4, model);
      const out: F32Tensor = await asSampler(gaussianDenoiser(mean, v, (a) => f32(a)), f32(normals(8, 8).map((z) => z * sigmas[0])), sigmas, { noise: () => f32(normals(9, 8)) });
      expect(out.dtype).toBe('float32');
      expect(out.data).toBeInstanceOf(Float32Array);
      expect(out.dims).toEqual([1, 2, 2, 2]);
    });
  }
});

describe('convergence on Gaussian data', () => {
  // For data ~ N(μ, v) the probability-flow ODE is solved exactly by
  // x(σ) = μ + (x_T − μ)·√((v + σ²) / (v + σ_T²)). Integrate from σ_max down to σ_min (no final jump
  // to 0, whose single step does not shrink with more steps) and check the error falls with the order.
  async function odeError(id: string, steps: number): Promise<number> {
    const entry = SAMPLERS.find((e) => e.id === id);
    if (!entry) throw new Error(id);
    const sigmas = buildSigmas('karras', steps, model).subarray(0, steps); // ends at sigma_min
    const xT = normals(11, 8).map((z) => z * sigmas[0]);
    const out = await entry.fn(gaussianDenoiser(mean, v, (a) => f64(a)), f64(xT), sigmas, { noise: () => { throw new Error('no noise expected'); } });
    const k = Math.sqrt((v + sigmas[steps - 1] ** 2) / (v + sigmas[0] ** 2));
    return Math.max(...xT.map((x, i) => Math.abs(out.data[i] - (mean[i] + (x - mean[i]) * k))));
  }
  const order: Record<string, number> = { euler: 1, ddim: 1, heun: 2, dpm_2: 2, dpmpp_2m: 2, lms: 4 };
  for (const entry of SAMPLERS.filter((e) => !e.stochastic)) {
    it(`${entry.id}: converges to the exact ODE solution at order ${order[entry.id]}`, async () => {
      const e40 = await odeError(entry.id, 40);
      const e80 = await odeError(entry.id, 80);
      expect(e80).toBeLessThan(0.05);
      expect(e80 / e40).toBeLessThan(1.3 * 0.5 ** order[entry.id]);
    });
    // (LMS is left out: as a multistep method its last step blends earlier slopes)
    if (entry.id !== 'lms') it(`${entry.id}: the last step to sigma 0 returns the denoised estimate`, async () => {
      let last: F64Tensor | undefined;
      const sigmas = buildSigmas('karras', 6, model);
      const out = await entry.fn(gaussianDenoiser(mean, v, (a) => f64(a)), f64(normals(3, 8).map((z) => z * sigmas[0])), sigmas, { noise: () => f64(normals(4, 8)), onStep: (s) => (last = s.denoised) });
      expect(relErr(out.data, last?.data ?? [])).toBeLessThan(1e-12);
    });
  }

  // Ancestral and SDE samplers must reproduce the data distribution; LCM is left out because it
  // is exact only for consistency-distilled models (it is tested step by step in ddim-lcm.test.ts).
  for (const entry of SAMPLERS.filter((e) => e.stochastic && e.id !== 'lcm')) {
    it(`${entry.id}: 200 steps give samples with the data mean and variance`, async () => {
      const n = 16384;
      const dims = [1, 4, 64, 64];
      const sigmas = buildSigmas('karras', 200, model);
      const noise = noiseSource(100, n, (a) => f64(a, dims));
      const x = f64(normals(12, n).map((z) => z * Math.sqrt(sigmas[0] ** 2 + v)), dims);
      const meanOf = Array.from({ length: n }, (_, i) => mean[i % 8]);
      const out = await entry.fn(gaussianDenoiser(meanOf, v, (a) => f64(a, dims)), x, sigmas, { noise: noise.fn }, entry.defaults);
      let m = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const r = out.data[i] - meanOf[i];
        m += r / n;
        s2 += (r * r) / n;
      }
      // standard errors: mean √(v/n) ≈ 0.004, variance ratio √(2/n) ≈ 0.011
      expect(Math.abs(m)).toBeLessThan(0.02);
      expect(Math.abs(s2 / v - 1)).toBeLessThan(0.07);
    });
  }
});

describe('churn (euler, heun, dpm_2)', () => {
  for (const entry of SAMPLERS.filter((e) => e.options.includes('s_churn'))) {
    it(`${entry.id}: s_churn raises sigma to sigmaHat inside [s_tmin, s_tmax] and draws noise there only`, async () => {
      const sigmas = buildSigmas('karras', 10, model);
      const noise = noiseSource(13, 8, (a) => f64(a));
      const hats: [number, number][] = [];
      await entry.fn(gaussianDenoiser(mean, v, (a) => f64(a)), f64(normals(14, 8)), sigmas, { noise: noise.fn, onStep: (s) => hats.push([s.sigma, s.sigmaHat]) }, { s_churn: 2, s_tmin: 0.5, s_tmax: 5 });
      const inRange = hats.filter(([s]) => s >= 0.5 && s <= 5);
      expect(noise.count()).toBe(inRange.length);
      for (const [s, h] of hats) expect(h).toBeCloseTo(s >= 0.5 && s <= 5 ? s * 1.2 : s, 12); // γ = min(2/10, √2 − 1)
    });
  }
});

describe('sampler options', () => {
  const sigmas = buildSigmas('karras', 3, model);
  const run = (id: string, options: Record<string, number | string>) => {
    const entry = SAMPLERS.find((e) => e.id === id);
    if (!entry) throw new Error(id);
    return entry.fn(gaussianDenoiser(mean, v, (a) => f64(a)), f64(normals(1, 8)), sigmas, { noise: () => f64(normals(2, 8)) }, options);
  };
  it('reject NaN, strings for numbers, out-of-range values and unknown choices with BAD_INPUT', async () => {
    await expect(run('euler_ancestral', { eta: Number.NaN })).rejects.toThrow(/option eta must be a number in \[0, Infinity\], got null/);
    await expect(run('euler', { s_churn: '1' })).rejects.toThrow(/option s_churn must be a number/);
    await expect(run('ddim', { eta: 1.5 })).rejects.toThrow(/option eta must be a number in \[0, 1\], got 1.5/);
    await expect(run('lms', { order: 2.5 })).rejects.toThrow(/order must be an integer from 1 to 8, got 2.5/);
    await expect(run('dpmpp_2m_sde', { solver_type: 'rk4' })).rejects.toThrow(/solver_type must be one of midpoint, heun, got "rk4"/);
    await expect(run('dpmpp_sde', { r: 0 })).rejects.toBeInstanceOf(EngineError);
  });
});
