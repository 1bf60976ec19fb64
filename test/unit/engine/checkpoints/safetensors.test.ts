/**
 * The .safetensors reader and writer on real files in a temp folder: values round-trip, every kind of
 * broken header is named precisely, a tensor larger than a read chunk comes back whole.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafetensorsFormatError, openSafetensors, writeSafetensors } from '../../../../src-main/engine/checkpoints/safetensors.ts';
import { float16ToFloat32, float32ToFloat16 } from '../../../../src-main/engine/runtime/fp16.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reverie-safetensors-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

let count = 0;
/** Writes a file from a header (object or raw text) and data bytes, the length prefix computed. */
async function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), headerLength?: bigint): Promise<string> {
  const text = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(headerLength ?? BigInt(text.length));
  const file = path.join(dir, `raw-${count++}.safetensors`);
  await writeFile(file, Buffer.concat([prefix, text, data]));
  return file;
}

/** Deterministic values in [-scale, scale). */
function values(n: number, seed: number, scale = 4): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

async function expectFormatError(file: string, message: string | RegExp): Promise<void> {
  const attempt = openSafetensors(file);
  await expect(attempt).rejects.toBeInstanceOf(SafetensorsFormatError);
  await expect(attempt).rejects.toThrow(message);
}

describe('writeSafetensors + openSafetensors', () => {
  it('round-trips F32 exactly and F16 as float16-rounded values, with metadata and entries', async () => {
    const file = path.join(dir, 'roundtrip.safetensors');
    const a = Float32Array.from([0, -0, 1.5, -2.25, 3.4e38, 1e-40, 65504, 0.1]);
    const b = values(24, 7);
    await writeSafetensors(file, [
      { name: 'a', dtype: 'F32', shape: [2, 4], data: a },
      { name: 'layer.b', dtype: 'F16', shape: [2, 3, 2, 2], data: b },
    ], { format: 'pt', title: 'tiny' });
    expect(existsSync(`${file}.partial`)).toBe(false);

    const bytes = await readFile(file);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    expect(headerLength % 8).toBe(0);
    expect(bytes.length).toBe(8 + headerLength + 8 * 4 + 24 * 2);

    const st = await openSafetensors(file);
    try {
      expect(st.fileSize).toBe(bytes.length);
      expect(st.metadata).toEqual({ format: 'pt', title: 'tiny' });
      expect([...st.tensors.keys()]).toEqual(['a', 'layer.b']);
      expect(st.tensors.get('a')).toEqual({ name: 'a', dtype: 'F32', shape: [2, 4], byteOffset: 8 + headerLength, byteLength: 32 });
      expect(st.tensors.get('layer.b')).toEqual({ name: 'layer.b', dtype: 'F16', shape: [2, 3, 2, 2], byteOffset: 8 + headerLength + 32, byteLength: 48 });
      expect(await st.readFloat32('a')).toEqual(a);
      expect(Object.is((await st.readFloat32('a'))[1], -0)).toBe(true);
      expect(await st.readFloat32('layer.b')).toEqual(float16ToFloat32(float32ToFloat16(b)));
      const raw = await st.readRaw('layer.b');
      expect(new Uint16Array(raw.buffer, raw.byteOffset, 24)).toEqual(float32ToFloat16(b));
    } finally {
      await st.close();
    }
  });

  it('converts BF16 and F64, refuses float reads of integer tensors but reads their raw bytes', async () => {
    const bf16 = Uint16Array.from([0x3f80, 0xc040, 0x7f80, 0x0001]); // 1, -3, +inf, smallest subnormal
    const f64 = Float64Array.from([1 / 3, -1e300, 2.5]);
    const i32 = Int32Array.from([1, -2]);
    const data = Buffer.concat([Buffer.from(f64.buffer), Buffer.from(bf16.buffer), Buffer.from(i32.buffer)]);
    const file = await rawFile({
      d: { dtype: 'F64', shape: [3], data_offsets: [0, 24] },
      h: { dtype: 'BF16', shape: [2, 2], data_offsets: [24, 32] },
      i: { dtype: 'I32', shape: [2], data_offsets: [32, 40] },
      e: { dtype: 'F32', shape: [0, 5], data_offsets: [40, 40] },
    }, data);
    const st = await openSafetensors(file);
    expect(Array.from(await st.readFloat32('h'))).toEqual([1, -3, Infinity, 2 ** -133]);
    expect(Array.from(await st.readFloat32('d'))).toEqual([Math.fround(1 / 3), -Infinity, 2.5]);
    expect(await st.readFloat32('e')).toEqual(new Float32Array(0));
    await expect(st.readFloat32('i')).rejects.toThrow('tensor i is I32, not a float type (F64, F32, F16 or BF16)');
    const raw = await st.readRaw('i');
    expect(new Int32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 8))).toEqual(i32);
    await expect(st.readRaw('nope')).rejects.toThrow(/has no tensor named nope \(it has 4, e\.g\. d, h, i\)/);
    await expect(st.readFloat32('d', { checkFinite: true })).rejects.toThrow(/tensor d holds -Infinity after rounding F64 to float32 at index 1/);
    await st.close();
    await st.close();
    await expect(st.readRaw('d')).rejects.toThrow(/is already closed/);
  });

  it('reads a tensor larger than one read chunk, and with odd chunk sizes, exactly', async () => {
    const file = path.join(dir, 'large.safetensors');
    const big = values(2_200_001, 11); // 4.4 MB of F16: a full 4 MiB chunk and a partial one
    const wide = values(10_007, 3);
    await writeSafetensors(file, [
      { name: 'small', dtype: 'F32', shape: [3], data: Float32Array.from([1, 2, 3]) },
      { name: 'big', dtype: 'F16', shape: [2_200_001], data: big },
      { name: 'wide', dtype: 'F32', shape: [10_007], data: wide },
    ]);
    const st = await openSafetensors(file);
    try {
      // compared as bytes: a deep equal of two million elements is slow
      const read = await st.readFloat32('big');
      const want = float16ToFloat32(float32ToFloat16(big));
      expect(read.length).toBe(want.length);
      expect(Buffer.from(read.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      expect(await st.readFloat32('wide', { chunkBytes: 1001 })).toEqual(wide); // 250 floats a read
      expect(await st.readFloat32('wide', { chunkBytes: 1 })).toEqual(wide); // at least one element a read
      expect(await st.readFloat32('small')).toEqual(Float32Array.from([1, 2, 3]));
    } finally {
      await st.close();
    }
  });

  it('checkFinite names the tensor and the first NaN or infinity', async () => {
    const file = path.join(dir, 'nan.safetensors');
    const data = values(24, 5);
    data[13] = NaN;
    data[20] = Infinity;
    await writeSafetensors(file, [
      { name: 'w', dtype: 'F32', shape: [2, 3, 4], data },
      { name: 'h', dtype: 'F16', shape: [3], data: Float32Array.from([1, 70000, 2]) }, // 70000 overflows to +inf
    ]);
    const st = await openSafetensors(file);
    expect(Number.isNaN((await st.readFloat32('w'))[13])).toBe(true);
    await expect(st.readFloat32('w', { checkFinite: true, chunkBytes: 16 })).rejects.toThrow(
      /tensor w holds NaN at index 13 \(element \[1, 0, 1\] of shape \[2, 3, 4\]\); the checkpoint is damaged/,
    );
    await expect(st.readFloat32('h', { checkFinite: true })).rejects.toThrow(/tensor h holds Infinity at index 1;/);
    await st.close();
  });

  it('refuses to write data that does not match its shape', async () => {
    const file = path.join(dir, 'bad-write.safetensors');
    await expect(writeSafetensors(file, [{ name: 'w', dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }])).rejects.toThrow(
      'tensor w has shape [2, 2] (4 values) but 3 values were given',
    );
    expect(existsSync(file) || existsSync(`${file}.partial`)).toBe(false);
  });
});

describe('openSafetensors on broken files', () => {
  const f16 = (shape: number[], begin: number, end: number) => ({ dtype: 'F16', shape, data_offsets: [begin, end] });

  it('names a file too short, a header length past the end or above 100 MB', async () => {
    const short = path.join(dir, 'short.safetensors');
    await writeFile(short, Buffer.from([1, 2, 3, 4, 5]));
    await expectFormatError(short, 'the file is 5 bytes, shorter than the 8-byte header length: not a .safetensors file or corrupt');
    await expectFormatError(await rawFile('{}', undefined, 1000n), 'the header length 1000 is larger than the rest of the file (2 bytes): not a .safetensors file or corrupt');
    await expectFormatError(await rawFile('{}', undefined, 200_000_000n), 'the header length 200000000 is above the 100 MB limit: not a .safetensors file or corrupt');
    const pickle = path.join(dir, 'pickle.safetensors');
    await writeFile(pickle, Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20]));
    await expectFormatError(pickle, /is above the 100 MB limit: not a \.safetensors file or corrupt/);
  });

  it('names a header that is not UTF-8, not JSON or not an object', async () => {
    await expectFormatError(await rawFile('{"a": '), /the header is not valid JSON \(.*\): not a \.safetensors file or corrupt/);
    await expectFormatError(await rawFile('[1, 2]'), 'the header is JSON but not an object (got an array)');
    await expectFormatError(await rawFile('"w"'), 'the header is JSON but not an object (got the string "w")');
    const latin1 = Buffer.concat([Buffer.alloc(8), Buffer.from([0x7b, 0xff, 0x7d])]);
    latin1.writeBigUInt64LE(3n);
    const file = path.join(dir, 'latin1.safetensors');
    await writeFile(file, latin1);
    await expectFormatError(file, 'the header is not valid UTF-8');
  });

  it('names a bad dtype, shape or offsets', async () => {
    await expectFormatError(await rawFile({ w: { dtype: 'F4', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /tensor w has unknown dtype "F4" \(known: F64, F32, F16, BF16, I64, .*F8_E5M2\)/);
    await expectFormatError(await rawFile({ w: f16([2, -1], 0, 0) }), 'tensor w has shape [2,-1]; a shape is a list of non-negative whole numbers');
    await expectFormatError(await rawFile({ w: f16([1.5], 0, 0) }), 'tensor w has shape [1.5]');
    await expectFormatError(await rawFile({ w: { dtype: 'F16', shape: '2', data_offsets: [0, 4] } }), 'tensor w has shape "2"');
    await expectFormatError(await rawFile({ w: f16([2], 4, 0) }, new Uint8Array(4)), 'tensor w has data_offsets [4,0]; expected [begin, end], whole numbers with begin <= end');
    await expectFormatError(await rawFile({ w: { dtype: 'F16', shape: [2], data_offsets: [0] } }), 'tensor w has data_offsets [0]');
    await expectFormatError(await rawFile({ w: { dtype: 'F16', shape: [2], data_offsets: ['0', '4'] } }), 'tensor w has data_offsets ["0","4"]');
    await expectFormatError(await rawFile({ w: 5 }), 'tensor w: expected {dtype, shape, data_offsets}, got number 5');
  });

  it('names a header that lies about a size, a truncated file and overlapping tensors', async () => {
    await expectFormatError(
      await rawFile({ w: f16([2, 3], 0, 10) }, new Uint8Array(10)),
      'header lies about tensor w: shape [2, 3] of F16 needs 12 bytes but offsets give 10',
    );
    await expectFormatError(
      await rawFile({ a: f16([2], 0, 4), w: f16([2, 5], 4, 24) }, new Uint8Array(16)),
      'file is truncated: tensor w ends at byte 24 but the data section has only 16 bytes — download it again',
    );
    await expectFormatError(
      await rawFile({ a: f16([4], 0, 8), b: f16([4], 6, 14) }, new Uint8Array(14)),
      'tensors a [0, 8) and b [6, 14) overlap in the data section',
    );
    // empty tensors take no bytes and overlap nothing
    const st = await openSafetensors(await rawFile({ a: f16([4], 0, 8), e: f16([0], 4, 4) }, new Uint8Array(8)));
    expect(st.tensors.get('e')?.byteLength).toBe(0);
    await st.close();
  });

  it('names metadata that is not a map of strings', async () => {
    await expectFormatError(await rawFile({ __metadata__: { steps: 1000 } }), '__metadata__ value for "steps" must be a string, got number 1000');
    await expectFormatError(await rawFile({ __metadata__: ['a'] }), '__metadata__ must be an object of strings, got an array');
    // a "__proto__" key is kept as data, not taken as the map's prototype
    const st = await openSafetensors(await rawFile('{"__metadata__": {"__proto__": "x", "a": "b"}}'));
    expect(Object.entries(st.metadata)).toEqual([['__proto__', 'x'], ['a', 'b']]);
    await st.close();
  });

  it('refuses a folder instead of reading it', async () => {
    await expectFormatError(dir, 'it is a folder, not a regular file');
  });
});
