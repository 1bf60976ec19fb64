/**
 * The mask PNG encoder (read back by sharp and zlib, checked byte for byte), the zoom/pan view
 * transform, the overlay pixels, and the schedule plot's scales and ticks.
 */
import { inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { adler32, crc32, encodeGrayPng, encodeGrayPngCompressed, grayScanlines, zlibStored } from '../../../../src-renderer/src/lib/canvas/png.ts';
import { fitView, imageToScreen, panBy, screenToImage, zoomAt } from '../../../../src-renderer/src/lib/canvas/view.ts';
import { overlayPixels } from '../../../../src-renderer/src/lib/canvas/overlay.ts';
import { formatNumber, linearScale, linearTicks, logScale, logSnrOf, logTicks, nearestIndex, pathD, sigmaOfLogSnr } from '../../../../src-renderer/src/lib/canvas/plot.ts';

function pattern(w: number, h: number): Uint8Array {
  return Uint8Array.from({ length: w * h }, (_, i) => (i * 37 + (i >> 5)) % 256);
}

describe('grayscale PNG', () => {
  it('checksums match the published check values', () => {
    const text = new TextEncoder().encode('123456789');
    expect(crc32(text)).toBe(0xcbf43926); // the CRC-32 check value
    expect(adler32(new TextEncoder().encode('Wikipedia'))).toBe(0x11e60398);
  });

  it('stored zlib blocks inflate back to the input, across the 64 KiB block limit', () => {
    const raw = pattern(300, 500);
    expect(new Uint8Array(inflateSync(zlibStored(raw)))).toEqual(raw);
    expect(new Uint8Array(inflateSync(zlibStored(new Uint8Array(0))))).toEqual(new Uint8Array(0));
  });

  it('decodes (sharp) to exactly the mask bytes at the mask size', async () => {
    const w = 123;
    const h = 77;
    const data = pattern(w, h);
    for (const png of [encodeGrayPng(data, w, h), await encodeGrayPngCompressed(data, w, h)]) {
      const meta = await sharp(png).metadata();
      expect([meta.width, meta.height, meta.channels, meta.space, meta.depth]).toEqual([w, h, 1, 'b-w', 'uchar']);
      const pixels = await sharp(png).extractChannel(0).raw().toBuffer();
      expect(new Uint8Array(pixels)).toEqual(data);
    }
    expect(grayScanlines(data, w, h).length).toBe((w + 1) * h);
    expect(() => encodeGrayPng(data, w + 1, h)).toThrow(/124×77 gray image has 9548 bytes, got 9471/);
  });
});

describe('view transform', () => {
  it('fits the image centred with a margin and maps screen ↔ image both ways', () => {
    const v = fitView(1000, 500, 800, 600, 20);
    expect(v.scale).toBeCloseTo(0.76, 12);
    expect(v.x).toBeCloseTo(20, 12);
    expect(v.y).toBeCloseTo((600 - 380) / 2, 12);
    const p = { x: 123, y: 456 };
    const back = screenToImage(v, imageToScreen(v, p));
    expect(back.x).toBeCloseTo(123, 10);
    expect(back.y).toBeCloseTo(456, 10);
  });

  it('zooms about the cursor (the pixel under it stays put) and pans by screen pixels', () => {
    const v = { scale: 1, x: 10, y: 20 };
    const cursor = { x: 300, y: 200 };
    const under = screenToImage(v, cursor);
    const z = zoomAt(v, 2.5, cursor);
    expect(z.scale).toBe(2.5);
    const still = screenToImage(z, cursor);
    expect(still.x).toBeCloseTo(under.x, 10);
    expect(still.y).toBeCloseTo(under.y, 10);
    expect(zoomAt(v, 1e6, cursor).scale).toBe(32);
    expect(panBy(v, 5, -5)).toEqual({ scale: 1, x: 15, y: 15 });
  });
});

describe('overlay', () => {
  it('tints a rectangle with opacity proportional to the mask', () => {
    const mask = { width: 3, height: 2, data: Uint8Array.of(0, 255, 100, 50, 0, 255) };
    const px = overlayPixels(mask, { x: 1, y: 0, width: 2, height: 2 }, { r: 1, g: 2, b: 3, opacity: 0.5 });
    expect([...px]).toEqual([1, 2, 3, 128, 1, 2, 3, 50, 1, 2, 3, 0, 1, 2, 3, 128]);
  });
});

describe('schedule plot maths', () => {
  it('maps sigma on a log axis and log SNR on the same curve', () => {
    const y = logScale(0.01, 100, 200, 0);
    expect(y(1)).toBeCloseTo(100, 10);
    expect(y(0.01)).toBeCloseTo(200, 10);
    expect(Number.isNaN(y(0))).toBe(true);
    expect(linearScale(0, 10, 0, 100)(2.5)).toBe(25);
    expect(logSnrOf(1)).toBe(0);
    expect(sigmaOfLogSnr(logSnrOf(0.37))).toBeCloseTo(0.37, 12);
    expect(logSnrOf(0)).toBe(Infinity);
  });

  it('writes paths with gaps at non-finite points', () => {
    expect(pathD([{ x: 0, y: 1 }, { x: 1.25, y: 2 }, { x: 2, y: Number.NaN }, { x: 3, y: 4 }])).toBe('M0.0 1.0L1.3 2.0M3.0 4.0');
  });

  it('picks round ticks', () => {
    expect(logTicks(0.03, 14.6)).toEqual([0.03, 0.1, 0.3, 1, 3, 10]);
    expect(logTicks(0.001, 100)).toEqual([0.001, 0.01, 0.1, 1, 10, 100]);
    expect(logTicks(2, 30)).toEqual([2, 5, 10, 20]);
    expect(linearTicks(0, 999, 5)).toEqual([0, 200, 400, 600, 800]);
    expect(linearTicks(-5.4, 7.2, 4)).toEqual([-5, 0, 5]);
    expect(linearTicks(0.1, 1.3, 6)).toEqual([0.2, 0.4, 0.6, 0.8, 1, 1.2]);
    expect(formatNumber(14.6146)).toBe('14.6');
    expect(formatNumber(0.02916)).toBe('0.029');
    expect(formatNumber(Infinity)).toBe('∞');
    expect([formatNumber(5), formatNumber(-5), formatNumber(-1.014), formatNumber(1000)]).toEqual(['5', '−5', '−1.01', '1000']);
    expect(nearestIndex([0, 10, 20, 30], 14)).toBe(1);
    expect(nearestIndex([0, 10, 20, 30], 16)).toBe(2);
    expect(nearestIndex([0, 10, 20, 30], 99)).toBe(3);
  });
});
