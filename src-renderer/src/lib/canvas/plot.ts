/**
 * The maths of the schedule plots (SVG), free of the DOM: scales, tick values, path strings.
 * Sigma spans four decades (0.03 … 15 for SD), so it is drawn on a log axis; log SNR = −2·ln σ
 * (Kingma et al. 2021) is the same curve read on the opposite axis, so one line serves both.
 */

export type ScaleFn = (v: number) => number;

/** The space around a plot's area, for tick labels and axis labels (SVG user units). */
export interface PlotMargin {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export function linearScale(d0: number, d1: number, r0: number, r1: number): ScaleFn {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** A log10 scale; values ≤ 0 map to NaN (a gap in a path). */
export function logScale(d0: number, d1: number, r0: number, r1: number): ScaleFn {
  const lin = linearScale(Math.log10(d0), Math.log10(d1), r0, r1);
  return (v) => (v > 0 ? lin(Math.log10(v)) : Number.NaN);
}

/** An SVG path through the points; a non-finite point breaks the line. Coordinates to 0.1 px. */
export function pathD(points: readonly { x: number; y: number }[]): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${p.x.toFixed(1)} ${p.y.toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** 1, 2 and 5 times powers of ten inside [min, max] (only powers of ten when it spans > 3 decades). */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max > min)) return [];
  const decades = Math.log10(max / min);
  const mantissas = decades > 3 ? [1] : decades > 1.5 ? [1, 3] : [1, 2, 5];
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of mantissas) {
      const v = Number((m * 10 ** e).toPrecision(6));
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
    }
  }
  return out;
}

/** About `count` round values (1, 2, 5 × 10^k apart) covering [min, max]. */
export function linearTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Short labels for axis ticks and readouts: 14.6, 2.1, 0.35, 0.029. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (Number.isInteger(v) && a < 1e6) return String(v).replace('-', '−');
  const text = a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(2);
  return text.replace('-', '−');
}

/** log SNR of a noise level (Kingma et al.: SNR = ᾱ/(1 − ᾱ) = 1/σ²). */
export function logSnrOf(sigma: number): number {
  return sigma > 0 ? 0 - 2 * Math.log(sigma) + 0 : Number.POSITIVE_INFINITY;
}

/** The sigma at which log SNR equals `l` (the right axis's ticks placed on the sigma scale). */
export function sigmaOfLogSnr(l: number): number {
  return Math.exp(-l / 2);
}

/** The index of the value in a sorted-ascending array nearest to v. */
export function nearestIndex(sorted: readonly number[], v: number): number {
  if (sorted.length === 0) return -1;
  let lo = 0;
  let hi = sorted.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= v) lo = mid;
    else hi = mid;
  }
  return Math.abs(sorted[hi] - v) < Math.abs(sorted[lo] - v) ? hi : lo;
}
