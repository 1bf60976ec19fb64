/**
 * Inpainting masks: one float per pixel in [0, 1], 1 = repaint (white), 0 = keep.
 *
 * Reading (decision, documented for users): a mask image with a transparent part is read by its
 * alpha — painted (opaque) = repaint, as a brush layer exported on a transparent background; an
 * opaque mask is read by its luminance (Rec. 601), white = repaint, as A1111 and ComfyUI read them.
 * A mask whose size differs from the image is resized when its aspect ratio matches (within 1%),
 * else refused; an empty mask (no pixel at 50% or more) is refused: there would be nothing to do.
 *
 * Feathering (feather.ts) is a Gaussian blur of the mask with standard deviation `feather` pixels
 * (A1111's "mask blur", PIL's GaussianBlur radius), in linear time: pixels further than 3σ from the
 * painted area stay exactly 0, so the final composite keeps them bit for bit.
 */
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';
import type { Rgb8Image } from './convert.ts';
import { decodeRaster, fitRaster } from './input.ts';
import type { FitMode, ImageSource, ReadImageOptions } from './input.ts';

export { featherMask, featherMaskCancellable, gaussianKernel } from './feather.ts';

export interface Mask {
  readonly width: number;
  readonly height: number;
  /** width·height values in [0, 1], row-major; 1 = repaint */
  readonly data: Float32Array;
}

/** A mask read from an image file or bytes, at its own size. */
export async function readMask(source: ImageSource, opts: ReadImageOptions = {}): Promise<Mask> {
  const { rgba, hasAlpha } = await decodeRaster(source, { ...opts, what: opts.what ?? 'mask' });
  const n = rgba.width * rgba.height;
  const data = new Float32Array(n);
  const d = rgba.data;
  for (let i = 0; i < n; i++) {
    data[i] = hasAlpha ? d[i * 4 + 3] / 255 : Math.round(0.299 * d[i * 4] + 0.587 * d[i * 4 + 1] + 0.114 * d[i * 4 + 2]) / 255;
  }
  return { width: rgba.width, height: rgba.height, data };
}

/** A mask from 8-bit values (e.g. an image's alpha: transparent = 0). */
export function maskFromBytes(width: number, height: number, bytes: Uint8Array, invert = false): Mask {
  if (bytes.length !== width * height) throw new EngineError('INTERNAL', `mask bytes: ${bytes.length} for ${width}×${height}`);
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = invert ? 1 - bytes[i] / 255 : bytes[i] / 255;
  return { width, height, data };
}

function toRaster(mask: Mask): { width: number; height: number; channels: number; data: Uint8Array } {
  const data = new Uint8Array(mask.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(Math.min(1, Math.max(0, mask.data[i])) * 255);
  return { width: mask.width, height: mask.height, channels: 1, data };
}

/**
 * The mask at the image's size: as it is when the sizes agree, resized (bilinear) when only the scale
 * differs, else BAD_INPUT naming both sizes.
 */
export async function matchMaskToImage(mask: Mask, width: number, height: number): Promise<Mask> {
  if (mask.width === width && mask.height === height) return mask;
  const ratio = mask.width / mask.height / (width / height);
  if (Math.abs(ratio - 1) > 0.01) {
    throw new EngineError(
      'BAD_INPUT',
      `the mask is ${mask.width}×${mask.height} but the image is ${width}×${height}; a mask must have the image's size or at least its aspect ratio`,
    );
  }
  return fitMask(mask, width, height, 'resize');
}

/** fitRaster for masks (bilinear, 8-bit precision in between). */
export async function fitMask(mask: Mask, width: number, height: number, mode: FitMode): Promise<Mask> {
  if (mask.width === width && mask.height === height) return mask;
  const out = await fitRaster(toRaster(mask), width, height, mode, 'linear');
  return maskFromBytes(width, height, out.data);
}

/** Refuses a mask with no pixel at 50% or more. */
export function checkMaskNotEmpty(mask: Mask): void {
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i] >= 0.5) return;
  let max = 0;
  for (let i = 0; i < mask.data.length; i++) max = Math.max(max, mask.data[i]);
  throw new EngineError(
    'BAD_INPUT',
    `the mask is empty: no pixel is 50% white or more (brightest ${Math.round(max * 100)}%), so there is nothing to repaint; paint the area to change in white`,
  );
}

/**
 * The mask at latent resolution [1, 1, h, w] for latent blending: the mean of each factor × factor
 * block (so a block that is partly painted is partly repainted).
 */
export function maskToLatentArea(mask: Mask, factor: number): F32Tensor {
  const h = mask.height / factor;
  const w = mask.width / factor;
  if (!Number.isInteger(h) || !Number.isInteger(w)) throw new EngineError('INTERNAL', `mask ${mask.width}×${mask.height} is not a multiple of ${factor}`);
  const data = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) s += mask.data[(y * factor + dy) * mask.width + x * factor + dx];
      data[y * w + x] = s / (factor * factor);
    }
  }
  return { dtype: 'float32', dims: [1, 1, h, w], data };
}

/**
 * The mask for 9-channel inpainting UNets [1, 1, h, w], as diffusers' prepare_mask_and_masked_image
 * does it: binarised at 0.5, then resized to latent size with torch's 'nearest' (pixel 8·y, 8·x).
 */
export function maskToLatentNearest(mask: Mask, factor: number): F32Tensor {
  const h = Math.floor(mask.height / factor);
  const w = Math.floor(mask.width / factor);
  const data = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = mask.data[y * factor * mask.width + x * factor] >= 0.5 ? 1 : 0;
  return { dtype: 'float32', dims: [1, 1, h, w], data };
}

/** The image with the painted pixels (mask ≥ 0.5) set to grey 0 in [-1, 1] terms: diffusers' image × (mask < 0.5). */
export function maskedImagePixels(pixels: F32Tensor, mask: Mask): F32Tensor {
  const [, c, h, w] = pixels.dims;
  const data = new Float32Array(pixels.data);
  for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) if (mask.data[i] >= 0.5) data[k * h * w + i] = 0;
  return { dtype: 'float32', dims: pixels.dims, data };
}

/**
 * out = original·(1 − m) + generated·m per pixel, rounded; where m = 0 the original byte is copied and
 * where m = 1 the generated one, so unmasked pixels are the original's EXACTLY.
 */
export function compositeRgb8(original: Rgb8Image, generated: Rgb8Image, mask: Mask): Rgb8Image {
  const { width, height } = original;
  if (generated.width !== width || generated.height !== height || mask.width !== width || mask.height !== height) {
    throw new EngineError('INTERNAL', `composite: original ${width}×${height}, generated ${generated.width}×${generated.height}, mask ${mask.width}×${mask.height}`);
  }
  const data = new Uint8Array(original.data.length);
  for (let i = 0; i < width * height; i++) {
    const m = mask.data[i];
    for (let c = 0; c < 3; c++) {
      const j = i * 3 + c;
      data[j] = m <= 0 ? original.data[j] : m >= 1 ? generated.data[j] : Math.round(original.data[j] + (generated.data[j] - original.data[j]) * m);
    }
  }
  return { width, height, data };
}

/** Bounding box of the pixels with mask > 0, or null for an all-zero mask. */
export function maskBounds(mask: Mask): { x: number; y: number; width: number; height: number } | null {
  let x0 = mask.width;
  let y0 = mask.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (mask.data[y * mask.width + x] > 0) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** A rectangle of a mask, as a mask. */
export function cropMask(mask: Mask, box: { x: number; y: number; width: number; height: number }): Mask {
  const data = new Float32Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) data.set(mask.data.subarray((box.y + y) * mask.width + box.x, (box.y + y) * mask.width + box.x + box.width), y * box.width);
  return { width: box.width, height: box.height, data };
}
