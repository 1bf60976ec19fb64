/**
 * The forward process as the studio scrubs it: at evenly spaced times t, the traced data points
 * noised with one fixed ε (x_t = α·x₀ + σ·ε, so each point moves smoothly), the exact density of
 * x_t on a grid, and the score ∇log p_t (vp, ve) or the flow-matching velocity E[ε − x₀ | x_t]
 * (flow) as arrows on a coarser grid. All in the process's own coordinates.
 */
import { denoise, density, score } from './mixture.ts';
import type { Mixture } from './mixture.ts';
import type { DiffusionProcess } from './process.ts';

export interface GridSpec {
  /** the square [−extent, extent]² */
  extent: number;
  /** density cells per side; row 0 is the top (y = +extent), column 0 the left (x = −extent) */
  density: number;
  /** arrows per side, same order */
  field: number;
}

export interface ForwardFrameView {
  t: number;
  alpha: number;
  sigma: number;
  points: [number, number][];
  /** density at each cell centre relative to the frame's largest, 0 … 255, row-major */
  density: number[];
  /** [u, v] at each arrow's centre, row-major */
  field: [number, number][];
}

export const GRID: GridSpec = { extent: 4, density: 48, field: 15 };
export const FRAME_COUNT = 21;
/** the velocity is undefined at t = 0 (division by t); the arrows of the first frame use this t */
const FLOW_FIELD_T_MIN = 0.01;

/** Drawn coordinates to 1e-4 (a hundredth of a pixel on a 4K screen) and arrows to 4 digits: half the bytes. */
export const roundXY = (x: number, y: number): [number, number] => [Math.round(x * 1e4) / 1e4, Math.round(y * 1e4) / 1e4];
const digits4 = (v: number): number => Number(v.toPrecision(4));

/** Cell centres of an n × n grid over the square, row 0 at the top, interleaved. */
export function gridCentres(n: number, extent: number): Float64Array {
  const out = new Float64Array(2 * n * n);
  const cell = (2 * extent) / n;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      out[2 * (r * n + c)] = -extent + (c + 0.5) * cell;
      out[2 * (r * n + c) + 1] = extent - (r + 0.5) * cell;
    }
  }
  return out;
}

/** The score (vp, ve) or the flow velocity (flow) of the noised mixture at time t, at interleaved points. */
export function field(mix: Mixture, process: DiffusionProcess, t: number, points: Float64Array): Float64Array {
  if (process.id !== 'flow') return score(mix, points, process.sigma(t), process.alpha(t));
  const tt = Math.max(t, FLOW_FIELD_T_MIN);
  const alpha = process.alpha(tt);
  const sigma = process.sigma(tt);
  const d = denoise(mix, points, sigma, alpha);
  // E[ε | x_t] = (x − α·E[x₀ | x_t])/σ, minus E[x₀ | x_t]
  return d.map((x0, i) => (points[i] - alpha * x0) / sigma - x0);
}

export function forwardFrames(mix: Mixture, process: DiffusionProcess, x0: Float64Array, eps: Float64Array): { grid: GridSpec; fieldKind: 'score' | 'velocity'; frames: ForwardFrameView[] } {
  const cells = gridCentres(GRID.density, GRID.extent);
  const arrows = gridCentres(GRID.field, GRID.extent);
  const frames: ForwardFrameView[] = [];
  for (let f = 0; f < FRAME_COUNT; f++) {
    const t = f / (FRAME_COUNT - 1);
    const alpha = process.alpha(t);
    const sigma = process.sigma(t);
    const points = Array.from({ length: x0.length / 2 }, (_, i) => roundXY(alpha * x0[2 * i] + sigma * eps[2 * i], alpha * x0[2 * i + 1] + sigma * eps[2 * i + 1]));
    const p = Array.from({ length: cells.length / 2 }, (_, i) => density(mix, cells[2 * i], cells[2 * i + 1], sigma, alpha));
    const max = Math.max(...p);
    const v = field(mix, process, t, arrows);
    frames.push({
      t,
      alpha,
      sigma,
      points,
      density: p.map((d) => (max > 0 ? Math.round((255 * d) / max) : 0)),
      field: Array.from({ length: v.length / 2 }, (_, i): [number, number] => [digits4(v[2 * i]), digits4(v[2 * i + 1])]),
    });
  }
  return { grid: GRID, fieldKind: process.id === 'flow' ? 'velocity' : 'score', frames };
}
