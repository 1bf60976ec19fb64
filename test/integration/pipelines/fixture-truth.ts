/**
 * What the tiny Gaussian fixtures must produce (formulas in test/fixtures/make_models.py): for a
 * prompt c the data is N(m(c), v·I) with m(c) = Σ word rows; the UNet is the exact denoiser
 * D(x, σ) = m + (x − m)·v/(v + σ²), so CFG with scale w is the exact denoiser of N(m_w, v) with
 * m_w = w·m_cond + (1 − w)·m_uncond.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures', 'models');

interface FixtureDoc {
  data_var: number;
  b_dec: number[][];
  bias_dec: number[];
  word_rows: Record<string, number[]>;
  folders: Record<string, { channels: number; io: string; t_dtype: string; prediction: 'epsilon' | 'v_prediction'; scaling_factor: number; factor: number }>;
}

export const truth = JSON.parse(readFileSync(path.join(FIXTURES, 'fixtures.json'), 'utf8')) as FixtureDoc;

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** m(c) per latent channel: the sum of the rows of the prompt's known words. */
export function promptMean(prompt: string, channels: number): number[] {
  const m = new Array<number>(channels).fill(0);
  for (const word of prompt.toLowerCase().split(/[^a-z]+/).filter(Boolean)) {
    const row = truth.word_rows[word];
    if (row) for (let k = 0; k < channels; k++) m[k] += row[k];
  }
  return m;
}

export function guidedMean(cond: string, uncond: string, w: number, channels: number): number[] {
  const mc = promptMean(cond, channels);
  const mu = promptMean(uncond, channels);
  return mc.map((c, k) => w * c + (1 - w) * mu[k]);
}

/**
 * The denoiser x̂₀(x, σ) as the engine sees it for one latent element whose data mean is m.
 * The engine feeds the UNet x·c_in with c_in = 1/√(σ² + 1) and the timestep of σ; an int64 export
 * gets round(t), so the fixture reads its noise level back as s = σ(round(t)) ("seen"), undoes c_in
 * with s, computes its exact D for s and returns ε or v for s; the engine then applies k-diffusion's
 * eps (x − σ·ε) or v (x/(σ²+1) − σ/√(σ²+1)·v) scalings with the continuous σ.
 */
export function engineDenoiser(m: number, v: number, prediction: 'epsilon' | 'v_prediction', seen: (sigma: number) => number = (s) => s) {
  return (x: number, sigma: number): number => {
    const s = seen(sigma);
    const xu = (x / Math.sqrt(sigma * sigma + 1)) * Math.sqrt(s * s + 1);
    const d = m + ((xu - m) * v) / (v + s * s);
    if (prediction === 'epsilon') return x - (sigma * (xu - d)) / s;
    const vp = ((xu / (s * s + 1) - d) * Math.sqrt(s * s + 1)) / s;
    return x / (sigma * sigma + 1) - (sigma / Math.sqrt(sigma * sigma + 1)) * vp;
  };
}

/** k-diffusion sample_euler (no churn) on one element, in float64. */
export function eulerPath(x: number, sigmas: Float64Array, denoise: (x: number, sigma: number) => number): number {
  for (let i = 0; i + 1 < sigmas.length; i++) {
    const d = (x - denoise(x, sigmas[i])) / sigmas[i];
    x += d * (sigmas[i + 1] - sigmas[i]);
  }
  return x;
}

/** Euler's gain on the exact Gaussian denoiser: x_final − m = (x_T − m)·Π(1 + (σ_{i+1} − σ_i)σ_i/(v + σ_i²)). */
export function eulerGain(sigmas: Float64Array, v: number): number {
  let g = 1;
  for (let i = 0; i + 1 < sigmas.length; i++) g *= 1 + ((sigmas[i + 1] - sigmas[i]) * sigmas[i]) / (v + sigmas[i] ** 2);
  return g;
}

/** Per-channel mean and standard deviation of a [B, C, h, w] tensor. */
export function channelStats(data: Float32Array, dims: readonly number[]): { mean: number[]; std: number[] } {
  const [b, c, h, w] = dims;
  const plane = h * w;
  const mean: number[] = [];
  const std: number[] = [];
  for (let k = 0; k < c; k++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < b; i++) {
      const off = (i * c + k) * plane;
      for (let j = 0; j < plane; j++) {
        const x = data[off + j];
        s += x;
        s2 += x * x;
      }
    }
    const n = b * plane;
    mean.push(s / n);
    std.push(Math.sqrt(s2 / n - (s / n) ** 2));
  }
  return { mean, std };
}
