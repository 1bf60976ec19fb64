/**
 * Tensor ↔ 8-bit RGB. Pixels are NCHW float32 in [-1, 1] (the VAE's range); RGB8 is interleaved
 * HWC. Conversion clamps and rounds half up: v8 = round((clamp(x, -1, 1) + 1) · 127.5), the same
 * mapping diffusers' `(x / 2 + 0.5).clamp(0, 1) * 255` then `.round()` gives.
 */
import type { F32Tensor } from '../types.ts';
import { EngineError } from '../types.ts';

export interface Rgb8Image {
  readonly width: number;
  readonly height: number;
  /** width·height·3 bytes, row-major, RGB interleaved */
  readonly data: Uint8Array;
}

function dimsOf(t: F32Tensor, what: string, channels: number): [number, number, number] {
  const [b, c, h, w] = t.dims;
  if (t.dims.length !== 4 || c !== channels) {
    throw new EngineError('INTERNAL', `${what}: expected [batch, ${channels}, height, width], got [${t.dims.join(', ')}]`);
  }
  return [b, h, w];
}

/** One RGB8 image per batch item of a [B,3,H,W] tensor in [-1, 1]. NaN becomes 0 (black). */
export function pixelsToRgb8(pixels: F32Tensor): Rgb8Image[] {
  const [batch, height, width] = dimsOf(pixels, 'pixelsToRgb8', 3);
  const plane = height * width;
  const images: Rgb8Image[] = [];
  for (let b = 0; b < batch; b++) {
    const data = new Uint8Array(plane * 3);
    const base = b * 3 * plane;
    const r = pixels.data.subarray(base, base + plane);
    const g = pixels.data.subarray(base + plane, base + 2 * plane);
    const bl = pixels.data.subarray(base + 2 * plane, base + 3 * plane);
    // one pass writing each pixel's three bytes in order (a plane at a time strides through the output)
    for (let i = 0, o = 0; i < plane; i++, o += 3) {
      data[o] = toByte(r[i]);
      data[o + 1] = toByte(g[i]);
      data[o + 2] = toByte(bl[i]);
    }
    images.push({ width, height, data });
  }
  return images;
}

/** [-1, 1] → 0..255, rounded half up; NaN and below -1 give 0 (the value is ≥ 0.5 before truncation, so |0 is floor). */
function toByte(v: number): number {
  const clamped = v > 1 ? 1 : v > -1 ? v : -1; // NaN falls through to -1
  return ((clamped + 1) * 127.5 + 0.5) | 0;
}

/** A [n,3,H,W] tensor in [-1, 1] from RGB8 images of one size (for img2img and the VAE encoder). */
export function rgb8ToPixels(images: readonly Rgb8Image[]): F32Tensor {
  if (images.length === 0) throw new EngineError('INTERNAL', 'rgb8ToPixels: no images');
  const { width, height } = images[0];
  const plane = width * height;
  const data = new Float32Array(images.length * 3 * plane);
  images.forEach((img, b) => {
    if (img.width !== width || img.height !== height || img.data.length !== plane * 3) {
      throw new EngineError('BAD_INPUT', `images in one batch must share a size: ${width}x${height} vs ${img.width}x${img.height}`);
    }
    for (let c = 0; c < 3; c++) {
      const dst = (b * 3 + c) * plane;
      for (let i = 0; i < plane; i++) data[dst + i] = img.data[i * 3 + c] / 127.5 - 1;
    }
  });
  return { dtype: 'float32', dims: [images.length, 3, height, width], data };
}

/**
 * Cheap latent preview: per pixel, rgb = bias + Σ_c latent_c · weights[c], mapped from [-1, 1] to
 * RGB8 (InvokeAI/ComfyUI latent-preview idea; factors come from the model, see model-formats.md).
 */
/** A model's latent → RGB factors: weights[c][o] per latent channel c and colour o, and a bias per colour. */
export interface LatentRgbFactors {
  readonly weights: readonly (readonly number[])[];
  readonly bias: readonly number[];
}

export function latentsToPreviewRgb8(latents: F32Tensor, factors: LatentRgbFactors): Rgb8Image[] {
  return Array.from({ length: latents.dims[0] }, (_, b) => latentItemPreviewRgb8(latents, factors, b));
}

/** One batch item's latents, checked against the preview factors (a view, no copy). */
export function previewItem(latents: F32Tensor, factors: LatentRgbFactors, item: number): Float32Array {
  const [batch, channels, height, width] = latents.dims;
  if (latents.dims.length !== 4 || factors.weights.length !== channels) {
    throw new EngineError('INTERNAL', `latent preview: ${factors.weights.length} factor rows for latents [${latents.dims.join(', ')}]`);
  }
  if (!Number.isInteger(item) || item < 0 || item >= batch) throw new EngineError('BAD_INPUT', `batch item ${item} is outside latents [${latents.dims.join(', ')}]`);
  const size = channels * height * width;
  return latents.data.subarray(item * size, (item + 1) * size);
}

/**
 * One batch item's linear preview, optionally of c_in·x (scale), straight to RGB8 with one plane of
 * float temporaries: the studio renders one while sampling, and full-size float copies (the item, the
 * three colour planes) cost ~2 ms of page faults at 128² on a VM. Each pixel accumulates bias +
 * Σ latent·weight in float32 in channel order, as before.
 */
export function latentItemPreviewRgb8(latents: F32Tensor, factors: LatentRgbFactors, item: number, scale = 1): Rgb8Image {
  const src = previewItem(latents, factors, item);
  const [, channels, height, width] = latents.dims;
  const plane = height * width;
  const data = new Uint8Array(plane * 3);
  // c_in·x rounded to float32 as a scaled copy would hold it (one plane at a time, reused)
  const scaled = scale === 1 ? null : new Float32Array(plane);
  const acc = new Float32Array(plane);
  for (let o = 0; o < 3; o++) {
    acc.fill(factors.bias[o] ?? 0);
    for (let c = 0; c < channels; c++) {
      const w = factors.weights[c][o];
      let v = src.subarray(c * plane, (c + 1) * plane);
      if (scaled) {
        for (let i = 0; i < plane; i++) scaled[i] = v[i] * scale;
        v = scaled;
      }
      for (let i = 0; i < plane; i++) acc[i] += v[i] * w;
    }
    for (let i = 0, j = o; i < plane; i++, j += 3) data[j] = toByte(acc[i]);
  }
  return { width, height, data };
}
