/**
 * Inpainting mask maths, free of the DOM: an 8-bit mask at the image's resolution (255 = repaint,
 * as the engine reads a grayscale mask), round brush dabs with a hardness falloff, strokes as dabs
 * spaced along the pointer's path, and the whole-mask operations (invert, clear, feather, bounds).
 *
 * A stroke paints into its own coverage buffer with max(), then composites onto the mask as it was
 * before the stroke — so dabs that overlap within one stroke never build up into hard blotches
 * (the way Photoshop's and Krita's "flow 100%" brushes behave).
 */

export interface MaskImage {
  readonly width: number;
  readonly height: number;
  /** width·height bytes, row-major; 255 = repaint, 0 = keep */
  readonly data: Uint8Array;
}

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export type BrushMode = 'paint' | 'erase';

export interface Brush {
  /** radius in image pixels */
  readonly radius: number;
  /** 0: soft all the way from the centre; 1: a hard edge (one pixel of anti-aliasing) */
  readonly hardness: number;
  readonly mode: BrushMode;
}

export function createMask(width: number, height: number): MaskImage {
  return { width, height, data: new Uint8Array(width * height) };
}

const smoothstep = (t: number): number => t * t * (3 - 2 * t);

/**
 * Coverage 0…1 of a dab at distance d from its centre: full inside hardness·r, then a smoothstep
 * down to 0 at r (at least one pixel wide, so a hard brush still has an anti-aliased edge).
 */
export function brushFalloff(d: number, radius: number, hardness: number): number {
  const r = Math.max(0.5, radius);
  const h = Math.min(1, Math.max(0, hardness));
  const inner = Math.max(0, Math.min(h * r, r - 1));
  if (d <= inner) return 1;
  if (d >= r) return 0;
  return smoothstep(1 - (d - inner) / (r - inner));
}

/** The pixels a dab at (cx, cy) touches, clipped to the image; null when it misses the image. */
export function dabRect(cx: number, cy: number, radius: number, width: number, height: number): Rect | null {
  const x0 = Math.max(0, Math.floor(cx - radius));
  const y0 = Math.max(0, Math.floor(cy - radius));
  const x1 = Math.min(width, Math.ceil(cx + radius) + 1);
  const y1 = Math.min(height, Math.ceil(cy + radius) + 1);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}

/**
 * Stamps one dab into a coverage buffer (width·height bytes) with max(); pixel centres are at
 * (x + 0.5, y + 0.5). Returns the rectangle it touched.
 */
export function stampDab(coverage: Uint8Array, width: number, height: number, center: Point, brush: Brush): Rect | null {
  const rect = dabRect(center.x, center.y, brush.radius, width, height);
  if (!rect) return null;
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    const dy = y + 0.5 - center.y;
    for (let x = rect.x; x < rect.x + rect.width; x++) {
      const dx = x + 0.5 - center.x;
      const v = Math.round(255 * brushFalloff(Math.hypot(dx, dy), brush.radius, brush.hardness));
      const i = y * width + x;
      if (v > coverage[i]) coverage[i] = v;
    }
  }
  return rect;
}

/** Dab centres from `from` (excluded) to `to` (included), at most `spacing` apart. */
export function strokePoints(from: Point, to: Point, spacing: number): Point[] {
  const length = Math.hypot(to.x - from.x, to.y - from.y);
  const n = Math.max(1, Math.ceil(length / Math.max(0.5, spacing)));
  return Array.from({ length: n }, (_, k) => ({ x: from.x + ((to.x - from.x) * (k + 1)) / n, y: from.y + ((to.y - from.y) * (k + 1)) / n }));
}

/** Dabs this close together (a quarter of the radius) look like one continuous stroke. */
export function dabSpacing(radius: number): number {
  return Math.max(0.5, radius / 4);
}

/** out = base painted (or erased) by the stroke's coverage, inside rect. */
export function composeStroke(base: Uint8Array, coverage: Uint8Array, out: Uint8Array, width: number, rect: Rect, mode: BrushMode): void {
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    for (let i = y * width + rect.x, end = i + rect.width; i < end; i++) {
      const b = base[i];
      const c = coverage[i];
      out[i] = mode === 'paint' ? b + Math.round(((255 - b) * c) / 255) : b - Math.round((b * c) / 255);
    }
  }
}

export function unionRect(a: Rect | null, b: Rect | null): Rect | null {
  if (!a) return b;
  if (!b) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

export function fullRect(m: { width: number; height: number }): Rect {
  return { x: 0, y: 0, width: m.width, height: m.height };
}

export function invertMask(m: MaskImage): MaskImage {
  return { width: m.width, height: m.height, data: m.data.map((v) => 255 - v) };
}

/** Bounding box of the pixels at 50% or more (what the engine counts as painted); null when none. */
export function maskBounds(m: MaskImage, threshold = 128): Rect | null {
  let x0 = m.width;
  let y0 = m.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      if (m.data[y * m.width + x] >= threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** Fraction of the image marked for repainting (pixels at 50% or more). */
export function maskCoverage(m: MaskImage): number {
  let n = 0;
  for (const v of m.data) if (v >= 128) n++;
  return m.data.length === 0 ? 0 : n / m.data.length;
}

/**
 * Gaussian blur of the mask with standard deviation `sigma` pixels, kernel cut at 3σ, edges
 * clamped — the feathering the engine applies before compositing (imageio/mask.ts), shown on the
 * canvas so the user sees where the seam will fade.
 */
export function featherMask(m: MaskImage, sigma: number): MaskImage {
  if (!(sigma > 0)) return { width: m.width, height: m.height, data: Uint8Array.from(m.data) };
  const radius = Math.ceil(3 * sigma);
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) sum += kernel[k + radius] = Math.exp(-(k * k) / (2 * sigma * sigma));
  for (let k = 0; k < kernel.length; k++) kernel[k] /= sum;
  const { width: w, height: h } = m;
  const tmp = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += kernel[k + radius] * m.data[y * w + Math.min(w - 1, Math.max(0, x + k))];
      tmp[y * w + x] = acc;
    }
  }
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += kernel[k + radius] * tmp[Math.min(h - 1, Math.max(0, y + k)) * w + x];
      out[y * w + x] = Math.round(acc);
    }
  }
  return { width: w, height: h, data: out };
}

/** Copies rect out of a width-wide buffer (for undo). */
export function cropBytes(data: Uint8Array, width: number, rect: Rect): Uint8Array {
  const out = new Uint8Array(rect.width * rect.height);
  for (let y = 0; y < rect.height; y++) out.set(data.subarray((rect.y + y) * width + rect.x, (rect.y + y) * width + rect.x + rect.width), y * rect.width);
  return out;
}

/** Writes a crop back into rect. */
export function pasteBytes(data: Uint8Array, width: number, rect: Rect, crop: Uint8Array): void {
  for (let y = 0; y < rect.height; y++) data.set(crop.subarray(y * rect.width, (y + 1) * rect.width), (rect.y + y) * width + rect.x);
}
