/**
 * Image quality against a reference, on 8-bit RGB:
 * - PSNR = 10·log10(255² / MSE), MSE over every pixel and channel (∞ for identical images).
 * - SSIM, Wang, Bovik, Sheikh & Simoncelli (2004), "Image quality assessment: from error visibility to
 *   structural similarity", with the authors' reference settings (ssim_index.m): 11×11 Gaussian window
 *   σ = 1.5, K1 = 0.01, K2 = 0.03, L = 255, statistics over 'valid' windows only; computed per colour
 *   channel and averaged (as scikit-image's channel_axis does).
 */
import { EngineError } from '../types.ts';
import type { Rgb8Image } from './convert.ts';

function sameSize(a: Rgb8Image, b: Rgb8Image, what: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new EngineError('BAD_INPUT', `${what} needs images of one size; got ${a.width}×${a.height} and ${b.width}×${b.height}`);
  }
}

export function mse(a: Rgb8Image, b: Rgb8Image): number {
  sameSize(a, b, 'MSE');
  let s = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    s += d * d;
  }
  return s / a.data.length;
}

/** Peak signal-to-noise ratio in dB (Infinity when the images are identical). */
export function psnr(a: Rgb8Image, b: Rgb8Image): number {
  const m = mse(a, b);
  return m === 0 ? Infinity : 10 * Math.log10((255 * 255) / m);
}

const WINDOW = 11;
const WINDOW_SIGMA = 1.5;

function gaussianWindow(): Float64Array {
  const r = (WINDOW - 1) / 2;
  const k = new Float64Array(WINDOW);
  let sum = 0;
  for (let i = 0; i < WINDOW; i++) sum += k[i] = Math.exp(-((i - r) ** 2) / (2 * WINDOW_SIGMA ** 2));
  return k.map((v) => v / sum);
}

/** 'valid' separable filtering of a plane: output (h − 10) × (w − 10). */
function filterValid(src: Float64Array, w: number, h: number, k: Float64Array): Float64Array {
  const ow = w - WINDOW + 1;
  const oh = h - WINDOW + 1;
  const tmp = new Float64Array(ow * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < WINDOW; i++) s += k[i] * src[y * w + x + i];
      tmp[y * ow + x] = s;
    }
  }
  const out = new Float64Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < WINDOW; i++) s += k[i] * tmp[(y + i) * ow + x];
      out[y * ow + x] = s;
    }
  }
  return out;
}

/** Mean structural similarity in [−1, 1] (1 for identical images). Images must be at least 11×11. */
export function ssim(a: Rgb8Image, b: Rgb8Image): number {
  sameSize(a, b, 'SSIM');
  const { width: w, height: h } = a;
  if (w < WINDOW || h < WINDOW) throw new EngineError('BAD_INPUT', `SSIM needs images of at least ${WINDOW}×${WINDOW} pixels, got ${w}×${h}`);
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  const k = gaussianWindow();
  const n = w * h;
  let total = 0;
  for (let c = 0; c < 3; c++) {
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = a.data[i * 3 + c];
      y[i] = b.data[i * 3 + c];
    }
    const mx = filterValid(x, w, h, k);
    const my = filterValid(y, w, h, k);
    const xx = filterValid(x.map((v) => v * v), w, h, k);
    const yy = filterValid(y.map((v) => v * v), w, h, k);
    const xy = filterValid(x.map((v, i) => v * y[i]), w, h, k);
    let sum = 0;
    for (let i = 0; i < mx.length; i++) {
      const vx = xx[i] - mx[i] * mx[i];
      const vy = yy[i] - my[i] * my[i];
      const cov = xy[i] - mx[i] * my[i];
      sum += ((2 * mx[i] * my[i] + c1) * (2 * cov + c2)) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2));
    }
    total += sum / mx.length;
  }
  return total / 3;
}

export interface QualityReport {
  psnr: number;
  ssim: number;
}

export function quality(image: Rgb8Image, reference: Rgb8Image): QualityReport {
  return { psnr: psnr(image, reference), ssim: ssim(image, reference) };
}
