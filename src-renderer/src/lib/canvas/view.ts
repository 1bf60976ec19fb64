/**
 * Zoom and pan of an image in a viewport, free of the DOM: screen = image · scale + offset. The
 * inpaint canvas maps pointer positions to mask pixels with `screenToImage`, zooms about the
 * cursor with `zoomAt` (the point under the cursor stays put), and starts from `fitView`.
 */
import type { Point } from './mask.ts';

export interface View {
  readonly scale: number;
  readonly x: number;
  readonly y: number;
}

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 32;

const clampScale = (s: number): number => Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));

/** The whole image centred in the viewport with a margin, never scaled above 1:1 × `maxFit`. */
export function fitView(imageW: number, imageH: number, viewW: number, viewH: number, margin = 16, maxFit = 4): View {
  const scale = clampScale(Math.min((viewW - 2 * margin) / imageW, (viewH - 2 * margin) / imageH, maxFit));
  return { scale, x: (viewW - imageW * scale) / 2, y: (viewH - imageH * scale) / 2 };
}

export function screenToImage(view: View, p: Point): Point {
  return { x: (p.x - view.x) / view.scale, y: (p.y - view.y) / view.scale };
}

export function imageToScreen(view: View, p: Point): Point {
  return { x: p.x * view.scale + view.x, y: p.y * view.scale + view.y };
}

/** Scales by `factor` about the screen point p (it stays over the same image pixel). */
export function zoomAt(view: View, factor: number, p: Point): View {
  const scale = clampScale(view.scale * factor);
  const k = scale / view.scale;
  return { scale, x: p.x - (p.x - view.x) * k, y: p.y - (p.y - view.y) * k };
}

export function panBy(view: View, dx: number, dy: number): View {
  return { scale: view.scale, x: view.x + dx, y: view.y + dy };
}

/** A wheel delta (pixels) as a zoom factor: 100 px of wheel ≈ ×1.2. */
export function wheelFactor(deltaY: number): number {
  return Math.exp(-deltaY * 0.0018);
}
