/**
 * PNG metadata bombs: compressed text chunks (zTXt, compressed iTXt) that inflate to hundreds of MB.
 * The reader must stop at its per-chunk and per-file limits (never allocating the full size), skip
 * what is over them with a note in plain words, and still read the rest of the file.
 * The bombs are built without ever holding the inflated text: one deflate block sequence for 1 MiB
 * of text, repeated (each copy decodes the same on its own), then a final block and the Adler-32.
 */
import { crc32, constants, deflateRawSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../../../../src-main/engine/imageio/png.ts';
import { PNG_TEXT_LIMITS, readPngText, readPngTextMap } from '../../../../src-main/engine/imageio/png-chunks.ts';
import { readImageParameters } from '../../../../src-main/engine/imageio/read-parameters.ts';

const MiB = 1024 * 1024;

/** A zlib stream that inflates to `mib` MiB of the letter A, about 1 KB compressed per MiB. */
const ONE_MIB_BLOCK = deflateRawSync(Buffer.alloc(MiB, 0x41), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });

function zlibBomb(mib: number): Buffer {
  const block = ONE_MIB_BLOCK;
  const n = BigInt(mib * MiB);
  const a = (1n + 0x41n * n) % 65521n;
  const b = (n + (0x41n * n * (n + 1n)) / 2n) % 65521n;
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(Number((b << 16n) | a));
  return Buffer.concat([Buffer.from([0x78, 0xda]), ...Array.from({ length: mib }, () => block), Buffer.from([0x03, 0x00]), adler]);
}

function rawChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const zTXt = (keyword: string, stream: Buffer): Buffer => rawChunk('zTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0]), stream]));
// keyword \0 compression-flag=1 method=0 language \0 translated keyword \0 compressed text
const compressedITXt = (keyword: string, stream: Buffer): Buffer => rawChunk('iTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 1, 0, 0, 0]), stream]));

/** A tiny real PNG with `chunks` inserted right after IHDR. */
async function pngWith(chunks: Buffer[], text: { keyword: string; text: string }[] = []): Promise<Buffer> {
  const png = await encodePng({ width: 2, height: 2, data: new Uint8Array(12) }, text);
  const ihdrEnd = 8 + 12 + 13;
  return Buffer.concat([png.subarray(0, ihdrEnd), ...chunks, png.subarray(ihdrEnd)]);
}

describe('PNG metadata bombs', () => {
  it('the bomb helper really inflates to the size it claims (checked at a small size)', () => {
    const small = zlibBomb(3);
    expect(inflateSync(small).equals(Buffer.alloc(3 * MiB, 0x41))).toBe(true);
  });

  for (const [kind, make] of [['zTXt', zTXt], ['compressed iTXt', compressedITXt]] as const) {
    it(`skips a ${kind} chunk that inflates to 512 MiB, with a note, without inflating it all`, async () => {
      const png = await pngWith([make('comment', zlibBomb(512))], [{ keyword: 'parameters', text: 'a cat\nSteps: 9, Seed: 4, Size: 64x64' }]);
      expect(png.length).toBeLessThan(2 * MiB);
      const notes: string[] = [];
      const started = performance.now();
      const before = process.memoryUsage().arrayBuffers;
      const map = readPngTextMap(png, notes);
      const grew = process.memoryUsage().arrayBuffers - before;
      expect(performance.now() - started).toBeLessThan(1500);
      expect(grew).toBeLessThan(64 * MiB);
      expect(map.has('comment')).toBe(false);
      expect(map.get('parameters')).toMatch(/^a cat/);
      expect(notes).toHaveLength(1);
      expect(notes[0]).toContain('"comment"');
      expect(notes[0]).toContain(kind.replace('compressed ', ''));
      expect(notes[0]).toMatch(/more than 8 MiB/);
      expect(notes[0]).toMatch(/skipped/);
    });
  }

  it('caps the inflated text of the whole file: 10 chunks of 6 MiB each read up to the file limit', async () => {
    const bomb = zlibBomb(6);
    const png = await pngWith(Array.from({ length: 10 }, (_, i) => compressedITXt(`part${i}`, bomb)));
    const notes: string[] = [];
    const entries = readPngText(png, notes);
    const total = entries.reduce((sum, e) => sum + e.text.length, 0);
    expect(total).toBeLessThanOrEqual(PNG_TEXT_LIMITS.perFile);
    expect(entries.map((e) => e.keyword)).toEqual(['part0', 'part1', 'part2', 'part3', 'part4']);
    expect(entries[0].text).toHaveLength(6 * MiB);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/more than 32 MiB in all/);
    expect(notes[0]).toMatch(/iTXt "part5" at byte \d+ and 4 more were skipped/);
  });

  it('a thousand bombs cost no more than the file budget of inflating', async () => {
    const png = await pngWith(Array.from({ length: 1000 }, (_, i) => zTXt(`b${i}`, zlibBomb(16))));
    const notes: string[] = [];
    const started = performance.now();
    expect(readPngText(png, notes)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(notes).toHaveLength(5);
    expect(notes[4]).toMatch(/"b4" at byte \d+ and 995 more were skipped/);
  });

  it('images.readParameters reads the parameters of a bombed PNG and says what it skipped', async () => {
    const png = await pngWith(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? zTXt : compressedITXt)(`junk${i}`, zlibBomb(500))),
      [{ keyword: 'parameters', text: 'a lighthouse\nSteps: 12, Sampler: Euler, CFG scale: 6, Seed: 9, Size: 64x64' }],
    );
    const started = performance.now();
    const out = readImageParameters({ bytes: png, name: 'bomb.png' });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(out.parameters).toMatchObject({ prompt: 'a lighthouse', steps: 12, seed: 9 });
    // four chunks spend the file's 32 MiB budget; the other six are named in one note, not six
    expect(out.notes).toHaveLength(5);
    expect(out.notes.slice(0, 4).every((n) => /more than 8 MiB .* it was skipped/.test(n))).toBe(true);
    expect(out.notes[4]).toMatch(/iTXt "junk4" at byte \d+ and 5 more were skipped/);
  });
});
