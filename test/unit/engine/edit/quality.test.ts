import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Rgb8Image } from '../../../../src-main/engine/imageio/convert.ts';
import { psnr, ssim } from '../../../../src-main/engine/imageio/quality.ts';

interface Golden {
  width: number;
  height: number;
  a: number[];
  cases: { name: string; b: number[]; psnr: number; ssim: number }[];
}
const golden = JSON.parse(readFileSync(path.join(import.meta.dirname, 'quality-golden.json'), 'utf8')) as Golden;
const img = (data: number[] | Uint8Array): Rgb8Image => ({ width: golden.width, height: golden.height, data: Uint8Array.from(data) });

describe('PSNR and SSIM', () => {
  it.each(golden.cases.map((c) => [c.name, c] as const))('%s: match the numpy reference of Wang et al.', (_name, c) => {
    expect(psnr(img(golden.a), img(c.b))).toBeCloseTo(c.psnr, 10);
    expect(ssim(img(golden.a), img(c.b))).toBeCloseTo(c.ssim, 10);
  });

  it('identical images: PSNR ∞ and SSIM 1; a constant offset d gives PSNR 10·log10(255²/d²)', () => {
    const a = img(golden.a);
    expect(psnr(a, a)).toBe(Infinity);
    expect(ssim(a, a)).toBeCloseTo(1, 12);
    const shifted = img(golden.a.map((v) => Math.min(255, v + 4)));
    const clipped = golden.a.filter((v) => v > 251).length;
    expect(clipped).toBe(0);
    expect(psnr(a, shifted)).toBeCloseTo(10 * Math.log10(255 ** 2 / 16), 10);
    // a uniform shift changes luminance only a little: SSIM stays close to 1 but below it
    const s = ssim(a, shifted);
    expect(s).toBeLessThan(1);
    expect(s).toBeGreaterThan(0.99);
  });

  it('refuses images of different sizes and images smaller than the window', () => {
    const a = img(golden.a);
    const small: Rgb8Image = { width: 10, height: 10, data: new Uint8Array(300) };
    expect(() => psnr(a, small)).toThrow('MSE needs images of one size; got 24×20 and 10×10');
    expect(() => ssim(small, small)).toThrow('SSIM needs images of at least 11×11 pixels, got 10×10');
  });
});
