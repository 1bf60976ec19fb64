/**
 * Image input for the edit pipelines: any format sharp reads (PNG, JPEG, WebP, AVIF, TIFF, GIF's first
 * frame, ...), EXIF orientation applied, alpha kept aside (and the colour flattened onto white), a pixel
 * budget checked from the header BEFORE decoding (a 100 kB PNG can claim 50,000 × 50,000 pixels: a
 * decompression bomb), and fitting to the size the model works at.
 *
 * Fit modes (A1111's img2img "resize mode" names in brackets):
 * - `resize` (Just resize): stretch to the target size; aspect ratio may change.
 * - `crop` (Crop and resize): scale to cover the target, cut the overflow evenly on both sides.
 * - `fill` (Resize and fill): scale to fit inside the target, fill the rest by repeating the edge pixels.
 * An image already at the target size is returned as it is (no resampling, so pixels stay bit-exact).
 */
import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import { NotRegularFileError, readRegularFile } from '../regular-file.ts';
import { EngineError } from '../types.ts';
import type { Rgb8Image } from './convert.ts';

export type FitMode = 'resize' | 'crop' | 'fill';
export const FIT_MODES: readonly FitMode[] = ['resize', 'crop', 'fill'];

/** Default pixel budget: 40 MP (a 7,700 × 5,200 photo), about 160 MB of RGBA while decoding. */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/** Bytes of an encoded image, or a file path. */
export type ImageSource = Uint8Array | string;

/** A decoded raster: interleaved 8-bit channels, row-major. */
export interface Raster {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Uint8Array;
}

export interface DecodedImage {
  /** EXIF-oriented colour; where the image is transparent, flattened onto white */
  readonly rgb: Rgb8Image;
  /** width·height alpha bytes when the image has an alpha channel that is not fully opaque, else null */
  readonly alpha: Uint8Array | null;
  /** 'png', 'jpeg', 'webp', 'heif' (AVIF), 'tiff', ... as sharp names it */
  readonly format: string;
  /** the EXIF orientation that was applied (1 = none) */
  readonly orientation: number;
}

export interface ReadImageOptions {
  /** largest width·height accepted (default DEFAULT_MAX_PIXELS) */
  readonly maxPixels?: number;
  /** what the image is, for messages: 'image', 'mask', 'reference image', ... */
  readonly what?: string;
}

function invalid(message: string): never {
  throw new EngineError('IMAGE_INVALID', message);
}

async function bytesOf(source: ImageSource, what: string): Promise<{ bytes: Uint8Array; name: string }> {
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
    throw new EngineError('BAD_INPUT', `no ${what} given: pass a file path or the bytes of an image, got ${source === null ? 'null' : typeof source}`);
  }
  if (typeof source !== 'string') return { bytes: source, name: what };
  try {
    return { bytes: await readRegularFile(source), name: `${what} ${source}` };
  } catch (err) {
    if (err instanceof NotRegularFileError) {
      return invalid(`cannot read ${what} ${source}: it is ${err.kind}, not a regular file; save the image as a file and give that path`);
    }
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    return invalid(`cannot read ${what} ${source}: ${why}`);
  }
}

/** Decodes to RGBA (8-bit sRGB), oriented, after checking the header against the pixel budget. */
export async function decodeRaster(source: ImageSource, opts: ReadImageOptions = {}): Promise<{ rgba: Raster; format: string; orientation: number; hasAlpha: boolean }> {
  const what = opts.what ?? 'image';
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) {
    throw new EngineError('BAD_INPUT', `the pixel limit must be a whole number of pixels of at least 1 (default ${DEFAULT_MAX_PIXELS}), got ${maxPixels}`);
  }
  const { bytes, name } = await bytesOf(source, what);
  if (bytes.length === 0) invalid(`${name} is empty (0 bytes)`);
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    return invalid(`${name} is not an image sharp can read (PNG, JPEG, WebP, AVIF, TIFF, GIF): ${(err as Error).message}`);
  }
  const { width, height } = meta;
  if (!width || !height) invalid(`${name} has no size in its header`);
  if (width * height > maxPixels) {
    invalid(
      `${name} is ${width}×${height} = ${(width * height / 1e6).toFixed(1)} MP, over the ${(maxPixels / 1e6).toFixed(1)} MP limit ` +
        '(a guard against decompression bombs); downscale it first or raise the pixel limit',
    );
  }
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels })
      .autoOrient()
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) invalid(`${name} decoded to ${info.channels} channels, expected RGBA`);
    const rgba: Raster = { width: info.width, height: info.height, channels: 4, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
    let hasAlpha = false;
    for (let i = 3; i < rgba.data.length; i += 4) {
      if (rgba.data[i] !== 255) {
        hasAlpha = true;
        break;
      }
    }
    return { rgba, format: meta.format ?? 'unknown', orientation: meta.orientation ?? 1, hasAlpha };
  } catch (err) {
    if (err instanceof EngineError) throw err;
    return invalid(`${name} could not be decoded (truncated or corrupt?): ${(err as Error).message}`);
  }
}

/** Reads an image: oriented RGB8 (alpha flattened onto white) plus its alpha when it has any. */
export async function readImage(source: ImageSource, opts: ReadImageOptions = {}): Promise<DecodedImage> {
  const { rgba, format, orientation, hasAlpha } = await decodeRaster(source, opts);
  const n = rgba.width * rgba.height;
  const rgb = new Uint8Array(n * 3);
  const alpha = hasAlpha ? new Uint8Array(n) : null;
  for (let i = 0; i < n; i++) {
    const a = rgba.data[i * 4 + 3];
    if (alpha) alpha[i] = a;
    for (let c = 0; c < 3; c++) {
      const v = rgba.data[i * 4 + c];
      // over white: v·a + 255·(1 − a), in 8-bit units
      rgb[i * 3 + c] = a === 255 ? v : Math.round((v * a + 255 * (255 - a)) / 255);
    }
  }
  return { rgb: { width: rgba.width, height: rgba.height, data: rgb }, alpha, format, orientation };
}

/**
 * Fits an 8-bit raster (any channel count) to width × height with the given mode. Same size: returned
 * as it is. Resampling is sharp's Lanczos-3 (`kernel` for masks may be 'linear' or 'nearest').
 */
export async function fitRaster(src: Raster, width: number, height: number, mode: FitMode, kernel: 'lanczos3' | 'linear' | 'nearest' = 'lanczos3'): Promise<Raster> {
  if (!FIT_MODES.includes(mode)) throw new EngineError('BAD_INPUT', `unknown fit mode ${JSON.stringify(mode)}; valid: ${FIT_MODES.join(', ')}`);
  if (src.width === width && src.height === height) return src;
  const raw = { width: src.width, height: src.height, channels: src.channels as 1 | 2 | 3 | 4 };
  // one-channel rasters (masks) stay one channel: sharp would otherwise widen them to sRGB
  const grey = (im: Sharp): Sharp => (src.channels === 1 ? im.toColourspace('b-w') : im);
  let img = sharp(src.data, { raw });
  if (mode === 'fill') {
    const scale = Math.min(width / src.width, height / src.height);
    const iw = Math.min(width, Math.max(1, Math.round(src.width * scale)));
    const ih = Math.min(height, Math.max(1, Math.round(src.height * scale)));
    const left = Math.floor((width - iw) / 2);
    const top = Math.floor((height - ih) / 2);
    const inner = await grey(sharp(src.data, { raw }).resize(iw, ih, { fit: 'fill', kernel })).raw().toBuffer();
    img = sharp(inner, { raw: { ...raw, width: iw, height: ih } }).extend({ left, top, right: width - iw - left, bottom: height - ih - top, extendWith: 'copy' });
  } else {
    img = img.resize(width, height, { fit: mode === 'crop' ? 'cover' : 'fill', position: 'centre', kernel });
  }
  const { data, info } = await grey(img).raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== src.channels) {
    throw new EngineError('INTERNAL', `fit ${mode}: got ${info.width}×${info.height}×${info.channels}, wanted ${width}×${height}×${src.channels}`);
  }
  return { width, height, channels: src.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** fitRaster for RGB8 images. */
export async function fitImage(image: Rgb8Image, width: number, height: number, mode: FitMode): Promise<Rgb8Image> {
  if (image.width === width && image.height === height) return image;
  const out = await fitRaster({ ...image, channels: 3 }, width, height, mode);
  return { width: out.width, height: out.height, data: out.data };
}

/**
 * The size an image is worked on when the request names none: the image's aspect ratio, scaled DOWN
 * (never up) to at most `maxArea` pixels, sides rounded to multiples of `multiple` and kept in
 * [minSide, maxSide]. Small images keep their size (rounded), so they are not blown up.
 */
export function defaultWorkSize(width: number, height: number, maxArea: number, multiple: number, minSide: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, Math.sqrt(maxArea / (width * height)));
  const side = (v: number): number => Math.min(maxSide, Math.max(minSide, Math.round((v * scale) / multiple) * multiple));
  return { width: side(width), height: side(height) };
}
