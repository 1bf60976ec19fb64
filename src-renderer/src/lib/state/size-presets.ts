/**
 * Image size presets derived from a model's default size: the short side stays at the size the
 * model was trained for (SD 1.5: 512 → 512×768 for 2:3, as its users know it) and the long side
 * follows the aspect ratio, rounded to a multiple of the model's size step (its VAE factor: 8 for SD,
 * 16 for reverie-mini v2).
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

/** The size step of models that do not report one (every SD VAE downsamples by 8). */
export const DEFAULT_SIZE_STEP = 8;

/** Nearest multiple of `step` within [64, 4096]. */
export function roundToStep(n: number, step = DEFAULT_SIZE_STEP): number {
  if (!Number.isFinite(n)) return MIN_SIZE;
  return Math.min(MAX_SIZE, Math.max(MIN_SIZE, Math.round(n / step) * step));
}

/** Nearest multiple of 8 within [64, 4096]. */
export function roundToEight(n: number): number {
  return roundToStep(n, 8);
}

/** Whether a side is a whole multiple of `step` within [64, 4096]. */
export function isValidSide(v: number, step = DEFAULT_SIZE_STEP): boolean {
  return Number.isInteger(v) && v >= MIN_SIZE && v <= MAX_SIZE && v % step === 0;
}

/**
 * The size an image-derived run works at (the engine's default for image to image and inpaint): the
 * image's aspect at no more than the model's default area (scaled down, never up), sides rounded to
 * the model's size step — shown before the run, so the user sees the size that will really be used.
 */
export function imageWorkSize(image: { width: number; height: number }, area: number, step = DEFAULT_SIZE_STEP): { width: number; height: number } {
  const scale = Math.min(1, Math.sqrt(area / (image.width * image.height)));
  return { width: roundToStep(image.width * scale, step), height: roundToStep(image.height * scale, step) };
}

export function sizePresets(defaultWidth: number, defaultHeight: number, step = DEFAULT_SIZE_STEP): SizePreset[] {
  const short = roundToStep(Math.min(defaultWidth, defaultHeight), step);
  return RATIOS.map(([w, h, kind]) => {
    const width = w >= h ? roundToStep((short * w) / h, step) : short;
    const height = w >= h ? short : roundToStep((short * h) / w, step);
    return { label: `${w}:${h}`, name: `${kind} ${w}:${h}`, width, height };
  });
}
