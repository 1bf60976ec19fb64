/**
 * Upscale a result as A1111's "hires fix" on a finished image does: the same text-to-image request
 * with the image's own seed, run again with the hires fix on — the first pass makes the same picture,
 * Lanczos (sharp) enlarges it, and a second image-to-image pass at the chosen strength refines it
 * (strength 0: Lanczos only). The PNG then says `Hires upscale`, `Hires upscaler` and `Denoising
 * strength` as A1111 writes them. Pure, for the dialog and its tests.
 */
import type { GalleryItem, JobRequestInput } from '../api/types.ts';
import { HIRES_MAX_SIDE } from './hires.svelte.ts';

export interface UpscaleOptions {
  /** the final size is the image's size times this (1–4) */
  scale: number;
  /** strength of the second diffusion pass, 0–1; 0: Lanczos only */
  strength: number;
}

export const UPSCALE_SCALES: readonly number[] = [1.5, 2, 3, 4];

/** Why this item cannot be upscaled this way, or null when it can. */
export function cannotUpscale(item: GalleryItem, scale: number): string | null {
  if (item.request.kind !== 'txt2img') return 'Upscale runs a text-to-image result again with the hires fix; for this image use Image to image with a larger size.';
  if (item.recovered) return 'This image was found without its settings file, so its exact settings are not known; use Image to image with a larger size.';
  if (item.request.params.hires) return 'This image was already upscaled with the hires fix; upscale the original it was made from, or use Image to image with a larger size.';
  const side = Math.max(item.width, item.height) * scale;
  if (side > HIRES_MAX_SIDE) return `${Math.round(side)} pixels on a side is more than the ${HIRES_MAX_SIDE} this upscale allows; pick a smaller factor.`;
  return null;
}

/** The job that upscales `item`: its request, its own seed, one image, the hires fix with Lanczos. */
export function upscaleRequest(item: GalleryItem, opts: UpscaleOptions): JobRequestInput | null {
  if (item.request.kind !== 'txt2img' || cannotUpscale(item, opts.scale) !== null) return null;
  const params = item.request.params;
  return {
    kind: 'txt2img',
    params: {
      ...params,
      width: item.width,
      height: item.height,
      seed: item.seed,
      batchSize: 1,
      batchCount: 1,
      hires: { scale: opts.scale, denoise: Math.min(1, Math.max(0, opts.strength)), upscaler: 'lanczos' },
    },
  };
}
