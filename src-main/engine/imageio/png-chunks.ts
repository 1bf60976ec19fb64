/**
 * PNG text chunks, written and read by hand (PNG spec 1.2 §11.3.4): `tEXt` (Latin-1),
 * `zTXt` (Latin-1, zlib) and `iTXt` (UTF-8, optionally zlib). New chunks go right after IHDR,
 * where readers that stop early still see them.
 *
 * Writing: pure ASCII text goes in `tEXt`, anything else in uncompressed `iTXt`. PIL (A1111's writer)
 * would put Latin-1 text such as "Kätzchen" in tEXt, but libvips (sharp) and several web readers
 * decode tEXt as UTF-8 and garble it; iTXt is read right by all of them.
 * Reading: tEXt is Latin-1 by the spec, but some writers put UTF-8 there; bytes that are valid
 * UTF-8 with non-ASCII characters are read as UTF-8 (Latin-1 text almost never is valid UTF-8).
 */
import { crc32, inflateSync } from 'node:zlib';
import { EngineError } from '../types.ts';

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngChunk {
  readonly type: string;
  readonly data: Uint8Array;
  /** byte offset of the chunk's length field in the file */
  readonly offset: number;
}

export interface PngTextEntry {
  readonly keyword: string;
  readonly text: string;
  readonly chunk: 'tEXt' | 'zTXt' | 'iTXt';
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Every chunk of a PNG, CRC-checked. Throws IMAGE_INVALID naming the first problem. */
export function readChunks(png: Uint8Array): PngChunk[] {
  if (!isPng(png)) throw new EngineError('IMAGE_INVALID', 'not a PNG file (the 8-byte PNG signature is missing)');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: PngChunk[] = [];
  let pos = 8;
  while (pos < png.length) {
    if (pos + 12 > png.length) throw new EngineError('IMAGE_INVALID', `PNG is truncated: chunk header at byte ${pos} runs past the end`);
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...png.subarray(pos + 4, pos + 8));
    const end = pos + 12 + length;
    if (end > png.length) throw new EngineError('IMAGE_INVALID', `PNG is truncated: ${type} chunk at byte ${pos} claims ${length} bytes`);
    const expected = view.getUint32(pos + 8 + length);
    const actual = crc32(png.subarray(pos + 4, pos + 8 + length));
    if (expected !== actual) throw new EngineError('IMAGE_INVALID', `PNG ${type} chunk at byte ${pos} has a bad CRC`);
    chunks.push({ type, data: png.subarray(pos + 8, pos + 8 + length), offset: pos });
    pos = end;
    if (type === 'IEND') break;
  }
  if (chunks[0]?.type !== 'IHDR') throw new EngineError('IMAGE_INVALID', 'PNG does not start with an IHDR chunk');
  return chunks;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function latin1(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function chunkBytes(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(latin1(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function checkKeyword(keyword: string): void {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword) || keyword.startsWith(' ') || keyword.endsWith(' ')) {
    throw new EngineError('BAD_INPUT', `PNG text keyword must be 1-79 printable Latin-1 characters without leading/trailing spaces, got ${JSON.stringify(keyword)}`);
  }
}

/** A text chunk: tEXt when the text is ASCII, iTXt (UTF-8, uncompressed) otherwise. */
export function textChunk(keyword: string, text: string): Uint8Array {
  checkKeyword(keyword);
  if (isAscii(text)) return chunkBytes('tEXt', Uint8Array.from([...latin1(keyword), 0, ...latin1(text)]));
  const utf8 = new TextEncoder().encode(text);
  // keyword \0 compression-flag compression-method language-tag \0 translated-keyword \0 text
  const head = Uint8Array.from([...latin1(keyword), 0, 0, 0, 0, 0]);
  const data = new Uint8Array(head.length + utf8.length);
  data.set(head);
  data.set(utf8, head.length);
  return chunkBytes('iTXt', data);
}

/** Returns a new PNG with the given text entries inserted right after IHDR. */
export function insertTextChunks(png: Uint8Array, entries: readonly { keyword: string; text: string }[]): Buffer {
  const chunks = readChunks(png);
  const ihdrEnd = chunks[0].offset + 12 + chunks[0].data.length;
  const inserted = entries.map((e) => textChunk(e.keyword, e.text));
  return Buffer.concat([png.subarray(0, ihdrEnd), ...inserted, png.subarray(ihdrEnd)]);
}

function decodeLatin1(bytes: Uint8Array): string {
  return new TextDecoder('latin1').decode(bytes);
}

/** tEXt/zTXt body: Latin-1 by the spec, UTF-8 when it is valid UTF-8 (see the header). */
function decodeText(bytes: Uint8Array): string {
  if (bytes.every((b) => b < 0x80)) return decodeLatin1(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return decodeLatin1(bytes);
  }
}

function inflate(bytes: Uint8Array, where: string): Uint8Array {
  try {
    return inflateSync(bytes);
  } catch (err) {
    throw new EngineError('IMAGE_INVALID', `PNG ${where}: compressed text does not inflate (${(err as Error).message})`);
  }
}

function parseTextChunk(chunk: PngChunk): PngTextEntry | null {
  const d = chunk.data;
  const nul = d.indexOf(0);
  if (nul <= 0) return null;
  const keyword = decodeLatin1(d.subarray(0, nul));
  if (chunk.type === 'tEXt') return { keyword, text: decodeText(d.subarray(nul + 1)), chunk: 'tEXt' };
  if (chunk.type === 'zTXt') return { keyword, text: decodeText(inflate(d.subarray(nul + 2), `zTXt "${keyword}"`)), chunk: 'zTXt' };
  // iTXt
  const compressed = d[nul + 1] === 1;
  const langEnd = d.indexOf(0, nul + 3);
  const transEnd = langEnd < 0 ? -1 : d.indexOf(0, langEnd + 1);
  if (transEnd < 0) return null;
  const body = d.subarray(transEnd + 1);
  const bytes = compressed ? inflate(body, `iTXt "${keyword}"`) : body;
  return { keyword, text: new TextDecoder('utf-8').decode(bytes), chunk: 'iTXt' };
}

/** Every text entry of a PNG in file order. */
export function readPngText(png: Uint8Array): PngTextEntry[] {
  const out: PngTextEntry[] = [];
  for (const chunk of readChunks(png)) {
    if (chunk.type !== 'tEXt' && chunk.type !== 'zTXt' && chunk.type !== 'iTXt') continue;
    const entry = parseTextChunk(chunk);
    if (entry) out.push(entry);
  }
  return out;
}

/** keyword → text (the first entry wins when a keyword repeats). */
export function readPngTextMap(png: Uint8Array): Map<string, string> {
  const map = new Map<string, string>();
  for (const e of readPngText(png)) if (!map.has(e.keyword)) map.set(e.keyword, e.text);
  return map;
}
