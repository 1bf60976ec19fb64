/**
 * SDXL's size conditioning: the six time_ids in diffusers' order, checks with messages that name the
 * field, and the PNG parameters round trip (written only where a value differs from its default,
 * read back by images.readParameters).
 */
import { describe, expect, it } from 'vitest';
import { formatInfotext } from '../../../../src-main/engine/imageio/metadata.ts';
import { encodePng } from '../../../../src-main/engine/imageio/png.ts';
import { readImageParameters } from '../../../../src-main/engine/imageio/read-parameters.ts';
import { parsePair, readSizeConditioning, sizeConditioningInfotext } from '../../../../src-main/engine/imageio/sdxl-size.ts';
import type { SizeConditioning } from '../../../../src-main/engine/imageio/sdxl-size.ts';
import { sizeIds } from '../../../../src-main/engine/pipelines/conditioning.ts';
import { checkTxt2ImgParams } from '../../../../src-main/engine/pipelines/params.ts';
import { checkSizeConditioning } from '../../../../src-main/engine/pipelines/size-conditioning.ts';

const ids = (w: number, h: number, sc?: SizeConditioning): number[] => Array.from(sizeIds(w, h, sc).data);

function pngWith(sc: SizeConditioning | undefined, width: number, height: number): Promise<Uint8Array> {
  const text = formatInfotext({ prompt: 'a fox', negativePrompt: '', steps: 20, sampler: 'Euler', schedule: 'Karras', cfgScale: 7, seed: 3, width, height, model: 'sdxl-tiny', extra: [['RNG', 'CPU'], ...sizeConditioningInfotext(sc, width, height)] });
  return encodePng({ width: 2, height: 2, data: new Uint8Array(12) }, [{ keyword: 'parameters', text }]);
}

describe('SDXL time_ids (diffusers _get_add_time_ids: original h, w, crop top, left, target h, w)', () => {
  it('default to the run size and an uncropped picture', () => {
    expect(ids(1152, 896)).toEqual([896, 1152, 0, 0, 896, 1152]);
    expect(ids(1152, 896, {})).toEqual([896, 1152, 0, 0, 896, 1152]);
  });

  it('take each given value, height before width and top (y) before left (x)', () => {
    expect(ids(1024, 1024, { originalSize: { width: 2048, height: 1536 } })).toEqual([1536, 2048, 0, 0, 1024, 1024]);
    expect(ids(1024, 1024, { cropTopLeft: { x: 32, y: 8 } })).toEqual([1024, 1024, 8, 32, 1024, 1024]);
    expect(ids(1024, 768, { targetSize: { width: 640, height: 480 } })).toEqual([768, 1024, 0, 0, 480, 640]);
    expect(ids(512, 512, { originalSize: { width: 300, height: 200 }, cropTopLeft: { x: 1, y: 2 }, targetSize: { width: 700, height: 600 } })).toEqual([200, 300, 2, 1, 600, 700]);
  });
});

describe('checks', () => {
  it('accept whole pixels in range and keep only what was given', () => {
    expect(checkSizeConditioning(undefined)).toBeUndefined();
    expect(checkSizeConditioning({ cropTopLeft: { x: 0, y: 16384 } })).toEqual({ cropTopLeft: { x: 0, y: 16384 } });
    expect(checkTxt2ImgParams({ modelDir: 'm', prompt: '', sizeConditioning: { targetSize: { width: 1, height: 16384 } } }).sizeConditioning).toEqual({ targetSize: { width: 1, height: 16384 } });
  });

  it.each([
    [{ originalSize: { width: 0, height: 512 } }, 'SDXL original size width must be a whole number of pixels from 1 to 16384, got 0; leave it out to use the image size'],
    [{ originalSize: { width: 512, height: 1.5 } }, 'SDXL original size height must be a whole number of pixels from 1 to 16384, got 1.5'],
    [{ targetSize: { width: 20000, height: 512 } }, 'SDXL target size width must be a whole number of pixels from 1 to 16384, got 20000'],
    [{ cropTopLeft: { x: -8, y: 0 } }, 'SDXL crop top-left x must be a whole number of pixels from 0 to 16384, got -8 (0, 0 is an uncropped picture)'],
    [{ cropTopLeft: { x: 0, y: Number.NaN } }, 'SDXL crop top-left y must be a whole number of pixels from 0 to 16384, got NaN'],
  ] as [SizeConditioning, string][])('refuse %j with a message naming the field and value', (sc, message) => {
    expect(() => checkTxt2ImgParams({ modelDir: 'm', prompt: '', sizeConditioning: sc })).toThrow(expect.objectContaining({ code: 'BAD_INPUT', message: expect.stringContaining(message) }));
  });
});

describe('PNG parameters', () => {
  it('carry only the values that differ from the defaults, as WxH / XxY after the standard keys', () => {
    expect(sizeConditioningInfotext(undefined, 1024, 1024)).toEqual([]);
    expect(sizeConditioningInfotext({ originalSize: { width: 1024, height: 1024 }, cropTopLeft: { x: 0, y: 0 } }, 1024, 1024)).toEqual([]);
    expect(sizeConditioningInfotext({ originalSize: { width: 2048, height: 1536 }, cropTopLeft: { x: 32, y: 0 }, targetSize: { width: 1024, height: 1024 } }, 1024, 1024)).toEqual([
      ['SDXL original size', '2048x1536'],
      ['SDXL crop top-left', '32x0'],
    ]);
  });

  it.each([
    [{ originalSize: { width: 2048, height: 1536 } }],
    [{ cropTopLeft: { x: 32, y: 7 } }],
    [{ targetSize: { width: 640, height: 480 } }],
    [{ originalSize: { width: 300, height: 200 }, cropTopLeft: { x: 1, y: 2 }, targetSize: { width: 700, height: 600 } }],
  ] as [SizeConditioning][])('round trip %j through a PNG and images.readParameters', async (sc) => {
    const png = await pngWith(sc, 1024, 768);
    const out = readImageParameters({ bytes: png, name: 'xl.png' });
    expect(out.notes).toEqual([]);
    expect(out.parameters?.sizeConditioning).toEqual(sc);
    // and the read-back values give the same time_ids as the run that wrote them
    expect(ids(1024, 768, out.parameters?.sizeConditioning)).toEqual(ids(1024, 768, sc));
  });

  it('a PNG without the fields reads back as the defaults; malformed values are left out with a note', async () => {
    expect(readImageParameters({ bytes: await pngWith(undefined, 512, 512) }).parameters?.sizeConditioning).toBeUndefined();
    const notes: string[] = [];
    expect(readSizeConditioning({ 'SDXL original size': 'huge', 'SDXL crop top-left': '8x4', 'SDXL target size': '0x512' }, notes)).toEqual({ cropTopLeft: { x: 8, y: 4 } });
    expect(notes).toEqual([
      '"SDXL original size: huge" is not two whole numbers from 1 to 16384 like 1024x1024; leaving it at its default.',
      '"SDXL target size: 0x512" is not two whole numbers from 1 to 16384 like 1024x1024; leaving it at its default.',
    ]);
    expect(parsePair('1024×768')).toEqual([1024, 768]);
    expect(parsePair(' 8,4 ')).toEqual([8, 4]);
    expect(parsePair('8x')).toBeUndefined();
  });
});
