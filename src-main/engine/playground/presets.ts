/**
 * The playground's data sets, all Gaussian mixtures so every noised density stays exact:
 * `gaussian` and `two` are the test cases of issue 13; `rings`, `moons`, `smiley` and `letters`
 * are shapes made of many small components placed along curves; user points become one small
 * component each. Everything fits in the square [−4, 4]² the studio draws.
 */
import { EngineError } from '../types.ts';
import { mixture } from './mixture.ts';
import type { Component, Mixture } from './mixture.ts';

export const DATASETS = ['gaussian', 'two', 'rings', 'moons', 'smiley', 'letters'] as const;
export type DatasetId = (typeof DATASETS)[number];

export const DATASET_LABELS: Readonly<Record<DatasetId, string>> = {
  gaussian: 'One Gaussian',
  two: 'Two Gaussians',
  rings: 'Rings',
  moons: 'Two moons',
  smiley: 'Smiley',
  letters: 'Letters',
};

/** the std of each user point's component, and of the small components along the shapes */
export const POINT_STD = 0.15;
const SHAPE_STD = 0.1;
/** the most user points one mixture takes */
export const MAX_USER_POINTS = 500;
/** user points must lie in [−LIMIT, LIMIT]² */
export const POINT_LIMIT = 6;

type Point = readonly [number, number];

/** `count` points evenly along an arc of a circle (angles in radians, end excluded for full circles). */
function arc(cx: number, cy: number, r: number, from: number, to: number, count: number, closed = false): Point[] {
  const n = closed ? count : count - 1;
  return Array.from({ length: count }, (_, i) => {
    const a = from + ((to - from) * i) / n;
    return [cx + r * Math.cos(a), cy + r * Math.sin(a)] as const;
  });
}

/** Points about `spacing` apart along a polyline. */
function polyline(points: readonly Point[], spacing: number): Point[] {
  const out: Point[] = [points[0]];
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1];
    const [x1, y1] = points[i];
    const n = Math.max(1, Math.round(Math.hypot(x1 - x0, y1 - y0) / spacing));
    for (let j = 1; j <= n; j++) out.push([x0 + ((x1 - x0) * j) / n, y0 + ((y1 - y0) * j) / n]);
  }
  return out;
}

const along = (points: readonly Point[], std = SHAPE_STD, weight = 1): Component[] => points.map((mean) => ({ weight, mean, std }));

/** "DM" (diffusion model) in strokes 2.2 units high: a D of a bar and a half circle, an M of four bars. */
function letters(): Component[] {
  const d = [...polyline([[-2.3, 1.1], [-2.3, -1.1]], 0.22), ...arc(-2.3, 0, 1.1, Math.PI / 2, -Math.PI / 2, 11).slice(1, -1)];
  const m = polyline([[-0.2, -1.1], [-0.2, 1.1], [0.9, -0.1], [2, 1.1], [2, -1.1]], 0.22);
  return along([...d, ...m]);
}

const PRESETS: Readonly<Record<DatasetId, () => Component[]>> = {
  gaussian: () => [{ weight: 1, mean: [1.5, -0.5], std: 0.3 }],
  two: () => [
    { weight: 1, mean: [-2, 0], std: 0.5 },
    { weight: 1, mean: [2, 0], std: 0.5 },
  ],
  // weights follow the circumference, so both rings are equally dense
  rings: () => [...along(arc(0, 0, 1, 0, 2 * Math.PI, 10, true)), ...along(arc(0, 0, 2.5, 0, 2 * Math.PI, 25, true))],
  // scikit-learn's make_moons, centred and scaled by 2
  moons: () => {
    const upper = arc(0, 0, 1, 0, Math.PI, 14);
    const lower = arc(1, 0.5, 1, Math.PI, 2 * Math.PI, 14);
    return along([...upper, ...lower].map(([x, y]) => [2 * (x - 0.5), 2 * (y - 0.25)] as const));
  },
  smiley: () => [
    ...along(arc(0, 0, 2.6, 0, 2 * Math.PI, 36, true)),
    { weight: 3, mean: [-0.9, 0.8], std: 0.25 },
    { weight: 3, mean: [0.9, 0.8], std: 0.25 },
    ...along(arc(0, 0.2, 1.5, (-150 * Math.PI) / 180, (-30 * Math.PI) / 180, 12)),
  ],
  letters,
};

/** A preset's mixture. */
export function presetMixture(id: DatasetId): Mixture {
  return mixture(PRESETS[id]());
}

/** One component of std POINT_STD per user point, equal weights; BAD_INPUT for none, too many or far away. */
export function pointsMixture(points: readonly (readonly number[])[]): Mixture {
  if (points.length === 0) throw new EngineError('BAD_INPUT', 'data "points" needs at least one point; click on the plot to add some');
  if (points.length > MAX_USER_POINTS) throw new EngineError('BAD_INPUT', `at most ${MAX_USER_POINTS} user points, got ${points.length}`);
  for (const [i, p] of points.entries()) {
    if (p.length !== 2 || !p.every((v) => Number.isFinite(v) && Math.abs(v) <= POINT_LIMIT)) {
      throw new EngineError('BAD_INPUT', `user point ${i} is ${JSON.stringify(p)}; points are [x, y] with |x|, |y| ≤ ${POINT_LIMIT}`);
    }
  }
  return mixture(points.map((p) => ({ weight: 1, mean: [p[0], p[1]] as const, std: POINT_STD })));
}

/** `data` names a preset or "points" (then `points` holds them); BAD_INPUT listing the choices otherwise. */
export function dataMixture(data: string, points: readonly (readonly number[])[] = []): Mixture {
  if (data === 'points') return pointsMixture(points);
  if (!(DATASETS as readonly string[]).includes(data)) {
    throw new EngineError('BAD_INPUT', `unknown data set ${JSON.stringify(data)}; choose one of ${DATASETS.join(', ')} or points`);
  }
  return presetMixture(data as DatasetId);
}
