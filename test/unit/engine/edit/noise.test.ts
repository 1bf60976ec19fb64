import { describe, expect, it } from 'vitest';
import type { Rgb8Image } from '../../../../src-main/engine/imageio/convert.ts';
import { MAD_TO_SIGMA, addGaussianNoise, estimateNoiseSigma, medianFilter } from '../../../../src-main/engine/imageio/noise.ts';
import { psnr } from '../../../../src-main/engine/imageio/quality.ts';

/** A smooth image (slow gradients, a soft edge): almost nothing in the finest diagonal wavelet band. */
function smooth(width: number, height: number): Rgb8Image {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = 80 + Math.round(80 * Math.sin(x / 20) * Math.cos(y / 25));
      data[i + 1] = 60 + Math.round((120 * x) / width);
      data[i + 2] = x + y > width ? 170 : 90;
    }
  }
  return { width, height, data };
}

describe('noise estimate (Donoho MAD of the Haar HH band)', () => {
  it('uses Φ⁻¹(3/4)', () => {
    // erf(0.6744897501960817 / √2) = 0.5
    expect(MAD_TO_SIGMA).toBeCloseTo(0.6744897501960817, 15);
  });

  it.each([5, 15, 30])('recovers added Gaussian noise of σ %s within 5%%', (sigma) => {
    const clean = smooth(256, 192);
    expect(estimateNoiseSigma(clean)).toBeLessThan(1.5);
    const noisy = addGaussianNoise(clean, sigma, 42);
    const est = estimateNoiseSigma(noisy);
    expect(Math.abs(est - sigma) / sigma).toBeLessThan(0.05);
  });

  it('adding noise is seeded: same seed same bytes, another seed differs; σ 0 changes nothing', () => {
    const clean = smooth(64, 64);
    const a = addGaussianNoise(clean, 20, 7);
    expect(Buffer.from(addGaussianNoise(clean, 20, 7).data).equals(Buffer.from(a.data))).toBe(true);
    expect(Buffer.from(addGaussianNoise(clean, 20, 8).data).equals(Buffer.from(a.data))).toBe(false);
    expect(Buffer.from(addGaussianNoise(clean, 0, 7).data).equals(Buffer.from(clean.data))).toBe(true);
    expect(() => addGaussianNoise(clean, -1, 7)).toThrow('noise sigma must be 0 or more (8-bit units, e.g. 25), got -1');
  });

  it('the median baseline reduces noise on a smooth image', async () => {
    const clean = smooth(96, 96);
    const noisy = addGaussianNoise(clean, 20, 1);
    const filtered = await medianFilter(noisy, 3);
    expect(psnr(filtered, clean)).toBeGreaterThan(psnr(noisy, clean) + 3);
    await expect(medianFilter(noisy, 4)).rejects.toThrow('median filter size must be an odd whole number, got 4');
  });

  it('refuses images too small to have a diagonal band', () => {
    expect(() => estimateNoiseSigma({ width: 3, height: 3, data: new Uint8Array(27) })).toThrow('at least 4×4 pixels, got 3×3');
  });
});
