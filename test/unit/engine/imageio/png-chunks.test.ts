import sharp from 'sharp';
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng, decodeToRgb8 } from '../../../../src-main/engine/imageio/png.ts';
import { insertTextChunks, readChunks, readPngText, readPngTextMap, textChunk } from '../../../../src-main/engine/imageio/png-chunks.ts';
import { EngineError } from '../../../../src-main/engine/types.ts';

function gradient(width: number, height: number): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[i * 3] = (i * 7) & 255;
    data[i * 3 + 1] = (i * 13) & 255;
    data[i * 3 + 2] = (i * 29) & 255;
  }
  return { width, height, data };
}

const PARAMS = 'a "quoted" cat, on a mat\nNegative prompt: dog\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 16x8, Model: t';

function rawChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

describe('PNG text chunks', () => {
  it('writes tEXt for ASCII and iTXt for other text, right after IHDR, readable by sharp', async () => {
    const img = gradient(16, 8);
    const png = await encodePng(img, [
      { keyword: 'parameters', text: PARAMS },
      { keyword: 'note', text: 'ein Kätzchen' },
      { keyword: 'unicode', text: '猫が 🐈 mat' },
    ]);
    const chunks = readChunks(png);
    expect(chunks.slice(0, 4).map((c) => c.type)).toEqual(['IHDR', 'tEXt', 'iTXt', 'iTXt']);
    expect(readPngText(png)).toEqual([
      { keyword: 'parameters', text: PARAMS, chunk: 'tEXt' },
      { keyword: 'note', text: 'ein Kätzchen', chunk: 'iTXt' },
      { keyword: 'unicode', text: '猫が 🐈 mat', chunk: 'iTXt' },
    ]);
    // an independent reader (libvips via sharp) sees the same text and the same pixels
    const meta = await sharp(png).metadata();
    expect(meta.comments).toEqual([
      { keyword: 'parameters', text: PARAMS },
      { keyword: 'note', text: 'ein Kätzchen' },
      { keyword: 'unicode', text: '猫が 🐈 mat' },
    ]);
    const back = await decodeToRgb8(png);
    expect(back.width).toBe(16);
    expect(back.height).toBe(8);
    expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
  });

  it('encoding is deterministic', async () => {
    const a = await encodePng(gradient(9, 5), [{ keyword: 'parameters', text: 'x' }]);
    const b = await encodePng(gradient(9, 5), [{ keyword: 'parameters', text: 'x' }]);
    expect(a.equals(b)).toBe(true);
  });

  it('reads tEXt as Latin-1 (PIL writes "ä" as byte E4) and UTF-8 tEXt from sloppy writers', async () => {
    const png = await encodePng(gradient(4, 4));
    const latin = rawChunk('tEXt', Uint8Array.from([...Buffer.from('a', 'latin1'), 0, ...Buffer.from('Kätzchen', 'latin1')]));
    const utf8 = rawChunk('tEXt', Uint8Array.from([...Buffer.from('b', 'latin1'), 0, ...Buffer.from('Kätzchen 猫', 'utf8')]));
    const map = readPngTextMap(Buffer.concat([png.subarray(0, 33), latin, utf8, png.subarray(33)]));
    expect(map.get('a')).toBe('Kätzchen');
    expect(map.get('b')).toBe('Kätzchen 猫');
  });

  it('reads zTXt and compressed iTXt', async () => {
    const png = await encodePng(gradient(4, 4));
    const ztxt = rawChunk('zTXt', Uint8Array.from([...Buffer.from('prompt', 'latin1'), 0, 0, ...deflateSync(Buffer.from('{"a":1}'))]));
    const itxt = rawChunk('iTXt', Uint8Array.from([...Buffer.from('workflow', 'latin1'), 0, 1, 0, ...Buffer.from('en'), 0, 0, ...deflateSync(Buffer.from('ÿ猫', 'utf8'))]));
    const withChunks = Buffer.concat([png.subarray(0, 33), ztxt, itxt, png.subarray(33)]);
    const map = readPngTextMap(withChunks);
    expect(map.get('prompt')).toBe('{"a":1}');
    expect(map.get('workflow')).toBe('ÿ猫');
  });

  it('rejects a bad CRC, a truncated file and a non-PNG with IMAGE_INVALID', async () => {
    const png = await encodePng(gradient(4, 4), [{ keyword: 'parameters', text: 'hello' }]);
    const broken = Buffer.from(png);
    broken[33 + 10] ^= 0xff; // inside the tEXt data
    expect(() => readPngText(broken)).toThrow(/tEXt chunk at byte 33 has a bad CRC/);
    expect(() => readPngText(png.subarray(0, 40))).toThrow(/truncated/);
    try {
      readPngText(Buffer.from('GIF89a....'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe('IMAGE_INVALID');
    }
  });

  it('rejects an invalid keyword with the keyword in the message', () => {
    expect(() => textChunk('', 'x')).toThrow(/keyword.*got ""/);
    expect(() => textChunk('k'.repeat(80), 'x')).toThrow(/1-79/);
    expect(() => textChunk('猫', 'x')).toThrow(/Latin-1/);
  });

  it('insertTextChunks keeps the original chunks intact', async () => {
    const png = await encodePng(gradient(5, 3));
    const out = insertTextChunks(png, [{ keyword: 'a', text: 'b' }]);
    const before = readChunks(png).map((c) => c.type);
    const after = readChunks(out).map((c) => c.type);
    expect(after).toEqual([before[0], 'tEXt', ...before.slice(1)]);
  });
});
