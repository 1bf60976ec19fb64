/**
 * The header of a .safetensors file, checked entry by entry. The format (huggingface/safetensors,
 * docs/format): an 8-byte little-endian u64 N, N bytes of UTF-8 JSON, then the tensor data. The JSON
 * maps each tensor name to {dtype, shape, data_offsets: [begin, end]} — offsets count from the first
 * byte after the header — plus an optional "__metadata__" map of strings. Nothing here trusts the
 * header: every size is recomputed from dtype and shape and every range is checked against the file,
 * so a corrupt or cut-off download is named before a byte of tensor data is read.
 */

/** The file is not a well-formed .safetensors file; the message says what is wrong and where. */
export class SafetensorsFormatError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'SafetensorsFormatError';
  }
}

/** Bytes per element of every dtype the format defines (the reference implementation's Dtype). */
export const DTYPE_BYTES = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1,
} as const;
export type SafetensorsDtype = keyof typeof DTYPE_BYTES;

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** absolute position in the file of the tensor's first byte */
  byteOffset: number;
  byteLength: number;
}

export interface SafetensorsHeader {
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

/** The reference implementation refuses headers above 100 MB; a real checkpoint's is well under 1 MB. */
export const MAX_HEADER_BYTES = 100_000_000;
export const NOT_SAFETENSORS = 'not a .safetensors file or corrupt';

/**
 * Checks the 8-byte length prefix against the file size; returns N. `prefix` holds the file's first
 * 8 bytes (or fewer when the file is shorter).
 */
export function checkHeaderLength(file: string, prefix: Uint8Array, fileSize: number): number {
  if (fileSize < 8) {
    throw new SafetensorsFormatError(file, `the file is ${fileSize} bytes, shorter than the 8-byte header length: ${NOT_SAFETENSORS}`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsFormatError(file, `the header length ${n} is above the 100 MB limit: ${NOT_SAFETENSORS}`);
  }
  if (n > BigInt(fileSize - 8)) {
    throw new SafetensorsFormatError(file, `the header length ${n} is larger than the rest of the file (${fileSize - 8} bytes): ${NOT_SAFETENSORS}`);
  }
  return Number(n);
}

/** Parses and checks the JSON header; `dataBytes` is the size of the data section after it. */
export function parseHeader(file: string, json: Uint8Array, dataBytes: number): SafetensorsHeader {
  const fail = (reason: string): never => {
    throw new SafetensorsFormatError(file, reason);
  };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch {
    return fail(`the header is not valid UTF-8: ${NOT_SAFETENSORS}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return fail(`the header is not valid JSON (${(err as Error).message}): ${NOT_SAFETENSORS}`);
  }
  if (!isPlainObject(parsed)) return fail(`the header is JSON but not an object (got ${describe(parsed)}): ${NOT_SAFETENSORS}`);

  let metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorEntry>();
  const headerEnd = 8 + json.length;
  for (const [name, raw] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(raw, fail);
      continue;
    }
    const entry = checkEntry(name, raw, fail);
    const [begin, end] = entry.offsets;
    if (end > dataBytes) {
      fail(`file is truncated: tensor ${name} ends at byte ${end} but the data section has only ${dataBytes} bytes — download it again`);
    }
    tensors.set(name, { name, dtype: entry.dtype, shape: entry.shape, byteOffset: headerEnd + begin, byteLength: end - begin });
  }
  checkOverlaps(tensors, headerEnd, fail);
  return { tensors, metadata };
}

interface CheckedEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  offsets: [number, number];
}

function checkEntry(name: string, raw: unknown, fail: (reason: string) => never): CheckedEntry {
  if (!isPlainObject(raw)) return fail(`tensor ${name}: expected {dtype, shape, data_offsets}, got ${describe(raw)}`);
  const { dtype, shape, data_offsets: offsets } = raw;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
    fail(`tensor ${name} has unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(DTYPE_BYTES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`tensor ${name} has shape ${JSON.stringify(shape)}; a shape is a list of non-negative whole numbers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
    fail(`tensor ${name} has data_offsets ${JSON.stringify(offsets)}; expected [begin, end], whole numbers with begin <= end`);
  }
  const type = dtype as SafetensorsDtype;
  const dims = shape as number[];
  const [begin, end] = offsets as [number, number];
  const needed = dims.reduce((n, d) => n * BigInt(d), 1n) * BigInt(DTYPE_BYTES[type]);
  if (needed !== BigInt(end - begin)) {
    fail(`header lies about tensor ${name}: shape [${dims.join(', ')}] of ${type} needs ${needed} bytes but offsets give ${end - begin}`);
  }
  return { dtype: type, shape: dims, offsets: [begin, end] };
}

function checkMetadata(raw: unknown, fail: (reason: string) => never): Record<string, string> {
  if (!isPlainObject(raw)) return fail(`__metadata__ must be an object of strings, got ${describe(raw)}`);
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') fail(`__metadata__ value for ${JSON.stringify(key)} must be a string, got ${describe(value)}`);
    Object.defineProperty(metadata, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return metadata;
}

/** Two tensors sharing bytes would alias each other; the reference implementation refuses that too. */
function checkOverlaps(tensors: Map<string, TensorEntry>, headerEnd: number, fail: (reason: string) => never): void {
  const sorted = [...tensors.values()].filter((t) => t.byteLength > 0).sort((a, b) => a.byteOffset - b.byteOffset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (cur.byteOffset < prev.byteOffset + prev.byteLength) {
      const range = (t: TensorEntry): string => `[${t.byteOffset - headerEnd}, ${t.byteOffset - headerEnd + t.byteLength})`;
      fail(`tensors ${prev.name} ${range(prev)} and ${cur.name} ${range(cur)} overlap in the data section: ${NOT_SAFETENSORS}`);
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
