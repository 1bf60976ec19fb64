/**
 * The image samplers on exact 2-D data. For one Gaussian N(μ, s²·I) the probability-flow ODE
 * dx/dσ = (x − D(x, σ))/σ in k-diffusion's frame has the closed form
 *   x(σ) = μ + (x(σ₀) − μ)·√((s² + σ²)/(s² + σ₀²)),
 * so every deterministic sampler can be checked against it, and its error must shrink with the
 * number of steps at its known order. Then the generated points' moments must match the data's.
 */
import { describe, expect, it } from 'vitest';
import { generate } from '../../../../src-main/engine/playground/run.ts';
import { pointMoments } from '../../../../src-main/engine/playground/metrics.ts';
import { presetMixture } from '../../../../src-main/engine/playground/presets.ts';
import { PROCESSES, getProcess, processSigmas } from '../../../../src-main/engine/playground/process.ts';
import type { DiffusionProcess, ProcessId } from '../../../../src-main/engine/playground/process.ts';
import { normals, playgroundSampler, reverse } from '../../../../src-main/engine/playground/sample.ts';
import { Rng } from '../../../../src-main/engine/runtime/rng.ts';

const MU = [1.5, -0.5];
const S2 = 0.09;
const gaussian = presetMixture('gaussian');

/** The exact PF-ODE solution from level from to level to, in the process's own coordinates x = α·x̃. */
function exactOde(p: DiffusionProcess, start: Float64Array, from: number, to: number): Float64Array {
  const k = Math.sqrt((S2 + to * to) / (S2 + from * from));
  const a0 = p.alphaOf(from);
  const a1 = p.alphaOf(to);
  return start.map((x, i) => a1 * (MU[i % 2] + (x / a0 - MU[i % 2]) * k));
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const START = normals(new Rng(7), 2 * 64);

/** Error at the last nonzero level σ_min of `steps`-step schedules (the final jump to 0 left out, see below). */
async function errorAt(process: ProcessId, sampler: string, steps: number): Promise<number> {
  const p = getProcess(process);
  const sigmas = processSigmas(p, steps + 1).subarray(0, steps + 1);
  const start = START.map((z) => z * p.priorStd);
  const run = await reverse({ mix: gaussian, process: p, sampler: playgroundSampler(sampler), steps, start, noiseSeed: 0, sigmas });
  return maxAbsDiff(run.points, exactOde(p, start, sigmas[0], sigmas[steps]));
}

describe('probability-flow ODE on `gaussian` against its closed form', () => {
  for (const process of PROCESSES) {
    it(`${process}: Heun, DPM++ 2M and Euler land on the exact solution`, async () => {
      // up to σ_min, 1000 steps match the exact solution as closely as each order predicts from the
      // errors at 32 … 256 steps below (measured: Heun ≤ 1.5e-5, DPM++ 2M ≤ 2.8e-4, Euler ≤ 3.9e-3)...
      expect(await errorAt(process, 'heun', 1000)).toBeLessThan(5e-5);
      expect(await errorAt(process, 'dpmpp_2m', 1000)).toBeLessThan(5e-4);
      expect(await errorAt(process, 'euler', 1000)).toBeLessThan(5e-3);
      // ...and the whole run, whose last step jumps from σ_min to 0 with x̂₀ = D(x, σ_min), differs
      // from x(0) only by that jump: (x − μ)·(s/√(s² + σ²) − s²/(s² + σ²)) ≈ (x − μ)·σ²/(2s²),
      // under 3σ·σ_min²/(2s) ≤ 6e-4 for σ_min ≈ 0.0105 (vp), 0.0101 (ve), 0.001 (flow)
      const p = getProcess(process);
      const start = START.map((z) => z * p.priorStd);
      const run = await reverse({ mix: gaussian, process: p, sampler: playgroundSampler('heun'), steps: 1000, start, noiseSeed: 0 });
      expect(maxAbsDiff(run.points, exactOde(p, start, run.sigmas[0], 0))).toBeLessThan(1e-3);
    });
  }
});

describe('convergence order against the closed form', () => {
  // observed order = log2(error(N) / error(2N)) for N = 64 → 128 → 256 (from 32, DPM++ 2M on vp is
  // still settling: its first step is first order and the uniform-t vp schedule takes big log-σ steps)
  const cases: [string, number, number][] = [
    ['euler', 0.85, 1.25],
    ['ddim', 0.85, 1.25], // η = 0 DDIM is Euler in this frame
    ['heun', 1.75, 2.35],
    ['dpmpp_2m', 1.7, 2.5],
  ];
  for (const process of PROCESSES) {
    for (const [sampler, lo, hi] of cases) {
      it(`${process} / ${sampler}: order in [${lo}, ${hi}]`, async () => {
        const errors: number[] = [];
        for (const n of [32, 64, 128, 256]) errors.push(await errorAt(process, sampler, n));
        const orders = errors.slice(1).map((e, i) => Math.log2(errors[i] / e));
        for (const o of orders.slice(1)) {
          expect(o).toBeGreaterThan(lo);
          expect(o).toBeLessThan(hi);
        }
      });
    }
  }
});

describe('generated points have the data moments', () => {
  // 4000 points from seed 3. Tolerances: 4 standard errors of the sample statistic, plus
  // - for the mean, 0.01: the VE prior N(0, 50²) ignores the data mean, which shifts the result by
  //   μ·s/√(s² + 50²) ≈ 0.009 (vp and flow start at σ̃ ≈ 152 and 999: under 0.003);
  // - for variances, 2%: discretisation bias at these step counts (measured ≤ 3% for Euler at 100
  //   steps; stochastic samplers are first order in the step and get 500–1000 steps).
  const N = 4000;
  const cases: [string, ProcessId, string, number][] = [
    ['gaussian', 'vp', 'heun', 50],
    ['gaussian', 've', 'dpmpp_2m', 50],
    ['gaussian', 'flow', 'euler', 100],
    ['gaussian', 'vp', 'ddpm', 1000],
    ['gaussian', 'vp', 'euler_maruyama', 1000],
    ['gaussian', 'flow', 'euler_maruyama', 1000],
    ['gaussian', 've', 'dpmpp_2m_sde', 200],
    ['two', 'vp', 'heun', 50],
    ['two', 'flow', 'heun', 50],
    ['two', 've', 'euler_ancestral', 500],
    ['two', 'vp', 'ddpm', 1000],
  ];
  const variance = (v: number, tol: number, exact: number): void => expect(Math.abs(v - exact)).toBeLessThan(tol + 0.02 * exact);
  for (const [data, process, sampler, steps] of cases) {
    it(`${data} / ${process} / ${sampler} ${steps} steps`, async () => {
      const r = await generate({ data, process, sampler, steps, count: N, seed: 3 });
      expect(r.points).toHaveLength(N);
      const m = pointMoments(Float64Array.from(r.points.flat()));
      if (data === 'gaussian') {
        // mean (1.5, −0.5), variance 0.09 on both axes, no correlation; SE of the mean 0.3/√N,
        // of a Gaussian variance 0.09·√(2/N), of the covariance 0.09/√N
        const se = 0.3 / Math.sqrt(N);
        expect(Math.abs(m.mean[0] - 1.5)).toBeLessThan(4 * se + 0.01);
        expect(Math.abs(m.mean[1] + 0.5)).toBeLessThan(4 * se + 0.01);
        variance(m.cov[0], 4 * 0.09 * Math.sqrt(2 / N), 0.09);
        variance(m.cov[2], 4 * 0.09 * Math.sqrt(2 / N), 0.09);
        expect(Math.abs(m.cov[1])).toBeLessThan((4 * 0.09) / Math.sqrt(N));
      } else {
        // means (±2, 0), std 0.5, equal weights: mean 0, var_x = 4 + 0.25, var_y = 0.25. The x
        // variance of this bimodal law has SE √((E[x⁴] − var²)/N) = √((16 + 6 + 0.1875 − 18.0625)/N)
        expect(Math.abs(m.mean[0])).toBeLessThan(4 * Math.sqrt(4.25 / N) + 0.01);
        expect(Math.abs(m.mean[1])).toBeLessThan(4 * Math.sqrt(0.25 / N) + 0.01);
        variance(m.cov[0], 4 * Math.sqrt(4.125 / N), 4.25);
        variance(m.cov[2], 4 * 0.25 * Math.sqrt(2 / N), 0.25);
        // and the two modes keep equal weight: the share right of 0 is ½ within 4 SE of a proportion
        const right = r.points.filter(([x]) => x > 0).length / N;
        expect(Math.abs(right - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / N));
      }
    });
  }

  it('the same seed gives the same points; the model calls are counted', async () => {
    const a = await generate({ data: 'two', process: 'vp', sampler: 'heun', steps: 10, count: 50, seed: 9 });
    const b = await generate({ data: 'two', process: 'vp', sampler: 'heun', steps: 10, count: 50, seed: 9 });
    expect(a).toEqual(b);
    expect(a.nfe).toBe(19); // Heun: two calls a step, one on the last
    const c = await generate({ data: 'two', process: 'vp', sampler: 'euler_ancestral', steps: 10, count: 50, seed: 10 });
    expect(c.points).not.toEqual(a.points);
    expect(c.nfe).toBe(10);
    await expect(generate({ data: 'two', process: 'vp', sampler: 'plms', steps: 10, count: 5, seed: 0 })).rejects.toThrow(/unknown sampler "plms"; valid ids: euler, .*ddpm, euler_maruyama/);
  });
});
