/**
 * The playground's exact formulas: mixture density, denoiser and score against each other and
 * against finite differences; the processes' clocks; the sliced Wasserstein distance on clouds
 * whose distance is known; the forward frames.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../src-main/engine/runtime/rng.ts';
import { denoise, density, mixture, moments, sampleMixture, score } from '../../../../src-main/engine/playground/mixture.ts';
import { pointMoments, slicedWasserstein } from '../../../../src-main/engine/playground/metrics.ts';
import { DATASETS, dataMixture, presetMixture } from '../../../../src-main/engine/playground/presets.ts';
import { PROCESSES, getProcess, kSigma, processSigmas } from '../../../../src-main/engine/playground/process.ts';
import { field, forwardFrames, gridCentres } from '../../../../src-main/engine/playground/view.ts';
import { EngineError } from '../../../../src-main/engine/types.ts';

const two = presetMixture('two');

describe('mixture closed forms', () => {
  it('the score is the gradient of log density (central differences), and Tweedie holds: α·D − x = σ²·score', () => {
    const points = Float64Array.from([0.3, -0.4, -1.7, 0.2, 2.5, 1.1, 0, 0]);
    for (const [sigma, alpha] of [[0.7, 1], [0.4, 0.8], [1.3, 0.35]]) {
      const s = score(two, points, sigma, alpha);
      const d = denoise(two, points, sigma, alpha);
      const h = 1e-5;
      for (let i = 0; i < points.length; i += 2) {
        const [x, y] = [points[i], points[i + 1]];
        const lp = (a: number, b: number): number => Math.log(density(two, a, b, sigma, alpha));
        // central differences of log p: truncation O(h²·p'''), rounding O(1e-16/h); both below 1e-8 here
        expect(s[i]).toBeCloseTo((lp(x + h, y) - lp(x - h, y)) / (2 * h), 6);
        expect(s[i + 1]).toBeCloseTo((lp(x, y + h) - lp(x, y - h)) / (2 * h), 6);
        expect(alpha * d[i] - x).toBeCloseTo(sigma * sigma * s[i], 12);
        expect(alpha * d[i + 1] - y).toBeCloseTo(sigma * sigma * s[i + 1], 12);
      }
    }
  });

  it('one Gaussian: D(x, σ) = μ + s²/(s² + σ²)·(x − μ) exactly', () => {
    const g = presetMixture('gaussian');
    const d = denoise(g, [0, 0, 3, 1], 0.5);
    const w = 0.09 / (0.09 + 0.25);
    expect(d[0]).toBeCloseTo(1.5 + w * (0 - 1.5), 14);
    expect(d[1]).toBeCloseTo(-0.5 + w * (0 + 0.5), 14);
    expect(d[2]).toBeCloseTo(1.5 + w * (3 - 1.5), 14);
    expect(d[3]).toBeCloseTo(-0.5 + w * (1 + 0.5), 14);
  });

  it('stays finite far from every component (log-sum-exp)', () => {
    const d = denoise(two, [400, -300], 0.01);
    expect(d.every(Number.isFinite)).toBe(true);
    // the nearer component (mean (2, 0)) owns the point: D = μ + s²/(s² + σ²)·(x − μ)
    const w = 0.25 / (0.25 + 0.0001);
    expect(d[0]).toBeCloseTo(2 + w * 398, 9);
    expect(d[1]).toBeCloseTo(w * -300, 9);
  });

  it('density integrates to 1 on a fine grid, at any α and σ', () => {
    for (const [sigma, alpha] of [[0, 1], [0.5, 0.6], [1, 0]]) {
      const n = 200;
      const e = 8;
      const cell = (2 * e) / n;
      let sum = 0;
      for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) sum += density(two, -e + (c + 0.5) * cell, -e + (r + 0.5) * cell, sigma, alpha) * cell * cell;
      expect(sum).toBeCloseTo(1, 3);
    }
  });

  it('samples have the mixture moments (8000 points: 4 standard errors)', () => {
    const x = sampleMixture(two, 8000, new Rng(11));
    const m = pointMoments(x);
    const exact = moments(two);
    expect(exact.mean).toEqual([0, 0]);
    expect(exact.cov[0][0]).toBeCloseTo(4.25, 12);
    // SE of the mean: √(4.25/8000) = 0.023 in x, √(0.25/8000) = 0.0056 in y
    expect(Math.abs(m.mean[0])).toBeLessThan(0.092);
    expect(Math.abs(m.mean[1])).toBeLessThan(0.023);
    // SE of a variance ≈ σ²·√(2/n) for near-Gaussian data; x is bimodal (kurtosis < 3), so this bounds it
    expect(Math.abs(m.cov[0] - 4.25)).toBeLessThan(4 * 4.25 * Math.sqrt(2 / 8000));
    expect(Math.abs(m.cov[2] - 0.25)).toBeLessThan(4 * 0.25 * Math.sqrt(2 / 8000));
  });

  it('every preset is a valid mixture inside the drawn square; bad input says what to do', () => {
    for (const id of DATASETS) {
      const m = presetMixture(id);
      for (let k = 0; k < m.weights.length; k++) expect(Math.max(Math.abs(m.mx[k]), Math.abs(m.my[k]))).toBeLessThan(3.5);
      expect(m.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    expect(dataMixture('points', [[0, 0], [1, 1]]).weights).toHaveLength(2);
    expect(() => dataMixture('spiral')).toThrow(/unknown data set "spiral"; choose one of gaussian, two, rings, moons, smiley, letters or points/);
    expect(() => dataMixture('points', [])).toThrow(/at least one point/);
    expect(() => dataMixture('points', [[0, 9]])).toThrow(/user point 0 is \[0,9\]/);
    expect(() => mixture([{ weight: 0, mean: [0, 0], std: 1 }])).toThrow(EngineError);
  });
});

describe('processes', () => {
  it('α(t)·x̃ with σ̃ = σ/α: alphaOf and timeOf invert kSigma', () => {
    for (const id of PROCESSES) {
      const p = getProcess(id);
      for (const t of [0.001, 0.1, 0.5, 0.9, p.tMax]) {
        const s = kSigma(p, t);
        expect(p.timeOf(s)).toBeCloseTo(t, 10);
        expect(p.alphaOf(s)).toBeCloseTo(p.alpha(t), 12);
      }
      expect(p.sigma(0)).toBe(0);
      expect(p.alpha(0)).toBe(1);
    }
    // VP preserves variance: α² + σ² = 1
    const vp = getProcess('vp');
    for (const t of [0.2, 0.7, 1]) expect(vp.alpha(t) ** 2 + vp.sigma(t) ** 2).toBeCloseTo(1, 14);
    expect(() => getProcess('edm')).toThrow(/unknown process "edm"; choose one of vp, ve, flow/);
  });

  it('schedules descend from σ̃(tMax) to σ̃(tMin), then 0', () => {
    for (const id of PROCESSES) {
      const p = getProcess(id);
      const s = processSigmas(p, 10);
      expect(s).toHaveLength(11);
      expect(s[0]).toBeCloseTo(kSigma(p, p.tMax), 10);
      expect(s[9]).toBeCloseTo(kSigma(p, p.tMin), 10);
      expect(s[10]).toBe(0);
      for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThan(s[i - 1]);
    }
    expect(() => processSigmas(getProcess('vp'), 0)).toThrow(/steps must be a whole number ≥ 1, got 0/);
  });
});

describe('sliced Wasserstein distance', () => {
  it('is 0 for the same cloud and |a|/√2 for a cloud shifted by (a, 0)', () => {
    const x = sampleMixture(two, 300, new Rng(5));
    expect(slicedWasserstein(x, x)).toBe(0);
    const shifted = x.map((v, i) => (i % 2 === 0 ? v + 0.8 : v));
    // projections shift by 0.8·cos θ; the mean of cos² over the 64 evenly spaced θ is exactly ½
    expect(slicedWasserstein(x, shifted)).toBeCloseTo(0.8 / Math.SQRT2, 10);
  });

  it('of two point masses is their distance times 1/√2', () => {
    expect(slicedWasserstein([0, 0], [0, 3])).toBeCloseTo(3 / Math.SQRT2, 12);
  });
});

describe('forward frames', () => {
  it('start at the data, end at pure noise, with the density and field of each time', () => {
    const x0 = Float64Array.from([1, 2, -1, 0.5]);
    const eps = Float64Array.from([0.3, -0.2, 1.1, 0.4]);
    for (const id of PROCESSES) {
      const p = getProcess(id);
      const { frames, fieldKind } = forwardFrames(two, p, x0, eps);
      expect(fieldKind).toBe(id === 'flow' ? 'velocity' : 'score');
      expect(frames[0].points).toEqual([[1, 2], [-1, 0.5]]);
      const last = frames[frames.length - 1];
      expect(last.t).toBe(1);
      expect(last.points[0][0]).toBeCloseTo(p.alpha(1) * 1 + p.sigma(1) * 0.3, 4); // drawn points are rounded to 1e-4
      expect(Math.max(...frames[0].density)).toBe(255);
    }
    // flow at t = 1 is pure noise: x = ε exactly
    expect(forwardFrames(two, getProcess('flow'), x0, eps).frames[20].points[1]).toEqual([1.1, 0.4]);
  });

  it('the flow velocity E[ε − x₀ | x_t] of (nearly) a point mass x₀ is (x − x₀)/t: the straight line through x and x₀', () => {
    const narrow = mixture([{ weight: 1, mean: [1, -1], std: 1e-6 }]);
    const p = getProcess('flow');
    const pts = gridCentres(3, 2);
    const v = field(narrow, p, 0.5, pts);
    for (let i = 0; i < pts.length; i += 2) {
      expect(v[i]).toBeCloseTo((pts[i] - 1) / 0.5, 6);
      expect(v[i + 1]).toBeCloseTo((pts[i + 1] + 1) / 0.5, 6);
    }
  });
});
