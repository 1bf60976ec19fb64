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
 * Compressed text (zTXt, compressed iTXt) is untrusted: a 5 MB file can inflate to gigabytes. Each
 * chunk inflates to at most PNG_TEXT_LIMITS.perChunk and the file to PNG_TEXT_LIMITS.perFile in all;
 * zlib stops at the limit (maxOutputLength), so the full size is never allocated. What is over a
 * limit is skipped with a note; generation metadata is kilobytes, far below both.
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

/** How much compressed PNG text is inflated: per chunk, and for the whole file (bytes). */
export const PNG_TEXT_LIMITS = { perChunk: 8 * 1024 * 1024, perFile: 32 * 1024 * 1024 } as const;

const mib = (bytes: number): string => `${bytes / (1024 * 1024)} MiB`;

/** The file's inflation budget, and what was skipped for being over a limit. */
interface InflateBudget {
  left: number;
  /** compressed chunks skipped because the file's budget was spent */
  overFile: string[];
  notes: string[];
}

/** Inflates at most `limit` bytes; null when the text is longer (zlib stops there, nothing larger is allocated). */
function inflateCapped(bytes: Uint8Array, limit: number, where: string): Uint8Array | null {
  try {
    return inflateSync(bytes, { maxOutputLength: Math.max(1, limit) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return null;
    throw new EngineError('IMAGE_INVALID', `PNG ${where}: compressed text does not inflate (${(err as Error).message})`);
  }
}

/** A compressed chunk's text within the limits, or null (with a note) when it is over one. */
function inflateText(bytes: Uint8Array, chunk: PngChunk, keyword: string, budget: InflateBudget): Uint8Array | null {
  const where = `${chunk.type} "${keyword}" at byte ${chunk.offset}`;
  if (budget.left <= 0) {
    budget.overFile.push(where);
    return null;
  }
  const limit = Math.min(PNG_TEXT_LIMITS.perChunk, budget.left);
  const out = inflateCapped(bytes, limit, where);
  if (out) {
    budget.left -= out.length;
    return out;
  }
  // the work done counts too: a file of many bombs costs at most perFile of inflating, not perChunk each
  budget.left -= limit;
  if (limit === PNG_TEXT_LIMITS.perChunk) {
    budget.notes.push(
      `The PNG text ${where} inflates to more than ${mib(PNG_TEXT_LIMITS.perChunk)} (Reverie's limit for one compressed text chunk); it was skipped. ` +
        'Generation parameters are far smaller; if you need this text, save it from the program that wrote it.',
    );
  } else {
    budget.overFile.push(where);
  }
  return null;
}

function parseTextChunk(chunk: PngChunk, budget: InflateBudget): PngTextEntry | null {
  const d = chunk.data;
  const nul = d.indexOf(0);
  if (nul <= 0) return null;
  const keyword = decodeLatin1(d.subarray(0, nul));
  if (chunk.type === 'tEXt') return { keyword, text: decodeText(d.subarray(nul + 1)), chunk: 'tEXt' };
  if (chunk.type === 'zTXt') {
    const bytes = inflateText(d.subarray(nul + 2), chunk, keyword, budget);
    return bytes && { keyword, text: decodeText(bytes), chunk: 'zTXt' };
  }
  // iTXt
  const compressed = d[nul + 1] === 1;
  const langEnd = d.indexOf(0, nul + 3);
  const transEnd = langEnd < 0 ? -1 : d.indexOf(0, langEnd + 1);
  if (transEnd < 0) return null;
  const body = d.subarray(transEnd + 1);
  const bytes = compressed ? inflateText(body, chunk, keyword, budget) : body;
  return bytes && { keyword, text: new TextDecoder('utf-8').decode(bytes), chunk: 'iTXt' };
}

/**
 * Every text entry of a PNG in file order. Compressed text over PNG_TEXT_LIMITS is left out; what
 * was left out, and why, goes to `notes` in plain words.
 */
export function readPngText(png: Uint8Array, notes: string[] = []): PngTextEntry[] {
  const out: PngTextEntry[] = [];
  const budget: InflateBudget = { left: PNG_TEXT_LIMITS.perFile, overFile: [], notes };
  for (const chunk of readChunks(png)) {
    if (chunk.type !== 'tEXt' && chunk.type !== 'zTXt' && chunk.type !== 'iTXt') continue;
    const entry = parseTextChunk(chunk, budget);
    if (entry) out.push(entry);
  }
  if (budget.overFile.length > 0) {
    const [first] = budget.overFile;
    const more = budget.overFile.length - 1;
    notes.push(
      `The PNG's compressed text inflates to more than ${mib(PNG_TEXT_LIMITS.perFile)} in all (Reverie's limit per file); ` +
        `the ${first}${more > 0 ? ` and ${more} more` : ''} ${more > 0 ? 'were' : 'was'} skipped.`,
    );
  }
  return out;
}

/** keyword → text (the first entry wins when a keyword repeats); skipped text is noted in `notes`. */
export function readPngTextMap(png: Uint8Array, notes: string[] = []): Map<string, string> {
  const map = new Map<string, string>();
  for (const e of readPngText(png, notes)) if (!map.has(e.keyword)) map.set(e.keyword, e.text);
  return map;
}
