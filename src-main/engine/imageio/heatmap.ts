/**
 * Scalar maps as colour images: the Turbo colour map (Anton Mikhailov, Google, 2019; polynomial
 * approximation by Ruofei Du, "Turbo, An Improved Rainbow Colormap for Visualization", Google AI blog,
 * Apache-2.0), dark blue for 0 through green and yellow to dark red for 1.
 */
import { EngineError } from '../types.ts';
import type { Rgb8Image } from './convert.ts';

// Du's fit: channel(x) = Σ_{k=0..5} c_k·x^k
const RED = [0.13572138, 4.6153926, -42.66032258, 132.13108234, -152.94239396, 59.28637943];
const GREEN = [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604];
const BLUE = [0.1066733, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973];

function poly(c: readonly number[], x: number): number {
  let v = 0;
  for (let k = c.length - 1; k >= 0; k--) v = v * x + c[k];
  return v;
}

const to8 = (v: number): number => Math.round(Math.min(1, Math.max(0, v)) * 255);

/** Turbo colour of x in [0, 1] (clamped) as 8-bit RGB. */
export function turbo(x: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, Number.isNaN(x) ? 0 : x));
  return [to8(poly(RED, t)), to8(poly(GREEN, t)), to8(poly(BLUE, t))];
}

/** values (width·height) mapped by v / scale through Turbo; scale must be > 0. */
export function heatmapRgb8(values: Float32Array, width: number, height: number, scale: number): Rgb8Image {
  if (values.length !== width * height) throw new EngineError('INTERNAL', `heatmap: ${values.length} values for ${width}×${height}`);
  if (!(scale > 0)) throw new EngineError('BAD_INPUT', `heatmap scale must be positive, got ${scale}`);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < values.length; i++) data.set(turbo(values[i] / scale), i * 3);
  return { width, height, data };
}

/** The q-quantile (0..1) of values, by sorting a copy. */
export function quantile(values: Float32Array, q: number): number {
  if (values.length === 0) return 0;
  const s = Float32Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}
