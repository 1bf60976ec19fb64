import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import {
  checkMaskNotEmpty,
  compositeRgb8,
  featherMask,
  gaussianKernel,
  maskBounds,
  maskToLatentArea,
  maskToLatentNearest,
  matchMaskToImage,
  readMask,
} from '../../../../src-main/engine/imageio/mask.ts';
import type { Mask } from '../../../../src-main/engine/imageio/mask.ts';
import { paddedBox } from '../../../../src-main/engine/pipelines/only-masked.ts';

function rect(width: number, height: number, r: { x: number; y: number; w: number; h: number }): Mask {
  const data = new Float32Array(width * height);
  for (let y = r.y; y < r.y + r.h; y++) data.fill(1, y * width + r.x, y * width + r.x + r.w);
  return { width, height, data };
}

describe('masks', () => {
  it('grey masks read by luminance (white = repaint), masks with transparency by alpha (opaque = repaint)', async () => {
    const grey = await sharp(new Uint8Array([0, 128, 255, 64]), { raw: { width: 4, height: 1, channels: 1 } }).png().toBuffer();
    expect(Array.from((await readMask(grey)).data)).toEqual([0, 128 / 255, 1, 64 / 255].map(Math.fround));
    // white pixels, painted opaque on the right only
    const rgba = new Uint8Array([255, 255, 255, 0, 255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 0]);
    const layer = await sharp(rgba, { raw: { width: 4, height: 1, channels: 4 } }).png().toBuffer();
    expect(Array.from((await readMask(layer)).data)).toEqual([0, 1, 1, 0]);
  });

  it('a mask at another scale is resized; another aspect ratio is refused', async () => {
    const m = await matchMaskToImage(rect(16, 8, { x: 0, y: 0, w: 8, h: 8 }), 32, 16);
    expect([m.width, m.height]).toEqual([32, 16]);
    expect(m.data[8 * 32 + 2]).toBe(1);
    expect(m.data[8 * 32 + 29]).toBe(0);
    await expect(matchMaskToImage(rect(16, 16, { x: 0, y: 0, w: 1, h: 1 }), 32, 16)).rejects.toThrow(
      "the mask is 16×16 but the image is 32×16; a mask must have the image's size or at least its aspect ratio",
    );
  });

  it('an empty mask is refused, naming its brightest value', () => {
    const faint: Mask = { width: 2, height: 1, data: Float32Array.of(0.2, 0.45) };
    expect(() => checkMaskNotEmpty(faint)).toThrow('the mask is empty: no pixel is 50% white or more (brightest 45%), so there is nothing to repaint; paint the area to change in white');
    expect(() => checkMaskNotEmpty(rect(4, 4, { x: 1, y: 1, w: 1, h: 1 }))).not.toThrow();
  });

  it('feathering is a normalised Gaussian cut at 3σ: exactly 0 beyond it, symmetric, mass kept', () => {
    const k = gaussianKernel(2);
    expect(k).toHaveLength(13);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    const m = rect(40, 40, { x: 15, y: 15, w: 10, h: 10 });
    const f = featherMask(m, 2);
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < 40; x++) {
        const far = x < 15 - 6 || x >= 25 + 6 || y < 15 - 6 || y >= 25 + 6;
        if (far) expect(f.data[y * 40 + x]).toBe(0);
        expect(f.data[y * 40 + x]).toBeCloseTo(f.data[y * 40 + (39 - x)], 6);
      }
    }
    expect(f.data[20 * 40 + 14]).toBeGreaterThan(0.3); // just outside the edge
    expect(f.data[20 * 40 + 15]).toBeLessThan(0.7); // just inside
    expect(f.data.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 3);
    expect(featherMask(m, 0)).toBe(m);
    expect(() => featherMask(m, -1)).toThrow('mask feather must be 0 or more pixels, got -1');
  });

  it('latent masks: block means for blending; diffusers nearest (pixel 8y, 8x) binarised at 0.5 for 9-channel UNets', () => {
    const m = rect(16, 16, { x: 4, y: 0, w: 12, h: 8 });
    m.data[0] = 0.6; // top-left pixel of block (0, 0)
    const area = maskToLatentArea(m, 8);
    expect(area.dims).toEqual([1, 1, 2, 2]);
    expect(Array.from(area.data)).toEqual([Math.fround((32 + 0.6) / 64), 1, 0, 0]);
    expect(Array.from(maskToLatentNearest(m, 8).data)).toEqual([1, 1, 0, 0]);
  });

  it('the composite copies the original where m = 0 and the generated image where m = 1', () => {
    const orig = { width: 3, height: 1, data: Uint8Array.of(10, 20, 30, 40, 50, 60, 70, 80, 90) };
    const gen = { width: 3, height: 1, data: Uint8Array.of(110, 120, 130, 140, 150, 160, 170, 180, 190) };
    const out = compositeRgb8(orig, gen, { width: 3, height: 1, data: Float32Array.of(0, 0.25, 1) });
    expect(Array.from(out.data)).toEqual([10, 20, 30, 65, 75, 85, 170, 180, 190]);
  });

  it('only-masked box: padded bounds grown to the work aspect inside the image', () => {
    const bounds = maskBounds(rect(200, 100, { x: 90, y: 40, w: 10, h: 20 }));
    expect(bounds).toEqual({ x: 90, y: 40, width: 10, height: 20 });
    // padded: 80..110 × 30..70 (30×40); grown to 1:1 → 40×40 centred on x = 95
    expect(paddedBox(bounds ?? { x: 0, y: 0, width: 1, height: 1 }, 10, 200, 100, 1)).toEqual({ x: 75, y: 30, width: 40, height: 40 });
    // at the image edge the box shifts inside instead of leaving it
    expect(paddedBox({ x: 0, y: 0, width: 10, height: 10 }, 4, 200, 100, 2)).toEqual({ x: 0, y: 0, width: 28, height: 14 });
    // a box that cannot reach the aspect stops at the image size
    expect(paddedBox({ x: 0, y: 10, width: 10, height: 80 }, 0, 50, 100, 4)).toEqual({ x: 0, y: 10, width: 50, height: 80 });
    expect(maskBounds({ width: 2, height: 2, data: new Float32Array(4) })).toBeNull();
    expect(() => paddedBox({ x: 0, y: 0, width: 1, height: 1 }, -2, 10, 10, 1)).toThrow('only-masked padding must be a whole number of pixels ≥ 0, got -2');
  });
});
