import { describe, expect, it } from 'vitest';
import { latentItemPreviewRgb8, latentsToPreviewRgb8, pixelsToRgb8, rgb8ToPixels } from '../../../../src-main/engine/imageio/convert.ts';

describe('pixel tensor ↔ RGB8', () => {
  it('clamps, rounds half up and interleaves NCHW → HWC', () => {
    // one 1x4 image; channel planes R, G, B
    const r = [-2, -1, 0, 1];
    const g = [1.5, 0.5, -0.5, Number.NaN];
    const b = [-0.9921875, -0.984375, 0.003, -0.003];
    const t = { dtype: 'float32' as const, dims: [1, 3, 1, 4], data: Float32Array.from([...r, ...g, ...b]) };
    const [img] = pixelsToRgb8(t);
    expect(img.width).toBe(4);
    expect(img.height).toBe(1);
    // (x+1)*127.5 rounded: -1→0, 0→127.5→128, 1→255, 0.5→191.25→191, -0.5→63.75→64, NaN→0
    expect(Array.from(img.data)).toEqual([0, 255, 1, 0, 191, 2, 128, 64, 128, 255, 0, 127]);
  });

  it('splits a batch and round-trips exactly through rgb8ToPixels', () => {
    const data = new Uint8Array(2 * 3 * 6);
    for (let i = 0; i < data.length; i++) data[i] = (i * 37) & 255;
    const imgs = [
      { width: 3, height: 2, data: data.subarray(0, 18) },
      { width: 3, height: 2, data: data.subarray(18) },
    ];
    const t = rgb8ToPixels(imgs);
    expect(t.dims).toEqual([2, 3, 2, 3]);
    const back = pixelsToRgb8(t);
    expect(back.map((im) => Array.from(im.data))).toEqual(imgs.map((im) => Array.from(im.data)));
  });

  it('rejects mixed sizes in one batch', () => {
    expect(() => rgb8ToPixels([{ width: 1, height: 1, data: new Uint8Array(3) }, { width: 2, height: 1, data: new Uint8Array(6) }])).toThrow(/share a size: 1x1 vs 2x1/);
  });

  it('the preview of one item (of c_in·x too) has the bytes of the planar float32 computation', () => {
    const [b, c, h, w] = [2, 4, 5, 7];
    const plane = h * w;
    const data = Float32Array.from({ length: b * c * plane }, (_, i) => Math.sin(i * 0.37) * 1.8);
    const latents = { dtype: 'float32' as const, dims: [b, c, h, w], data };
    const factors = { weights: [[0.298, 0.207, 0.208], [0.187, 0.286, 0.173], [-0.158, 0.189, 0.264], [-0.184, -0.271, -0.473]], bias: [0.01, -0.02, 0.03] };
    for (const [item, scale] of [[0, 1], [1, 1], [1, 1 / Math.sqrt(3 * 3 + 1)]]) {
      const src = data.slice(item * c * plane, (item + 1) * c * plane).map((v) => v * scale);
      const pixels = new Float32Array(3 * plane);
      for (let o = 0; o < 3; o++) {
        pixels.fill(factors.bias[o], o * plane, (o + 1) * plane);
        for (let ch = 0; ch < c; ch++) for (let i = 0; i < plane; i++) pixels[o * plane + i] += src[ch * plane + i] * factors.weights[ch][o];
      }
      const [want] = pixelsToRgb8({ dtype: 'float32', dims: [1, 3, h, w], data: pixels });
      const got = latentItemPreviewRgb8(latents, factors, item, scale);
      expect([got.width, got.height]).toEqual([w, h]);
      expect(Array.from(got.data)).toEqual(Array.from(want.data));
    }
    expect(() => latentItemPreviewRgb8(latents, factors, 2)).toThrow(/outside/);
  });

  it('latent preview applies weights and bias per channel', () => {
    const latents = { dtype: 'float32' as const, dims: [1, 2, 1, 1], data: Float32Array.from([0.5, -1]) };
    const [img] = latentsToPreviewRgb8(latents, { weights: [[1, 0, 0.2], [0, 1, 0.2]], bias: [0, 0.5, 0] });
    // r = 0.5 → 191, g = 0.5 - 1 = -0.5 → 64, b = 0.1 - 0.2 = -0.1 → 114.75 → 115
    expect(Array.from(img.data)).toEqual([191, 64, 115]);
  });
});
