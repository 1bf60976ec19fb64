/**
 * Anomaly map on the tight-prior fixture: an image drawn from the model's own prior with two defects
 * the model cannot explain — per-pixel detail its 8×8-averaging VAE cannot represent, and a block whose
 * latents lie far outside the prior N(0, 0.01) — must light up there and nowhere else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rgb8Image } from '../../../src-main/engine/imageio/convert.ts';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { anomalyMap } from '../../../src-main/engine/pipelines/anomaly.ts';
import { fixture, imageFromLatents, pngToRgb8, randomLatents, rgbToPng } from './helpers.ts';

const cache = new PipelineCache({ maxModels: 1 });
afterAll(() => cache.dispose());

const DIR = fixture('sd15-lowvar');
const CHECKER = { x: 8, y: 8, w: 16, h: 16 };
const OUTLIER = { bx: 5, by: 5 }; // latent block → pixels 40..47
let normal: Rgb8Image;
let defective: Rgb8Image;

function inRect(x: number, y: number, r: { x: number; y: number; w: number; h: number }): boolean {
  return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

beforeAll(async () => {
  const model = await cache.model(DIR, 'auto');
  const latents = randomLatents(6, [1, 4, 8, 8], 0.1);
  normal = await imageFromLatents(model, latents);
  const odd = { ...latents, data: Float32Array.from(latents.data) };
  odd.data[0 * 64 + OUTLIER.by * 8 + OUTLIER.bx] += 1.2; // 12 prior standard deviations
  const base = await imageFromLatents(model, odd);
  const data = Uint8Array.from(base.data);
  for (let y = CHECKER.y; y < CHECKER.y + CHECKER.h; y++) {
    for (let x = CHECKER.x; x < CHECKER.x + CHECKER.w; x++) {
      for (let c = 0; c < 3; c++) data[(y * 64 + x) * 3 + c] = Math.min(255, Math.max(0, data[(y * 64 + x) * 3 + c] + ((x + y) % 2 === 0 ? 40 : -40)));
    }
  }
  defective = { width: 64, height: 64, data };
});

describe('anomaly map', () => {
  it('lights up the unexplainable regions and scores the defective image higher than a normal one', async () => {
    const r = await anomalyMap({ modelDir: DIR, image: await rgbToPng(defective), seed: 4, steps: 10 }, { cache });
    expect([r.width, r.height]).toEqual([64, 64]);
    expect(r.seeds).toEqual([4, 5, 6, 7]);
    expect(r.strength).toBe(0.3);
    const mean = (pred: (x: number, y: number) => boolean): number => {
      let s = 0;
      let n = 0;
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          if (!pred(x, y)) continue;
          s += r.errors[y * 64 + x];
          n++;
        }
      }
      return s / n;
    };
    const outlierRect = { x: OUTLIER.bx * 8, y: OUTLIER.by * 8, w: 8, h: 8 };
    const checker = mean((x, y) => inRect(x, y, CHECKER));
    const outlier = mean((x, y) => inRect(x, y, outlierRect));
    const rest = mean((x, y) => !inRect(x, y, CHECKER) && !inRect(x, y, outlierRect));
    expect(checker).toBeGreaterThan(6 * rest);
    expect(outlier).toBeGreaterThan(6 * rest);
    const clean = await anomalyMap({ modelDir: DIR, image: await rgbToPng(normal), seed: 4, steps: 10 }, { cache });
    expect(r.score).toBeGreaterThan(1.4 * clean.score);
    expect(r.p99).toBeGreaterThan(3 * clean.p99);
    // the heatmap: Turbo, full scale at the 99th percentile; the hot regions are red-ish, the rest blue-ish
    const heat = await pngToRgb8(r.heatmapPng);
    const px = (x: number, y: number): number[] => Array.from(heat.data.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3));
    const [hr, , hb] = px(outlierRect.x + 4, outlierRect.y + 4);
    const [cr, , cb] = px(60, 2);
    expect(hr).toBeGreaterThan(hb);
    expect(cb).toBeGreaterThan(cr);
    expect(r.scale).toBe(r.p99);
    expect((await pngToRgb8(r.overlayPng)).width).toBe(64);
    expect((await pngToRgb8(r.reconstructionPng)).width).toBe(64);
  });

  it('refuses strength 0, too many samples and a non-positive scale', async () => {
    const png = await rgbToPng(normal);
    await expect(anomalyMap({ modelDir: DIR, image: png, strength: 0 }, { cache })).rejects.toThrow(/needs a strength above 0/);
    await expect(anomalyMap({ modelDir: DIR, image: png, samples: 17 }, { cache })).rejects.toThrow('samples must be a whole number from 1 to 16, got 17');
    await expect(anomalyMap({ modelDir: DIR, image: png, scale: 0 }, { cache })).rejects.toThrow('heatmap scale must be a positive error in 8-bit units, got 0');
  });
});
