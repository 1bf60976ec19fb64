/**
 * A grayscale PNG encoder for masks (PNG spec, ISO/IEC 15948: IHDR colour type 0, bit depth 8,
 * filter 0 per row, zlib stream with CRC-32 and Adler-32), so the exported mask is exactly the
 * painted bytes at the image's resolution — no canvas colour management or premultiplication in
 * between. The zlib stream is made by `deflate` when given (the browser's CompressionStream), else
 * from stored (uncompressed) blocks, which every decoder reads.
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, as PNG chunks use it). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  const MOD = 65521;
  for (let i = 0; i < bytes.length; ) {
    // sums stay below 2^53 for blocks of this size
    const end = Math.min(bytes.length, i + 5552);
    for (; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream of stored deflate blocks (RFC 1950/1951): no compression, always valid. */
export function zlibStored(raw: Uint8Array): Uint8Array {
  const MAX = 65535;
  const blocks = Math.max(1, Math.ceil(raw.length / MAX));
  const out = new Uint8Array(2 + raw.length + blocks * 5 + 4);
  out[0] = 0x78; // deflate, 32K window
  out[1] = 0x01; // no preset dictionary, fastest; (0x78·256 + 0x01) % 31 === 0
  let o = 2;
  for (let k = 0; k < blocks; k++) {
    const chunk = raw.subarray(k * MAX, Math.min(raw.length, (k + 1) * MAX));
    out[o++] = k === blocks - 1 ? 1 : 0; // BFINAL, BTYPE 00
    out[o++] = chunk.length & 0xff;
    out[o++] = chunk.length >>> 8;
    out[o++] = ~chunk.length & 0xff;
    out[o++] = (~chunk.length >>> 8) & 0xff;
    out.set(chunk, o);
    o += chunk.length;
  }
  const adler = adler32(raw);
  out[o++] = adler >>> 24;
  out[o++] = (adler >>> 16) & 0xff;
  out[o++] = (adler >>> 8) & 0xff;
  out[o] = adler & 0xff;
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** The scanlines PNG compresses: each row prefixed by its filter type (0, none). */
export function grayScanlines(data: Uint8Array, width: number, height: number): Uint8Array {
  if (data.length !== width * height) throw new Error(`a ${width}×${height} gray image has ${width * height} bytes, got ${data.length}`);
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return raw;
}

/** PNG bytes of an 8-bit grayscale image; `zlib` is the compressed scanlines (default: stored). */
export function encodeGrayPng(data: Uint8Array, width: number, height: number, zlib?: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const idat = zlib ?? zlibStored(grayScanlines(data, width, height));
  const parts = [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Compresses with the platform's zlib ('deflate' format of CompressionStream) when there is one. */
export async function encodeGrayPngCompressed(data: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const Stream = (globalThis as { CompressionStream?: new (format: 'deflate') => TransformStream<Uint8Array, Uint8Array> }).CompressionStream;
  if (!Stream) return encodeGrayPng(data, width, height);
  const raw = grayScanlines(data, width, height);
  const compressed = new Uint8Array(await new Response(new Blob([raw.slice().buffer]).stream().pipeThrough(new Stream('deflate'))).arrayBuffer());
  return encodeGrayPng(data, width, height, compressed);
}
