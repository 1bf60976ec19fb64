/**
 * Small, honest summaries of real tensors for the Pipeline view: shape and statistics (min, max, mean,
 * population std, accumulated in double), and pictures of them at their own resolution — a channel in
 * grey, a signed map or a magnitude through the Turbo colour map (imageio/heatmap.ts).
 */
import type { Rgb8Image } from '../imageio/convert.ts';
import { heatmapRgb8 } from '../imageio/heatmap.ts';
import { encodePng } from '../imageio/png.ts';
import { EngineError } from '../types.ts';

export interface ValueStats {
  min: number;
  max: number;
  mean: number;
  std: number;
}

export interface TensorSummary extends ValueStats {
  /** what the tensor is, e.g. "x̂₀ with the prompt" */
  name: string;
  dims: number[];
  dtype: string;
}

type Values = ArrayLike<number>;

export function valueStats(values: Values): ValueStats {
  const n = values.length;
  if (n === 0) return { min: 0, max: 0, mean: 0, std: 0 };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i] - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(sq / n) };
}

export function summarize(name: string, t: { readonly dims: readonly number[]; readonly data: Values; readonly dtype?: string }): TensorSummary {
  return { name, dims: [...t.dims], dtype: t.dtype ?? 'float32', ...valueStats(t.data) };
}

export const dataUrl = async (image: Rgb8Image): Promise<string> => `data:image/png;base64,${(await encodePng(image)).toString('base64')}`;

/** One channel plane in grey, lo → black, hi → white. */
export function greyRgb8(plane: Values, width: number, height: number, lo: number, hi: number): Rgb8Image {
  if (plane.length !== width * height) throw new EngineError('INTERNAL', `grey image: ${plane.length} values for ${width}×${height}`);
  const span = hi > lo ? hi - lo : 1;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < plane.length; i++) data.fill(Math.round(Math.min(1, Math.max(0, (plane[i] - lo) / span)) * 255), i * 3, i * 3 + 3);
  return { width, height, data };
}

/** Signed values through Turbo, −scale → dark blue, 0 → green, +scale → dark red. */
export function signedRgb8(values: Values, width: number, height: number, scale: number): Rgb8Image {
  const shifted = new Float32Array(values.length);
  const s = scale > 0 ? scale : 1;
  for (let i = 0; i < shifted.length; i++) shifted[i] = (values[i] / s + 1) / 2;
  return heatmapRgb8(shifted, width, height, 1);
}

/** Per pixel ‖v‖₂ over the channels of a [1, C, h, w] tensor. */
export function channelNorm(data: Values, channels: number, plane: number): Float32Array {
  const out = new Float32Array(plane);
  for (let p = 0; p < plane; p++) {
    let sq = 0;
    for (let c = 0; c < channels; c++) sq += data[c * plane + p] ** 2;
    out[p] = Math.sqrt(sq);
  }
  return out;
}

/** Largest |v|, at least a tiny positive number (a scale for signed pictures). */
export function absMax(values: Values): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m > 0 ? m : 1e-12;
}
