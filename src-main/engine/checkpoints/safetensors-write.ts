/**
 * Writes float tensors as a .safetensors file (F32 as given, F16 rounded to nearest even). The
 * header is padded with spaces to a multiple of 8 bytes, as the reference implementation does, so
 * the data section starts aligned. The file appears under its name only when complete: it is written
 * beside it as `<name>.partial` and renamed, so a crash never leaves a half file that looks whole.
 */
import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { float32ToFloat16 } from '../runtime/fp16.ts';

export interface TensorToWrite {
  name: string;
  dtype: 'F32' | 'F16';
  shape: number[];
  data: Float32Array;
}

/** Writes `tensors` in the given order, contiguous, with optional string metadata. */
export async function writeSafetensors(file: string, tensors: TensorToWrite[], metadata?: Record<string, string>): Promise<void> {
  if (endianness() !== 'LE') throw new Error('writing .safetensors needs a little-endian machine');
  const header = buildHeader(file, tensors, metadata);
  const partial = `${file}.partial`;
  const handle = await open(partial, 'w');
  try {
    await writeAll(handle, header);
    for (const t of tensors) {
      const stored = t.dtype === 'F16' ? float32ToFloat16(t.data) : t.data;
      await writeAll(handle, new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength));
    }
    await handle.close();
    await rename(partial, file);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw err;
  }
}

/** The 8-byte length and the padded JSON header; checks every tensor before anything is written. */
function buildHeader(file: string, tensors: TensorToWrite[], metadata: Record<string, string> | undefined): Buffer {
  const json: Record<string, unknown> = {};
  if (metadata) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new Error(`${file}: metadata ${key} must be a string, got ${typeof value}`);
    }
    json.__metadata__ = metadata;
  }
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || Object.hasOwn(json, t.name)) throw new Error(`${file}: tensor name ${t.name} is used twice or reserved`);
    if (t.dtype !== 'F32' && t.dtype !== 'F16') throw new Error(`${file}: tensor ${t.name}: can write F32 or F16, not ${String(t.dtype)}`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`${file}: tensor ${t.name} has shape [${t.shape.join(', ')}]`);
    const numel = t.shape.reduce((n, d) => n * d, 1);
    if (numel !== t.data.length) {
      throw new Error(`${file}: tensor ${t.name} has shape [${t.shape.join(', ')}] (${numel} values) but ${t.data.length} values were given`);
    }
    const bytes = numel * (t.dtype === 'F16' ? 2 : 4);
    Object.defineProperty(json, t.name, {
      value: { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] },
      enumerable: true,
    });
    offset += bytes;
  }
  const text = Buffer.from(JSON.stringify(json), 'utf8');
  const padded = Math.ceil(text.length / 8) * 8;
  const out = Buffer.alloc(8 + padded, 0x20); // spaces: JSON ignores them
  out.writeBigUInt64LE(BigInt(padded), 0);
  text.copy(out, 8);
  return out;
}

/** A write may take fewer bytes than given (and one call is capped near 2 GB): loop in 64 MiB pieces. */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  const piece = 64 * 1024 * 1024;
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(piece, bytes.length - done));
    done += bytesWritten;
  }
}
