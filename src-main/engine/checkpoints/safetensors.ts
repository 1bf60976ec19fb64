/**
 * Streaming reader for .safetensors checkpoints and LoRAs (2–7 GB): opening reads only the 8-byte
 * length and the JSON header (checked in safetensors-header.ts); each tensor is read on demand with
 * positioned reads of its own bytes, converted to float32 chunk by chunk, so memory holds one tensor
 * and one chunk — never the file. No Python and no unpickling: the format is plain data.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { fromHalfBits } from '../runtime/fp16.ts';
import { fileKind } from '../regular-file.ts';
import { DTYPE_BYTES, SafetensorsFormatError, checkHeaderLength, parseHeader } from './safetensors-header.ts';
import type { SafetensorsDtype, TensorEntry } from './safetensors-header.ts';

export { DTYPE_BYTES, SafetensorsFormatError } from './safetensors-header.ts';
export type { SafetensorsDtype, TensorEntry } from './safetensors-header.ts';
export { writeSafetensors } from './safetensors-write.ts';
export type { TensorToWrite } from './safetensors-write.ts';

export interface ReadFloatOptions {
  /** throw, naming the tensor and the first bad element, when a value is NaN or ±∞ */
  checkFinite?: boolean;
  /** bytes read per positioned read (rounded down to whole elements); 4 MiB unless told */
  chunkBytes?: number;
}

const FLOAT_DTYPES = new Set<SafetensorsDtype>(['F64', 'F32', 'F16', 'BF16']);
const DEFAULT_CHUNK = 4 * 1024 * 1024;
// the typed-array views below read the file's little-endian bytes in the machine's byte order
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Opens a .safetensors file and checks its whole header; throws SafetensorsFormatError with the reason. */
export async function openSafetensors(file: string): Promise<SafetensorsFile> {
  // non-blocking open and fstat on the handle: a FIFO named model.safetensors must not block (regular-file.ts)
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new SafetensorsFormatError(file, `it is ${fileKind(stats)}, not a regular file`);
    const fileSize = stats.size;
    const prefix = await readExactly(handle, file, 0, Math.min(8, fileSize));
    const headerBytes = checkHeaderLength(file, prefix, fileSize);
    const json = await readExactly(handle, file, 8, headerBytes);
    const { tensors, metadata } = parseHeader(file, json, fileSize - 8 - headerBytes);
    return new SafetensorsFile(file, handle, fileSize, tensors, metadata);
  } catch (err) {
    await handle.close();
    throw err;
  }
}

export class SafetensorsFile {
  #handle: FileHandle | null;

  constructor(
    readonly file: string,
    handle: FileHandle,
    readonly fileSize: number,
    readonly tensors: ReadonlyMap<string, TensorEntry>,
    readonly metadata: Readonly<Record<string, string>>,
  ) {
    this.#handle = handle;
  }

  /** The tensor's header entry; throws naming the file and a few of the names it does have. */
  entry(name: string): TensorEntry {
    const entry = this.tensors.get(name);
    if (entry) return entry;
    const some = [...this.tensors.keys()].slice(0, 3).join(', ');
    throw new Error(`${this.file} has no tensor named ${name} (it has ${this.tensors.size}${some ? `, e.g. ${some}` : ''})`);
  }

  /** The tensor's bytes exactly as stored (little-endian). */
  async readRaw(name: string): Promise<Buffer> {
    const entry = this.entry(name);
    return readExactly(this.#open(), this.file, entry.byteOffset, entry.byteLength);
  }

  /** The tensor as float32 (F16, BF16 and F32 exactly; F64 rounded to nearest), read in chunks. */
  async readFloat32(name: string, options: ReadFloatOptions = {}): Promise<Float32Array> {
    const entry = this.entry(name);
    if (!FLOAT_DTYPES.has(entry.dtype)) {
      throw new Error(`${this.file}: tensor ${name} is ${entry.dtype}, not a float type (F64, F32, F16 or BF16); it cannot be read as float32`);
    }
    if (!LITTLE_ENDIAN_HOST) throw new Error('reading .safetensors tensors as floats needs a little-endian machine');
    const handle = this.#open();
    const size = DTYPE_BYTES[entry.dtype];
    const count = entry.byteLength / size;
    const out = new Float32Array(count);
    const perChunk = Math.max(1, Math.floor((options.chunkBytes ?? DEFAULT_CHUNK) / size));
    // an ArrayBuffer of its own (offset 0), so the Float32/Uint16/Float64 views below are aligned
    const chunk = new Uint8Array(Math.min(perChunk, count) * size);
    for (let first = 0; first < count; first += perChunk) {
      const n = Math.min(perChunk, count - first);
      await readInto(handle, this.file, chunk, n * size, entry.byteOffset + first * size);
      convertChunk(entry.dtype, chunk.buffer, n, out, first);
      if (options.checkFinite) this.#checkFinite(entry, out, first, n);
    }
    return out;
  }

  /** Closes the file; later reads throw. Closing twice is harmless. */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }

  #open(): FileHandle {
    if (!this.#handle) throw new Error(`${this.file} is already closed`);
    return this.#handle;
  }

  #checkFinite(entry: TensorEntry, out: Float32Array, first: number, n: number): void {
    for (let i = first; i < first + n; i++) {
      if (Number.isFinite(out[i])) continue;
      const where = entry.shape.length > 1 ? ` (element [${unravel(i, entry.shape).join(', ')}] of shape [${entry.shape.join(', ')}])` : '';
      const range = entry.dtype === 'F64' && !Number.isNaN(out[i]) ? ' after rounding F64 to float32' : '';
      throw new Error(
        `${this.file}: tensor ${entry.name} holds ${out[i]}${range} at index ${i}${where}; the checkpoint is damaged ` +
          'or was saved from a diverged training run — use another copy or version of it',
      );
    }
  }
}

let halfTable: Float32Array | null = null;

/** Converts `n` little-endian elements at the start of `bytes` into out[first ...]. */
function convertChunk(dtype: SafetensorsDtype, bytes: ArrayBuffer, n: number, out: Float32Array, first: number): void {
  switch (dtype) {
    case 'F32':
      out.set(new Float32Array(bytes, 0, n), first);
      return;
    case 'F64':
      out.set(new Float64Array(bytes, 0, n), first); // set() rounds each value to float32
      return;
    case 'F16': {
      // all 65536 halves decoded once (256 KB): a table lookup per element instead of bit twiddling
      halfTable ??= Float32Array.from({ length: 65536 }, (_, bits) => fromHalfBits(bits));
      const table = halfTable;
      const src = new Uint16Array(bytes, 0, n);
      for (let i = 0; i < n; i++) out[first + i] = table[src[i]];
      return;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift the bits into place, exactly
      const src = new Uint16Array(bytes, 0, n);
      const dst = new Uint32Array(out.buffer, out.byteOffset + first * 4, n);
      for (let i = 0; i < n; i++) dst[i] = src[i] << 16;
      return;
    }
    default:
      throw new Error(`no float32 conversion for ${dtype}`);
  }
}

/** Flat index -> per-dimension index (row-major). */
function unravel(index: number, shape: number[]): number[] {
  const out = new Array<number>(shape.length);
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  return out;
}

async function readExactly(handle: FileHandle, file: string, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  await readInto(handle, file, buf, length, position);
  return buf;
}

/** fs reads may return fewer bytes than asked; loop, and name a file that shrank under us. */
async function readInto(handle: FileHandle, file: string, into: Uint8Array, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(into, done, length - done, position + done);
    if (bytesRead === 0) {
      throw new SafetensorsFormatError(file, `file is truncated: expected ${length} bytes at byte ${position} but it ends after ${done} — was it changed while being read?`);
    }
    done += bytesRead;
  }
}
