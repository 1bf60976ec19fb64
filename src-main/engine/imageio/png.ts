/** PNG encoding through sharp, with our metadata chunks written by hand (see png-chunks.ts). */
import sharp from 'sharp';
import type { Rgb8Image } from './convert.ts';
import { insertTextChunks } from './png-chunks.ts';

export interface PngText {
  readonly keyword: string;
  readonly text: string;
}

/**
 * Encodes RGB8 as PNG and inserts text chunks after IHDR (e.g. `{ keyword: 'parameters', text }`).
 * Deterministic: the same pixels and text give the same bytes.
 */
export async function encodePng(image: Rgb8Image, text: readonly PngText[] = []): Promise<Buffer> {
  const encoded = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png({ compressionLevel: 6, adaptiveFiltering: false })
    .toBuffer();
  return text.length === 0 ? encoded : insertTextChunks(encoded, text);
}

/** Decodes any image sharp reads (EXIF-rotated) to RGB8, flattening alpha onto white. */
export async function decodeToRgb8(bytes: Uint8Array): Promise<Rgb8Image> {
  const { data, info } = await sharp(bytes).rotate().flatten({ background: '#ffffff' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
