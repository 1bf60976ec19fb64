/**
 * Photo noise: estimating it, adding it (for demonstrations), and a classical filter to compare with.
 *
 * Estimate: Donoho & Johnstone (1994), "Ideal spatial adaptation by wavelet shrinkage" (Biometrika
 * 81(3)), and Donoho (1995), "De-noising by soft-thresholding": for white Gaussian noise the finest
 * diagonal detail band HH₁ of an orthonormal wavelet transform is almost pure noise, and the robust
 * scale estimate σ̂ = median(|HH₁|) / 0.6745 (0.6745 = Φ⁻¹(3/4), the MAD of a standard normal) ignores
 * the few large coefficients that image edges leave there. We use the Haar wavelet (HH of each 2×2
 * block = (a − b − c + d)/2), per colour channel, and average the channels — scikit-image's
 * estimate_sigma does the same with Daubechies-2. Values are in 8-bit units (0..255 scale), the unit
 * the denoising literature quotes ("σ = 25").
 */
import sharp from 'sharp';
import { Rng } from '../runtime/rng.ts';
import { EngineError } from '../types.ts';
import type { Rgb8Image } from './convert.ts';

/** MAD of a standard normal: Φ⁻¹(0.75). */
export const MAD_TO_SIGMA = 0.6744897501960817;

function median(values: Float64Array): number {
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Noise standard deviation of an 8-bit RGB image in 8-bit units (Donoho's MAD estimator, Haar HH₁). */
export function estimateNoiseSigma(image: Rgb8Image): number {
  const { width, height, data } = image;
  const bw = width >> 1;
  const bh = height >> 1;
  if (bw < 2 || bh < 2) throw new EngineError('BAD_INPUT', `estimating noise needs an image of at least 4×4 pixels, got ${width}×${height}`);
  let total = 0;
  const hh = new Float64Array(bw * bh);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < bh; y++) {
      for (let x = 0; x < bw; x++) {
        const p = (yy: number, xx: number): number => data[((2 * y + yy) * width + 2 * x + xx) * 3 + c];
        hh[y * bw + x] = Math.abs((p(0, 0) - p(0, 1) - p(1, 0) + p(1, 1)) / 2);
      }
    }
    total += median(hh) / MAD_TO_SIGMA;
  }
  return total / 3;
}

/**
 * The image plus white Gaussian noise of standard deviation `sigma` (8-bit units), drawn from the
 * seeded generator (one randn per byte, in RGB-interleaved order), rounded and clipped to 0..255.
 */
export function addGaussianNoise(image: Rgb8Image, sigma: number, seed: number): Rgb8Image {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new EngineError('BAD_INPUT', `noise sigma must be 0 or more (8-bit units, e.g. 25), got ${sigma}`);
  const noise = new Rng(seed).randn(image.data.length);
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(image.data[i] + sigma * noise[i])));
  return { width: image.width, height: image.height, data };
}

/** Classical baseline for comparison: a size × size median filter (sharp/libvips). */
export async function medianFilter(image: Rgb8Image, size = 3): Promise<Rgb8Image> {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) throw new EngineError('BAD_INPUT', `median filter size must be an odd whole number, got ${size}`);
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).median(size).raw().toBuffer();
  return { width: image.width, height: image.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
