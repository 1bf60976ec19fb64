/**
 * Image size presets derived from a model's default size: the short side stays at the size the
 * model was trained for (SD 1.5: 512 → 512×768 for 2:3, as its users know it) and the long side
 * follows the aspect ratio, rounded to a multiple of 8 (what the VAE needs).
 */
export interface SizePreset {
  /** "2:3" */
  label: string;
  /** "Portrait 2:3" */
  name: string;
  width: number;
  height: number;
}

export const MIN_SIZE = 64;
export const MAX_SIZE = 4096;

const RATIOS: readonly [number, number, string][] = [
  [1, 1, 'Square'],
  [3, 4, 'Portrait'],
  [4, 3, 'Landscape'],
  [2, 3, 'Portrait'],
  [3, 2, 'Landscape'],
  [9, 16, 'Tall'],
  [16, 9, 'Wide'],
];

/** Nearest multiple of 8 within [64, 4096]. */
export function roundToEight(n: number): number {
  if (!Number.isFinite(n)) return MIN_SIZE;
  return Math.min(MAX_SIZE, Math.max(MIN_SIZE, Math.round(n / 8) * 8));
}

export function sizePresets(defaultWidth: number, defaultHeight: number): SizePreset[] {
  const short = roundToEight(Math.min(defaultWidth, defaultHeight));
  return RATIOS.map(([w, h, kind]) => {
    const width = w >= h ? roundToEight((short * w) / h) : short;
    const height = w >= h ? short : roundToEight((short * h) / w);
    return { label: `${w}:${h}`, name: `${kind} ${w}:${h}`, width, height };
  });
}
