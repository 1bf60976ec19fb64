/**
 * The mask as the canvas shows it: a tinted layer over the image whose opacity follows the mask
 * (RGBA bytes for a rectangle, ready for ImageData / putImageData), optionally with the feathered
 * edge the engine will use.
 */
import type { MaskImage, Rect } from './mask.ts';

export interface Tint {
  r: number;
  g: number;
  b: number;
  /** opacity of a fully painted pixel, 0…1 */
  opacity: number;
}

/** Reverie's accent, readable over light and dark photos. */
export const MASK_TINT: Tint = { r: 255, g: 92, b: 138, opacity: 0.55 };

/** RGBA of `rect` of the mask in the tint (premultiplication is the canvas's business). */
export function overlayPixels(mask: MaskImage, rect: Rect, tint: Tint = MASK_TINT): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(rect.width * rect.height * 4);
  const scale = tint.opacity;
  for (let y = 0; y < rect.height; y++) {
    const row = (rect.y + y) * mask.width + rect.x;
    for (let x = 0; x < rect.width; x++) {
      const o = (y * rect.width + x) * 4;
      out[o] = tint.r;
      out[o + 1] = tint.g;
      out[o + 2] = tint.b;
      out[o + 3] = Math.round(mask.data[row + x] * scale);
    }
  }
  return out;
}

/** The mask as grayscale RGBA (white = repaint), e.g. to show the exported mask itself. */
export function grayPixels(mask: MaskImage): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(mask.width * mask.height * 4);
  for (let i = 0; i < mask.data.length; i++) {
    const v = mask.data[i];
    out[i * 4] = v;
    out[i * 4 + 1] = v;
    out[i * 4 + 2] = v;
    out[i * 4 + 3] = 255;
  }
  return out;
}
