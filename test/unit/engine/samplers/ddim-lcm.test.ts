/**
 * DDIM and LCM are not in the golden file: DDIM is checked against an independent implementation of
 * Song et al. (2021) eq. 12 in ᾱ (variance-preserving) space, LCM against ComfyUI's update rule.
 */
import { describe, expect, it } from 'vitest';
import { getSampler } from '../../../../src-main/engine/samplers/registry.ts';
import { DiscreteSchedule, SD1_TRAINING_SCHEDULE } from '../../../../src-main/engine/schedules/discrete.ts';
import { buildSigmas } from '../../../../src-main/engine/schedules/index.ts';
import { relErr } from '../schedules/golden.ts';
import { NormalStream, f64, gaussianDenoiser, normals } from './harness.ts';
import type { F64Tensor } from './harness.ts';

const model = new DiscreteSchedule(SD1_TRAINING_SCHEDULE);
const mean = [0.33, 0.13, 0.03, 0.31, -0.23, -0.08, -0.76, 0.19];
const v = 0.25;
const exactD = (x: number, i: number, sigma: number): number => mean[i] + (x - mean[i]) * (v / (v + sigma * sigma));

/**
 * DDIM in its own variables: z_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε with ᾱ = 1/(1+σ²) (so z = x/√(1+σ²)),
 *   z_prev = √ᾱ_prev·x̂₀ + √(1 − ᾱ_prev − s²)·ε̂ + s·z,   s = η·√((1−ᾱ_prev)/(1−ᾱ_t))·√(1 − ᾱ_t/ᾱ_prev).
 * Written from the paper, not from the sampler; returns x = z·√(1+σ²) at the end (σ_end = 0 → x = z).
 */
function ddimAlphaBar(xT: number[], sigmas: Float64Array, eta: number, draws: number[][]): number[] {
  let z = xT.map((x) => x / Math.sqrt(1 + sigmas[0] ** 2));
  let k = 0;
  for (let i = 0; i + 1 < sigmas.length; i++) {
    const a = 1 / (1 + sigmas[i] ** 2);
    const aPrev = 1 / (1 + sigmas[i + 1] ** 2);
    const x0 = z.map((zi, j) => exactD(zi / Math.sqrt(a), j, sigmas[i])); // the model sees x = z/√ᾱ
    const eps = z.map((zi, j) => (zi - Math.sqrt(a) * x0[j]) / Math.sqrt(1 - a));
    const s = eta * Math.sqrt((1 - aPrev) / (1 - a)) * Math.sqrt(1 - a / aPrev);
    const noise = s > 0 ? draws[k++] : undefined;
    z = z.map((_, j) => Math.sqrt(aPrev) * x0[j] + Math.sqrt(Math.max(0, 1 - aPrev - s * s)) * eps[j] + (noise ? s * noise[j] : 0));
  }
  return z.map((zi) => zi * Math.sqrt(1 + sigmas[sigmas.length - 1] ** 2));
}

async function run(id: string, xT: number[], sigmas: Float64Array, draws: number[][], options = {}): Promise<{ out: F64Tensor; used: number }> {
  let used = 0;
  const out = await getSampler(id).fn(gaussianDenoiser(mean, v, (a) => f64(a)), f64(xT), sigmas, { noise: () => f64(draws[used++]) }, options);
  return { out, used };
}

describe('DDIM (Song et al. 2021) in sigma space', () => {
  const sigmas = buildSigmas('normal', 12, model);
  const xT = normals(21, 8).map((z) => z * sigmas[0]);
  const draws = Array.from({ length: 12 }, (_, k) => normals(500 + k, 8));

  it('eta = 0 matches the ᾱ-space DDIM update exactly', async () => {
    const { out, used } = await run('ddim', xT, sigmas, draws);
    expect(used).toBe(0);
    expect(relErr(out.data, ddimAlphaBar(xT, sigmas, 0, draws))).toBeLessThan(1e-12);
  });

  it('eta = 0 is the Euler method on the probability-flow ODE', async () => {
    const a = await run('ddim', xT, sigmas, draws);
    const b = await run('euler', xT, sigmas, draws);
    expect(relErr(a.out.data, b.out.data)).toBeLessThan(1e-12);
  });

  it('also on a sliced (img2img) schedule that does not end in 0', async () => {
    const part = sigmas.subarray(3, 9);
    const x = normals(22, 8).map((z) => z * part[0]);
    const { out } = await run('ddim', x, part, draws);
    expect(relErr(out.data, ddimAlphaBar(x, part, 0, draws))).toBeLessThan(1e-12);
  });

  for (const eta of [0.5, 1]) {
    it(`eta = ${eta} matches stochastic ᾱ-space DDIM with the same noise draws`, async () => {
      const { out, used } = await run('ddim', xT, sigmas, draws, { eta });
      expect(used).toBe(11); // one draw per step except the last (to sigma 0)
      expect(relErr(out.data, ddimAlphaBar(xT, sigmas, eta, draws))).toBeLessThan(1e-12);
    });
  }

  it('eta = 1 coincides with Euler ancestral (DDIM’s σ_t/√ᾱ_prev is the ancestral σ_up)', async () => {
    const a = await run('ddim', xT, sigmas, draws, { eta: 1 });
    const b = await run('euler_ancestral', xT, sigmas, draws, { eta: 1 });
    expect(relErr(a.out.data, b.out.data)).toBeLessThan(1e-12);
  });
});

describe('LCM (ComfyUI sample_lcm)', () => {
  it('each step jumps to x̂₀ and re-noises to the next sigma; the last step returns x̂₀', async () => {
    const sigmas = buildSigmas('sgm_uniform', 4, model);
    const stream = new NormalStream(9);
    const draws = Array.from({ length: 3 }, () => stream.draw(8));
    const xT = normals(23, 8).map((z) => z * sigmas[0]);
    const { out, used } = await run('lcm', xT, sigmas, draws);
    expect(used).toBe(3);
    let x = xT;
    for (let i = 0; i < 4; i++) {
      const d = x.map((xi, j) => exactD(xi, j, sigmas[i]));
      x = sigmas[i + 1] > 0 ? d.map((dj, j) => dj + sigmas[i + 1] * draws[i][j]) : d;
    }
    expect(relErr(out.data, x)).toBeLessThan(1e-14);
  });
});
