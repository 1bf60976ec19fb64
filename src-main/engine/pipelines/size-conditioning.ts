/**
 * SDXL's size conditioning as a run parameter: checked up front with messages that name the field
 * and the value (the facts and defaults are in imageio/sdxl-size.ts).
 */
import { MAX_CONDITIONING_SIDE } from '../imageio/sdxl-size.ts';
import type { PixelSize, SizeConditioning } from '../imageio/sdxl-size.ts';
import { EngineError } from '../types.ts';

export type { SizeConditioning } from '../imageio/sdxl-size.ts';

function whole(what: string, v: unknown, min: number, hint: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > MAX_CONDITIONING_SIDE) {
    throw new EngineError('BAD_INPUT', `${what} must be a whole number of pixels from ${min} to ${MAX_CONDITIONING_SIDE}, got ${String(v)}${hint}`);
  }
  return v;
}

function size(what: string, s: PixelSize | undefined): PixelSize | undefined {
  if (s === undefined) return undefined;
  if (typeof s !== 'object' || s === null) throw new EngineError('BAD_INPUT', `${what} must be {width, height} in pixels, got ${JSON.stringify(s)}`);
  const hint = '; leave it out to use the image size';
  return { width: whole(`${what} width`, s.width, 1, hint), height: whole(`${what} height`, s.height, 1, hint) };
}

/** Validates the three optional facts; throws EngineError('BAD_INPUT') naming the field and value. */
export function checkSizeConditioning(sc: SizeConditioning | undefined): SizeConditioning | undefined {
  if (sc === undefined) return undefined;
  if (typeof sc !== 'object' || sc === null) throw new EngineError('BAD_INPUT', `SDXL size conditioning must be {originalSize, cropTopLeft, targetSize}, got ${JSON.stringify(sc)}`);
  const originalSize = size('SDXL original size', sc.originalSize);
  const targetSize = size('SDXL target size', sc.targetSize);
  let cropTopLeft: SizeConditioning['cropTopLeft'];
  if (sc.cropTopLeft !== undefined) {
    const c = sc.cropTopLeft;
    if (typeof c !== 'object' || c === null) throw new EngineError('BAD_INPUT', `SDXL crop top-left must be {x, y} in pixels, got ${JSON.stringify(c)}`);
    const hint = ' (0, 0 is an uncropped picture)';
    cropTopLeft = { x: whole('SDXL crop top-left x', c.x, 0, hint), y: whole('SDXL crop top-left y', c.y, 0, hint) };
  }
  return { ...(originalSize ? { originalSize } : {}), ...(cropTopLeft ? { cropTopLeft } : {}), ...(targetSize ? { targetSize } : {}) };
}
