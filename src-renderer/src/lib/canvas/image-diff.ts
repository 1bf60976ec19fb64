/**
 * How far apart two pictures are, pixel by pixel: the comparisons' divergence curve (the mean
 * absolute difference of the two runs' x̂₀ previews at every step). Pure arithmetic: the caller
 * loads the pixels (the browser's canvas, in DivergencePlot.svelte).
 */

export interface Pixels {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

/** Mean |a − b| over the colour channels of two RGBA buffers of the same size, in 8-bit levels (0–255). */
export function meanAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length % 4 !== 0) throw new Error(`meanAbsDifference: sizes differ (${a.length} and ${b.length})`);
  let sum = 0;
  for (let i = 0; i < a.length; i += 4) sum += Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]);
  return a.length === 0 ? 0 : sum / ((a.length / 4) * 3);
}

/** Per step, the distance between two runs' images (pairs of URLs, same sizes); null where a pair does not match. */
export async function stepDistances(pairs: readonly (readonly [string, string])[], load: (url: string) => Promise<Pixels>): Promise<(number | null)[]> {
  const out: (number | null)[] = [];
  for (const [a, b] of pairs) {
    const [pa, pb] = await Promise.all([load(a), load(b)]);
    out.push(pa.width === pb.width && pa.height === pb.height ? meanAbsDifference(pa.data, pb.data) : null);
  }
  return out;
}
