import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { defaultWorkSize, fitImage, readImage } from '../../../../src-main/engine/imageio/input.ts';
import type { Rgb8Image } from '../../../../src-main/engine/imageio/convert.ts';
import { EngineError } from '../../../../src-main/engine/types.ts';

/** width×height, columns split into vertical stripes of the given colours */
function stripes(width: number, height: number, colours: [number, number, number][]): Rgb8Image {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(colours[Math.floor((x * colours.length) / width)], (y * width + x) * 3);
  return { width, height, data };
}
const raw = (im: Rgb8Image) => sharp(im.data, { raw: { width: im.width, height: im.height, channels: 3 } });
const at = (im: Rgb8Image, x: number, y: number): number[] => Array.from(im.data.subarray((y * im.width + x) * 3, (y * im.width + x) * 3 + 3));
const RED: [number, number, number] = [255, 0, 0];
const GREEN: [number, number, number] = [0, 255, 0];
const BLUE: [number, number, number] = [0, 0, 255];

/** A decompression bomb in miniature: a PNG whose header claims width × height, with 1 kB of pixel data. */
function headerOnlyPng(width: number, height: number): Uint8Array {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const chunk = (type: string, body: Uint8Array): Buffer => {
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(body.length, 0);
    out.write(type, 4, 'latin1');
    out.set(body, 8);
    let c = 0xffffffff;
    for (const b of out.subarray(4, 8 + body.length)) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    out.writeUInt32BE((c ^ 0xffffffff) >>> 0, 8 + body.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(1000))), chunk('IEND', new Uint8Array())]);
}

describe('image input', () => {
  it.each(['png', 'webp', 'tiff', 'avif', 'jpeg', 'gif'] as const)('reads %s', async (format) => {
    const im = stripes(48, 32, [RED, BLUE]);
    const bytes = await raw(im).toFormat(format, format === 'webp' ? { lossless: true } : {}).toBuffer();
    const out = await readImage(bytes);
    expect([out.rgb.width, out.rgb.height, out.alpha]).toEqual([48, 32, null]);
    expect(out.format).toBe(format === 'avif' ? 'heif' : format);
    const tol = format === 'png' || format === 'webp' ? 0 : format === 'tiff' ? 2 : 60;
    at(out.rgb, 5, 16).forEach((v, c) => expect(Math.abs(v - RED[c])).toBeLessThanOrEqual(tol));
    at(out.rgb, 42, 16).forEach((v, c) => expect(Math.abs(v - BLUE[c])).toBeLessThanOrEqual(tol));
  });

  it('applies the EXIF orientation', async () => {
    // stored 32×16, red left, blue right; orientation 6 = display rotated 90° clockwise → 16×32, red on top
    const jpeg = await raw(stripes(32, 16, [RED, BLUE])).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const out = await readImage(jpeg);
    expect(out.orientation).toBe(6);
    expect([out.rgb.width, out.rgb.height]).toEqual([16, 32]);
    const top = at(out.rgb, 8, 3);
    const bottom = at(out.rgb, 8, 28);
    expect(top[0]).toBeGreaterThan(200);
    expect(top[2]).toBeLessThan(60);
    expect(bottom[2]).toBeGreaterThan(200);
    expect(bottom[0]).toBeLessThan(60);
  });

  it('keeps alpha aside and flattens colour onto white', async () => {
    const rgba = new Uint8Array([255, 0, 0, 255, 255, 0, 0, 128, 0, 0, 255, 0, 0, 0, 255, 255]);
    const png = await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } }).png().toBuffer();
    const out = await readImage(png);
    expect(Array.from(out.alpha ?? [])).toEqual([255, 128, 0, 255]);
    expect(Array.from(out.rgb.data)).toEqual([255, 0, 0, 255, 127, 127, 255, 255, 255, 0, 0, 255]);
  });

  it('refuses a decompression bomb from its header, before decoding', async () => {
    const err = await readImage(headerOnlyPng(100_000, 100_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('IMAGE_INVALID');
    expect((err as EngineError).message).toBe(
      'image is 100000×100000 = 10000.0 MP, over the 40.0 MP limit (a guard against decompression bombs); downscale it first or raise the pixel limit',
    );
  });

  it('refuses a pixel limit below 1 or not whole, instead of an "over the -0.0 MP limit" message', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer();
    for (const maxPixels of [-1, 0, 1.5, Number.NaN]) {
      await expect(readImage(new Uint8Array(png), { maxPixels })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^the pixel limit must be a whole number of pixels of at least 1 .*got/) });
    }
    expect((await readImage(new Uint8Array(png), { maxPixels: 64 })).rgb.width).toBe(8);
  });

  it('refuses empty, truncated and non-image input with the reason', async () => {
    await expect(readImage(new Uint8Array())).rejects.toThrow('image is empty (0 bytes)');
    await expect(readImage(Buffer.from('hello, not an image'))).rejects.toThrow(/^image is not an image sharp can read/);
    const png = await raw(stripes(64, 64, [RED, GREEN])).png().toBuffer();
    await expect(readImage(png.subarray(0, 60), { what: 'mask' })).rejects.toThrow(/^mask (could not be decoded|is not an image)/);
    await expect(readImage('/tmp')).rejects.toThrow('cannot read image /tmp: it is a folder');
  });
});

describe('fit modes', () => {
  const im = stripes(30, 10, [RED, GREEN, BLUE]);

  it('the same size comes back untouched', async () => {
    expect(await fitImage(im, 30, 10, 'crop')).toBe(im);
  });

  it('resize stretches, crop keeps the centre, fill pads by repeating the edges', async () => {
    const resized = await fitImage(im, 9, 9, 'resize');
    expect([resized.width, resized.height]).toEqual([9, 9]);
    expect(at(resized, 0, 4)[0]).toBeGreaterThan(200);
    expect(at(resized, 4, 4)[1]).toBeGreaterThan(200);
    expect(at(resized, 8, 4)[2]).toBeGreaterThan(200);
    const cropped = await fitImage(im, 10, 10, 'crop');
    for (const x of [0, 4, 9]) expect(at(cropped, x, 4)).toEqual(GREEN);
    const filled = await fitImage(im, 30, 30, 'fill');
    expect([filled.width, filled.height]).toEqual([30, 30]);
    for (const y of [0, 15, 29]) {
      expect(at(filled, 2, y)).toEqual(RED);
      expect(at(filled, 15, y)).toEqual(GREEN);
      expect(at(filled, 27, y)).toEqual(BLUE);
    }
  });

  it('default work size: the aspect ratio at no more than the model area, multiples of 8, never scaled up', () => {
    expect(defaultWorkSize(4000, 3000, 512 * 512, 8, 64, 4096)).toEqual({ width: 592, height: 440 });
    expect(defaultWorkSize(100, 60, 512 * 512, 8, 64, 4096)).toEqual({ width: 104, height: 64 });
    expect(defaultWorkSize(20, 10, 512 * 512, 8, 64, 4096)).toEqual({ width: 64, height: 64 });
  });
});
