/**
 * `--original-size WxH`, `--crop-top-left X,Y`, `--target-size WxH`: SDXL's size conditioning from the
 * command line (engine/imageio/sdxl-size.ts). The form is checked here; the bounds by the engine,
 * before any model is loaded.
 */
import { parsePair } from '../../engine/imageio/sdxl-size.ts';
import type { SizeConditioning } from '../../engine/imageio/sdxl-size.ts';
import { UsageError } from '../usage.ts';

export const SIZE_CONDITIONING_OPTIONS = {
  'original-size': { type: 'string' },
  'crop-top-left': { type: 'string' },
  'target-size': { type: 'string' },
} as const;

export const SIZE_CONDITIONING_HELP = `  --original-size WxH    SDXL: the original size the model is told, e.g. 2048x2048 (default: the
                         image size); smaller than the image looks upscaled and soft
  --crop-top-left X,Y    SDXL: where the picture's crop began (default 0,0 = uncropped); larger
                         values cut the subject off at the left and top
  --target-size WxH      SDXL: the target size the model is told (default: the image size)`;

type Values = { [K in keyof typeof SIZE_CONDITIONING_OPTIONS]?: string };

function pair(name: string, value: string | undefined, form: string): [number, number] | undefined {
  if (value === undefined) return undefined;
  const p = parsePair(value);
  if (!p) throw new UsageError(`--${name} expects ${form} in whole pixels, e.g. ${form === 'X,Y' ? '0,0' : '1024x1024'}; got ${JSON.stringify(value)}`);
  return p;
}

/** The flags as the run's sizeConditioning; undefined when none was given. */
export function sizeConditioningFlags(values: Values): SizeConditioning | undefined {
  const original = pair('original-size', values['original-size'], 'WxH');
  const crop = pair('crop-top-left', values['crop-top-left'], 'X,Y');
  const target = pair('target-size', values['target-size'], 'WxH');
  if (!original && !crop && !target) return undefined;
  return {
    ...(original ? { originalSize: { width: original[0], height: original[1] } } : {}),
    ...(crop ? { cropTopLeft: { x: crop[0], y: crop[1] } } : {}),
    ...(target ? { targetSize: { width: target[0], height: target[1] } } : {}),
  };
}
