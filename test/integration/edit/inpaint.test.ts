/**
 * Inpainting on the tiny Gaussian fixtures. The Gaussian UNet works pixel by pixel, which makes two
 * strong checks possible: under latent blending the painted latents follow exactly the txt2img path of
 * the same seed, and a 9-channel UNet's result follows the Euler path of its mask-mixed mean.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../../src-main/engine/imageio/png.ts';
import { rgb8ToPixels } from '../../../src-main/engine/imageio/convert.ts';
import type { Rgb8Image } from '../../../src-main/engine/imageio/convert.ts';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { inpaint } from '../../../src-main/engine/pipelines/inpaint.ts';
import { txt2imgLatents } from '../../../src-main/engine/pipelines/txt2img.ts';
import { Rng } from '../../../src-main/engine/runtime/rng.ts';
import { buildSigmas } from '../../../src-main/engine/schedules/index.ts';
import { engineDenoiser, eulerPath, fixture, imageFromLatents, pngToRgb8, promptMean, randomLatents, rectMaskPng, rgbToPng, truth } from './helpers.ts';

const cache = new PipelineCache({ maxModels: 4 });
afterAll(() => cache.dispose());

const TINY = fixture('reverie-tiny');
const BASE = { modelDir: TINY, prompt: 'green', cfgScale: 1, sampler: 'euler', schedule: 'karras', steps: 8, seed: 11, width: 64, height: 64 };
const RECT = { x: 16, y: 16, w: 32, h: 24 }; // on 8×8 block boundaries

let image: Rgb8Image;
let png: Buffer;
let maskPng: Buffer;

beforeAll(async () => {
  const model = await cache.model(TINY, 'auto');
  image = await imageFromLatents(model, randomLatents(21, [1, 3, 8, 8], 0.5));
  png = await rgbToPng(image);
  maskPng = await rectMaskPng(64, 64, RECT);
});

/** pixels of a w×h image outside the rectangle grown by `margin` */
function outside(w: number, h: number, rect: typeof RECT, margin: number): number[] {
  const idx: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x < rect.x - margin || x >= rect.x + rect.w + margin || y < rect.y - margin || y >= rect.y + rect.h + margin) idx.push(y * w + x);
    }
  }
  return idx;
}

function changedPixels(a: Rgb8Image, b: Rgb8Image, pixels: readonly number[]): number {
  return pixels.filter((p) => a.data[p * 3] !== b.data[p * 3] || a.data[p * 3 + 1] !== b.data[p * 3 + 1] || a.data[p * 3 + 2] !== b.data[p * 3 + 2]).length;
}

describe('inpainting by latent blending (any model)', () => {
  it('painted latents follow exactly the txt2img path of the same seed; the known latents end at the original', async () => {
    const r = await inpaint({ ...BASE, image: png, mask: maskPng, feather: 0 }, { cache, record: true });
    expect(r.nineChannel).toBe(false);
    const t = (await txt2imgLatents(BASE, { cache })).batches[0].latents;
    const final = r.recordings[0].final?.data ?? new Float32Array();
    const model = await cache.model(TINY, 'auto');
    const known = await model.encode(rgb8ToPixels([image]));
    let painted = 0;
    let worstKnown = 0;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          const j = c * 64 + y * 8 + x;
          const inside = x >= 2 && x < 6 && y >= 2 && y < 5;
          if (inside) {
            expect(final[j]).toBe(t.data[j]);
            painted++;
          } else {
            worstKnown = Math.max(worstKnown, Math.abs(final[j] - known.data[j]));
          }
        }
      }
    }
    expect(painted).toBe(36);
    expect(worstKnown).toBeLessThan(1e-4);
  });

  it('keeps every pixel outside the feathered mask exactly, repaints inside, and feathers the edge', async () => {
    const feather = 2; // kernel cut at 3σ = 6 px
    const r = await inpaint({ ...BASE, image: png, mask: maskPng, feather }, { cache });
    const out = await pngToRgb8(r.images[0].png);
    const far = outside(64, 64, RECT, 6);
    expect(changedPixels(out, image, far)).toBe(0);
    const inner: number[] = [];
    for (let y = RECT.y + 6; y < RECT.y + RECT.h - 6; y++) for (let x = RECT.x + 6; x < RECT.x + RECT.w - 6; x++) inner.push(y * 64 + x);
    expect(changedPixels(out, image, inner)).toBeGreaterThan(inner.length * 0.9);
    // the feathered edge mixes original and generated pixels: the band just inside the rectangle
    // differs from an unfeathered run
    const sharpEdge = await pngToRgb8((await inpaint({ ...BASE, image: png, mask: maskPng, feather: 0 }, { cache })).images[0].png);
    const band = outside(64, 64, { x: RECT.x + 3, y: RECT.y + 3, w: RECT.w - 6, h: RECT.h - 6 }, 0).filter((p) => !outside(64, 64, RECT, 0).includes(p));
    expect(changedPixels(out, sharpEdge, band)).toBeGreaterThan(band.length / 2);
    expect(r.parameters[0]).toContain('Mask blur: 2, Inpaint area: Whole picture');
  });

  it('without a mask, an image with transparency is repainted where it is transparent', async () => {
    const rgba = new Uint8Array(64 * 64 * 4);
    for (let i = 0; i < 64 * 64; i++) {
      rgba.set(image.data.subarray(i * 3, i * 3 + 3), i * 4);
      const x = i % 64;
      const y = Math.floor(i / 64);
      rgba[i * 4 + 3] = x >= RECT.x && x < RECT.x + RECT.w && y >= RECT.y && y < RECT.y + RECT.h ? 0 : 255;
    }
    const sharp = (await import('sharp')).default;
    const withAlpha = await sharp(rgba, { raw: { width: 64, height: 64, channels: 4 } }).png().toBuffer();
    const r = await inpaint({ ...BASE, image: withAlpha, feather: 0 }, { cache });
    expect(r.input.hadAlpha).toBe(true);
    const out = await pngToRgb8(r.images[0].png);
    expect(changedPixels(out, image, outside(64, 64, RECT, 0))).toBe(0);
  });
});

describe('9-channel inpainting UNet', () => {
  it('gets [mask, masked-image latents]: without blending every latent follows the Euler path of its mask-mixed mean', async () => {
    const dir = fixture('sd15-inpaint');
    const params = { ...BASE, modelDir: dir, prompt: 'a red cat', image: png, mask: maskPng, feather: 0, latentBlend: false };
    const r = await inpaint(params, { cache, record: true });
    expect(r.nineChannel).toBe(true);
    const model = await cache.model(dir, 'auto');
    // the masked image (painted pixels set to 0 = mid grey in [-1, 1]) through the fixture VAE
    const pixels = rgb8ToPixels([image]);
    for (let c = 0; c < 3; c++) for (let y = RECT.y; y < RECT.y + RECT.h; y++) pixels.data.fill(0, c * 4096 + y * 64 + RECT.x, c * 4096 + y * 64 + RECT.x + RECT.w);
    const maskedLatents = await model.encode(pixels);
    const sigmas = buildSigmas('karras', 8, model.discrete);
    const seen = (s: number): number => model.discrete.tToSigma(Math.round(model.discrete.sigmaToT(s))); // int64 timesteps
    const m = promptMean('a red cat', 4);
    const eps = new Rng(11).randn(4 * 64);
    const final = r.recordings[0].final?.data ?? new Float32Array();
    let worst = 0;
    for (let j = 0; j < 4 * 64; j++) {
      const c = Math.floor(j / 64);
      const x = j % 8;
      const y = Math.floor((j % 64) / 8);
      const painted = x >= 2 && x < 6 && y >= 2 && y < 5;
      const mEff = painted ? m[c] : maskedLatents.data[j];
      const want = eulerPath(Math.fround(eps[j] * sigmas[0]), sigmas, engineDenoiser(mEff, truth.data_var, 'epsilon', seen));
      worst = Math.max(worst, Math.abs(final[j] - want));
    }
    expect(worst).toBeLessThan(1e-4);
    // and the composite still keeps the unmasked pixels exactly
    expect(changedPixels(await pngToRgb8(r.images[0].png), image, outside(64, 64, RECT, 0))).toBe(0);
  });
});

describe('only-masked inpainting', () => {
  it('works on a padded crop at model resolution and pastes it back into the full-size photo', async () => {
    const model = await cache.model(TINY, 'auto');
    const big = await imageFromLatents(model, randomLatents(8, [1, 3, 24, 40], 0.5)); // 320×192
    const rect = { x: 150, y: 70, w: 20, h: 30 };
    const { width: _w, height: _h, ...rest } = BASE;
    const r = await inpaint({ ...rest, image: await encodePng(big), mask: await rectMaskPng(320, 192, rect), mode: 'only-masked', feather: 1, padding: 8 }, { cache });
    expect([r.images[0].width, r.images[0].height]).toEqual([320, 192]);
    const box = r.box ?? { x: 0, y: 0, width: 0, height: 0 };
    expect(box.x).toBeLessThanOrEqual(rect.x - 8 - 3);
    expect(box.x + box.width).toBeGreaterThanOrEqual(rect.x + rect.w + 8 + 3);
    // worked at about the model's area (256²), far above the crop's own size: the edit stays sharp
    expect(r.params.width * r.params.height).toBeGreaterThan(4 * box.width * box.height);
    expect(r.params.width / r.params.height).toBeCloseTo(box.width / box.height, 1);
    const out = await pngToRgb8(r.images[0].png);
    expect(changedPixels(out, big, outside(320, 192, rect, 3))).toBe(0);
    const inner: number[] = [];
    for (let y = rect.y + 3; y < rect.y + rect.h - 3; y++) for (let x = rect.x + 3; x < rect.x + rect.w - 3; x++) inner.push(y * 320 + x);
    expect(changedPixels(out, big, inner)).toBeGreaterThan(inner.length * 0.9);
  });
});

describe('a VAE that downsamples by 16 (reverie-mini v2 shape)', () => {
  const F16 = fixture('reverie-f16');
  it('blends with the mask at 1/16 of the image and keeps every pixel outside it', async () => {
    const model = await cache.model(F16, 'auto');
    const img = await imageFromLatents(model, randomLatents(5, [1, 4, 4, 4], 0.5)); // 64×64
    const rect = { x: 16, y: 16, w: 32, h: 32 }; // on 16×16 block boundaries
    const r = await inpaint({ ...BASE, modelDir: F16, image: await rgbToPng(img), mask: await rectMaskPng(64, 64, rect), feather: 0 }, { cache });
    const out = await pngToRgb8(r.images[0].png);
    expect(changedPixels(out, img, outside(64, 64, rect, 0))).toBe(0);
    const inner: number[] = [];
    for (let y = rect.y; y < rect.y + rect.h; y++) for (let x = rect.x; x < rect.x + rect.w; x++) inner.push(y * 64 + x);
    expect(changedPixels(out, img, inner)).toBeGreaterThan(inner.length * 0.9);
  });

  it('works on a crop whose size is a multiple of 16 and pastes it back', async () => {
    const model = await cache.model(F16, 'auto');
    const big = await imageFromLatents(model, randomLatents(8, [1, 4, 12, 20], 0.5)); // 320×192
    const rect = { x: 150, y: 70, w: 20, h: 30 };
    const { width: _w, height: _h, ...rest } = BASE;
    const r = await inpaint({ ...rest, modelDir: F16, image: await encodePng(big), mask: await rectMaskPng(320, 192, rect), mode: 'only-masked', feather: 1, padding: 8 }, { cache });
    expect([r.images[0].width, r.images[0].height]).toEqual([320, 192]);
    expect([r.params.width % 16, r.params.height % 16]).toEqual([0, 0]);
    const out = await pngToRgb8(r.images[0].png);
    expect(changedPixels(out, big, outside(320, 192, rect, 3))).toBe(0);
  });
});

describe('inpainting bad input', () => {
  it('an empty mask is refused', async () => {
    await expect(inpaint({ ...BASE, image: png, mask: await rectMaskPng(64, 64, { x: 0, y: 0, w: 0, h: 0 }) }, { cache })).rejects.toThrow(
      /the mask is empty: no pixel is 50% white or more .*paint the area to change in white/,
    );
  });

  it('a mask of another aspect ratio is refused; the same aspect at another scale is resized', async () => {
    await expect(inpaint({ ...BASE, image: png, mask: await rectMaskPng(64, 32, RECT) }, { cache })).rejects.toThrow(
      "the mask is 64×32 but the image is 64×64; a mask must have the image's size or at least its aspect ratio",
    );
    const r = await inpaint({ ...BASE, image: png, mask: await rectMaskPng(32, 32, { x: 8, y: 8, w: 16, h: 12 }), feather: 0 }, { cache });
    expect(changedPixels(await pngToRgb8(r.images[0].png), image, outside(64, 64, RECT, 1))).toBe(0);
  });

  it('no mask and an opaque image, an unknown mode, a negative feather', async () => {
    await expect(inpaint({ ...BASE, image: png }, { cache })).rejects.toThrow(/no mask: pass a mask image \(white = repaint\)/);
    await expect(inpaint({ ...BASE, image: png, mask: maskPng, mode: 'outpaint' as 'blend' })).rejects.toThrow('unknown inpaint mode "outpaint"; valid: blend, only-masked');
    await expect(inpaint({ ...BASE, image: png, mask: maskPng, feather: -1 })).rejects.toThrow('mask feather must be from 0 to 256 pixels, got -1');
  });

  it('strength 0 gives the input back unchanged', async () => {
    const r = await inpaint({ ...BASE, image: png, mask: maskPng, strength: 0 }, { cache });
    expect(Buffer.from((await pngToRgb8(r.images[0].png)).data).equals(Buffer.from(image.data))).toBe(true);
  });
});
