/**
 * The Generate form's SDXL size conditioning (engine/imageio/sdxl-size.ts): what the UNet is told
 * about the picture's original size, crop top-left and target size. An empty size follows the image
 * size (diffusers' and A1111's default), the crop defaults to 0, 0; only what differs is sent. Read
 * back from PNGs ("SDXL original size", "SDXL crop top-left", "SDXL target size").
 */
import type { ImageParameters } from '../api/types.ts';

export const SDXL_SIDE_MAX = 16384;

export type SizeConditioningRequest = NonNullable<ImageParameters['sizeConditioning']>;

type Side = number | null;

const side = (v: number | null): Side => (v === null || !Number.isFinite(v) ? null : Math.min(SDXL_SIDE_MAX, Math.max(1, Math.round(v))));
const offset = (v: number): number => (Number.isFinite(v) ? Math.min(SDXL_SIDE_MAX, Math.max(0, Math.round(v))) : 0);

export class SdxlSizeSettings {
  #originalWidth = $state<Side>(null);
  #originalHeight = $state<Side>(null);
  #cropX = $state(0);
  #cropY = $state(0);
  #targetWidth = $state<Side>(null);
  #targetHeight = $state<Side>(null);

  /** every field at its default (nothing sent) */
  readonly isDefault = $derived(
    this.#originalWidth === null && this.#originalHeight === null && this.#cropX === 0 && this.#cropY === 0 && this.#targetWidth === null && this.#targetHeight === null,
  );

  get originalWidth(): Side {
    return this.#originalWidth;
  }
  set originalWidth(v: Side) {
    this.#originalWidth = side(v);
  }
  get originalHeight(): Side {
    return this.#originalHeight;
  }
  set originalHeight(v: Side) {
    this.#originalHeight = side(v);
  }
  get cropX(): number {
    return this.#cropX;
  }
  set cropX(v: number) {
    this.#cropX = offset(v);
  }
  get cropY(): number {
    return this.#cropY;
  }
  set cropY(v: number) {
    this.#cropY = offset(v);
  }
  get targetWidth(): Side {
    return this.#targetWidth;
  }
  set targetWidth(v: Side) {
    this.#targetWidth = side(v);
  }
  get targetHeight(): Side {
    return this.#targetHeight;
  }
  set targetHeight(v: Side) {
    this.#targetHeight = side(v);
  }

  /** Back to the defaults: sizes follow the image, no crop. */
  reset(): void {
    this.#originalWidth = this.#originalHeight = this.#targetWidth = this.#targetHeight = null;
    this.#cropX = this.#cropY = 0;
  }

  /** What the job sends for an image of width × height: a size with one side empty takes the other from the image; undefined when all are defaults. */
  request(width: number, height: number): SizeConditioningRequest | undefined {
    if (this.isDefault) return undefined;
    const pair = (w: Side, h: Side): { width: number; height: number } | undefined => (w === null && h === null ? undefined : { width: w ?? width, height: h ?? height });
    const originalSize = pair(this.#originalWidth, this.#originalHeight);
    const targetSize = pair(this.#targetWidth, this.#targetHeight);
    return {
      ...(originalSize ? { originalSize } : {}),
      ...(this.#cropX !== 0 || this.#cropY !== 0 ? { cropTopLeft: { x: this.#cropX, y: this.#cropY } } : {}),
      ...(targetSize ? { targetSize } : {}),
    };
  }

  /** what a reload keeps (generate-form's snapshot) */
  snapshot(): { originalWidth: Side; originalHeight: Side; cropX: number; cropY: number; targetWidth: Side; targetHeight: Side } {
    return { originalWidth: this.#originalWidth, originalHeight: this.#originalHeight, cropX: this.#cropX, cropY: this.#cropY, targetWidth: this.#targetWidth, targetHeight: this.#targetHeight };
  }

  /** Takes back a snapshot's fields that are well formed; others keep their value. */
  restore(s: Record<string, unknown>): void {
    const sideOf = (v: unknown): v is Side => v === null || (typeof v === 'number' && Number.isFinite(v));
    if (sideOf(s.originalWidth)) this.originalWidth = s.originalWidth;
    if (sideOf(s.originalHeight)) this.originalHeight = s.originalHeight;
    if (typeof s.cropX === 'number') this.cropX = s.cropX;
    if (typeof s.cropY === 'number') this.cropY = s.cropY;
    if (sideOf(s.targetWidth)) this.targetWidth = s.targetWidth;
    if (sideOf(s.targetHeight)) this.targetHeight = s.targetHeight;
  }

  /** From a PNG's parameters: its sizes, the defaults for what it does not name. */
  apply(p: Pick<ImageParameters, 'sizeConditioning'>): void {
    this.reset();
    const sc = p.sizeConditioning;
    if (!sc) return;
    if (sc.originalSize) [this.originalWidth, this.originalHeight] = [sc.originalSize.width, sc.originalSize.height];
    if (sc.cropTopLeft) [this.cropX, this.cropY] = [sc.cropTopLeft.x, sc.cropTopLeft.y];
    if (sc.targetSize) [this.targetWidth, this.targetHeight] = [sc.targetSize.width, sc.targetSize.height];
  }
}
