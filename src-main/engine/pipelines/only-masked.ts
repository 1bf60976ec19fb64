/**
 * "Only masked" inpainting geometry (A1111's inpaint_full_res: masking.get_crop_region and
 * expand_crop_region): the bounding box of the mask, padded, grown to the working aspect ratio inside
 * the image; the crop is worked on at model resolution and pasted back, so a small edit in a large
 * photo keeps the photo's own resolution everywhere else.
 */
import type { Rgb8Image } from '../imageio/convert.ts';
import { EngineError } from '../types.ts';
import { roundToFactor } from './params.ts';

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Grows [lo, lo + len) to `want` around its centre, shifted to stay in [0, limit). */
function grow(lo: number, len: number, want: number, limit: number): [number, number] {
  const size = Math.min(limit, Math.max(len, want));
  let start = Math.round(lo + len / 2 - size / 2);
  start = Math.min(limit - size, Math.max(0, start));
  return [start, size];
}

/**
 * The crop box: `bounds` padded by `padding` pixels on each side, clipped to the image, then grown
 * along its short side towards the aspect ratio `aspect` (= work width / work height) as far as the
 * image allows.
 */
export function paddedBox(bounds: Box, padding: number, imageWidth: number, imageHeight: number, aspect: number): Box {
  if (!Number.isInteger(padding) || padding < 0) throw new EngineError('BAD_INPUT', `only-masked padding must be a whole number of pixels ≥ 0, got ${padding}`);
  const x1 = Math.max(0, bounds.x - padding);
  const y1 = Math.max(0, bounds.y - padding);
  const x2 = Math.min(imageWidth, bounds.x + bounds.width + padding);
  const y2 = Math.min(imageHeight, bounds.y + bounds.height + padding);
  let w = x2 - x1;
  let h = y2 - y1;
  let x = x1;
  let y = y1;
  if (w / h < aspect) [x, w] = grow(x1, w, Math.round(h * aspect), imageWidth);
  else [y, h] = grow(y1, h, Math.round(w / aspect), imageHeight);
  return { x, y, width: w, height: h };
}

/** Work size for a crop: its aspect ratio at about `area` pixels (scaled up or down), sides multiples of the VAE factor. */
export function cropWorkSize(box: Box, area: number, factor: number): { width: number; height: number } {
  const scale = Math.sqrt(area / (box.width * box.height));
  const side = (v: number): number => roundToFactor(v * scale, factor);
  return { width: side(box.width), height: side(box.height) };
}

export function cropRgb8(image: Rgb8Image, box: Box): Rgb8Image {
  const data = new Uint8Array(box.width * box.height * 3);
  for (let y = 0; y < box.height; y++) {
    const from = ((box.y + y) * image.width + box.x) * 3;
    data.set(image.data.subarray(from, from + box.width * 3), y * box.width * 3);
  }
  return { width: box.width, height: box.height, data };
}

/** A copy of `image` with `patch` (box-sized) written at the box. */
export function pasteRgb8(image: Rgb8Image, patch: Rgb8Image, box: Box): Rgb8Image {
  if (patch.width !== box.width || patch.height !== box.height) {
    throw new EngineError('INTERNAL', `paste: patch ${patch.width}×${patch.height} for box ${box.width}×${box.height}`);
  }
  const data = Uint8Array.from(image.data);
  for (let y = 0; y < box.height; y++) data.set(patch.data.subarray(y * box.width * 3, (y + 1) * box.width * 3), ((box.y + y) * image.width + box.x) * 3);
  return { width: image.width, height: image.height, data };
}
