/**
 * SDXL's size conditioning in words and in PNG parameters. SDXL was trained with three facts about
 * each picture beside its caption (Podell et al. 2023, "SDXL", §2.2): the size it had before it was
 * cropped and resized ("original size"), where the crop began ("crop top-left") and the size it was
 * trained at ("target size"). diffusers' `_get_add_time_ids` feeds them to the UNet as six numbers,
 * (original h, w, crop top, left, target h, w); its pipeline and A1111 (modules/sd_models_xl.py:
 * target_width/height, opts.sdxl_crop_top/left) default to original = target = the image's size and
 * a crop at 0, 0.
 *
 * A1111 has no infotext field for them, so Reverie writes its own, only for a value that differs from
 * its default, each as "horizontal x vertical" like A1111's "Size": `SDXL original size: 2048x1536,
 * SDXL crop top-left: 32x0, SDXL target size: 1024x1024`. Reading back keeps what is written; a field
 * left out means its default.
 */

export interface PixelSize {
  readonly width: number;
  readonly height: number;
}

export interface SizeConditioning {
  /** the size the picture "had before it was cropped"; default: the run's size. Smaller looks upscaled and soft. */
  readonly originalSize?: PixelSize;
  /** pixels from the left (x) and the top (y) where the crop began; default 0, 0. Larger looks cut off. */
  readonly cropTopLeft?: { readonly x: number; readonly y: number };
  /** the size the picture is meant to be; default: the run's size */
  readonly targetSize?: PixelSize;
}

export const SDXL_ORIGINAL_KEY = 'SDXL original size';
export const SDXL_CROP_KEY = 'SDXL crop top-left';
export const SDXL_TARGET_KEY = 'SDXL target size';

/** The three facts with the defaults filled in for an image of width × height. */
export function resolvedSizeConditioning(sc: SizeConditioning | undefined, width: number, height: number): Required<SizeConditioning> {
  return {
    originalSize: sc?.originalSize ?? { width, height },
    cropTopLeft: sc?.cropTopLeft ?? { x: 0, y: 0 },
    targetSize: sc?.targetSize ?? { width, height },
  };
}

/** The infotext fields of the values that differ from their defaults at width × height (none: []). */
export function sizeConditioningInfotext(sc: SizeConditioning | undefined, width: number, height: number): [string, string][] {
  const r = resolvedSizeConditioning(sc, width, height);
  const out: [string, string][] = [];
  if (r.originalSize.width !== width || r.originalSize.height !== height) out.push([SDXL_ORIGINAL_KEY, `${r.originalSize.width}x${r.originalSize.height}`]);
  if (r.cropTopLeft.x !== 0 || r.cropTopLeft.y !== 0) out.push([SDXL_CROP_KEY, `${r.cropTopLeft.x}x${r.cropTopLeft.y}`]);
  if (r.targetSize.width !== width || r.targetSize.height !== height) out.push([SDXL_TARGET_KEY, `${r.targetSize.width}x${r.targetSize.height}`]);
  return out;
}

/** The largest side or crop offset accepted anywhere (sizes of photographs, not of generated images). */
export const MAX_CONDITIONING_SIDE = 16384;

const PAIR_RE = /^\s*(\d+)\s*[x×,]\s*(\d+)\s*$/;

/** "1024x768" (also "1024×768" or "1024,768") → [1024, 768]; undefined when it is not two whole numbers. */
export function parsePair(text: string): [number, number] | undefined {
  const m = PAIR_RE.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * The size conditioning written in a PNG's parameters (the fields above), or undefined when it has
 * none. A malformed or out-of-range value is left out with a note.
 */
export function readSizeConditioning(extra: Readonly<Record<string, string>>, notes: string[]): SizeConditioning | undefined {
  const read = (key: string, min: number): [number, number] | undefined => {
    const text = extra[key];
    if (text === undefined) return undefined;
    const pair = parsePair(text);
    if (pair && pair.every((v) => v >= min && v <= MAX_CONDITIONING_SIDE)) return pair;
    notes.push(`"${key}: ${text}" is not two whole numbers from ${min} to ${MAX_CONDITIONING_SIDE} like 1024x1024; leaving it at its default.`);
    return undefined;
  };
  const original = read(SDXL_ORIGINAL_KEY, 1);
  const crop = read(SDXL_CROP_KEY, 0);
  const target = read(SDXL_TARGET_KEY, 1);
  if (!original && !crop && !target) return undefined;
  return {
    ...(original ? { originalSize: { width: original[0], height: original[1] } } : {}),
    ...(crop ? { cropTopLeft: { x: crop[0], y: crop[1] } } : {}),
    ...(target ? { targetSize: { width: target[0], height: target[1] } } : {}),
  };
}
