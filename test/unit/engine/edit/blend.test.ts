import { describe, expect, it } from 'vitest';
import { inpaintConcat, latentBlendDenoiser } from '../../../../src-main/engine/guidance/inpaint.ts';
import { heatmapRgb8, quantile, turbo } from '../../../../src-main/engine/imageio/heatmap.ts';
import { sigmasFrom } from '../../../../src-main/engine/pipelines/noise-level.ts';
import { DiscreteSchedule, SD1_TRAINING_SCHEDULE } from '../../../../src-main/engine/schedules/discrete.ts';
import type { F32Tensor } from '../../../../src-main/engine/types.ts';

const t = (dims: number[], values: number[]): F32Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });

describe('latent blending wrapper', () => {
  it('feeds x where m = 1, the re-noised original known + σ·ε where m = 0, a mix between; blends x̂₀ the same way', async () => {
    const seen: F32Tensor[] = [];
    const inner = (x: F32Tensor): Promise<F32Tensor> => {
      seen.push(x);
      return Promise.resolve({ ...x, data: x.data.map((v) => v * 0.5 + 100) });
    };
    // latents [B=2, C=1, 1×3]; mask per pixel: repaint, keep, half
    const known = t([1, 1, 1, 3], [1, 2, 3]);
    const mask = t([1, 1, 1, 3], [1, 0, 0.5]);
    const noise = t([2, 1, 1, 3], [0.1, 0.2, 0.3, -0.1, -0.2, -0.3]);
    const d = latentBlendDenoiser(inner, known, mask, noise);
    const x = t([2, 1, 1, 3], [7, 8, 9, 17, 18, 19]);
    const sigma = 2;
    const out = await d(x, sigma);
    const f = Math.fround;
    expect(Array.from(seen[0].data)).toEqual([7, f(2 + 2 * 0.2), f(0.5 * 9 + 0.5 * (3 + 2 * 0.3)), 17, f(2 - 2 * 0.2), f(0.5 * 19 + 0.5 * (3 - 2 * 0.3))]);
    const inner0 = seen[0].data.map((v) => v * 0.5 + 100);
    expect(Array.from(out.data)).toEqual([inner0[0], 2, f(0.5 * inner0[2] + 0.5 * 3), inner0[3], 2, f(0.5 * inner0[5] + 0.5 * 3)]);
    expect(out.data[0]).toBe(x.data[0] * 0.5 + 100); // exact where m = 1
  });

  it('9-channel conditioning is [mask, masked-image latents] along channels', () => {
    const c = inpaintConcat(t([1, 1, 1, 2], [1, 0]), t([1, 2, 1, 2], [5, 6, 7, 8]));
    expect(c.dims).toEqual([1, 3, 1, 2]);
    expect(Array.from(c.data)).toEqual([1, 0, 5, 6, 7, 8]);
  });
});

describe('sigmas from a start level (denoising)', () => {
  const model = new DiscreteSchedule(SD1_TRAINING_SCHEDULE);
  it.each(['karras', 'exponential', 'normal', 'simple', 'sgm_uniform'] as const)('%s: starts at σ_start, strictly falls to the model minimum, ends in 0', (id) => {
    const s = sigmasFrom(id, 6, model, 0.8);
    expect(s).toHaveLength(7);
    expect(s[0]).toBeCloseTo(0.8, 12);
    expect(s[5]).toBeCloseTo(model.sigmaMin, 10);
    expect(s[6]).toBe(0);
    for (let i = 1; i < 7; i++) expect(s[i]).toBeLessThan(s[i - 1]);
  });

  it('one step jumps straight to 0 (the denoiser’s x̂₀); a start at or below σ_min is refused', () => {
    expect(Array.from(sigmasFrom('karras', 1, model, 0.5))).toEqual([0.5, 0]);
    expect(() => sigmasFrom('karras', 4, model, model.sigmaMin)).toThrow(/is not above the model's smallest noise level/);
  });
});

describe('Turbo heatmap', () => {
  it('runs blue → green → red and clamps', () => {
    const [r1, g1, b1] = turbo(0.25);
    expect(b1).toBeGreaterThan(Math.max(r1, g1));
    const [r2, g2, b2] = turbo(0.5);
    expect(g2).toBeGreaterThan(Math.max(r2, b2));
    const [r3, g3, b3] = turbo(1);
    expect(r3).toBeGreaterThan(Math.max(g3, b3));
    expect(turbo(7)).toEqual(turbo(1));
    expect(turbo(-1)).toEqual(turbo(0));
    expect(turbo(Number.NaN)).toEqual(turbo(0));
    const h = heatmapRgb8(Float32Array.of(0, 5, 10), 3, 1, 10);
    expect(Array.from(h.data.subarray(6, 9))).toEqual(turbo(1));
    expect(quantile(Float32Array.of(5, 1, 3, 2, 4), 0.5)).toBe(3);
    expect(() => heatmapRgb8(Float32Array.of(1), 1, 1, 0)).toThrow('heatmap scale must be positive, got 0');
  });
});
