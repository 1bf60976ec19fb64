/**
 * Mask maths: brush falloff and dabs, strokes that do not build up, invert/feather/bounds, and the
 * editable layer with rectangle-sized undo/redo.
 */
import { describe, expect, it } from 'vitest';
import {
  brushFalloff,
  composeStroke,
  createMask,
  dabRect,
  featherMask,
  invertMask,
  maskBounds,
  maskCoverage,
  stampDab,
  strokePoints,
} from '../../../../src-renderer/src/lib/canvas/mask.ts';
import { MaskLayer } from '../../../../src-renderer/src/lib/canvas/mask-layer.ts';
import type { Brush } from '../../../../src-renderer/src/lib/canvas/mask.ts';

const at = (m: { width: number; data: Uint8Array }, x: number, y: number): number => m.data[y * m.width + x];

describe('brush falloff', () => {
  it('is full inside hardness·r, zero at r, and falls monotonically between', () => {
    expect(brushFalloff(0, 10, 0.5)).toBe(1);
    expect(brushFalloff(5, 10, 0.5)).toBe(1);
    expect(brushFalloff(10, 10, 0.5)).toBe(0);
    expect(brushFalloff(12, 10, 0.5)).toBe(0);
    let last = 1;
    for (let d = 5; d <= 10; d += 0.25) {
      const v = brushFalloff(d, 10, 0.5);
      expect(v).toBeLessThanOrEqual(last);
      last = v;
    }
    // smoothstep midway: exactly one half
    expect(brushFalloff(7.5, 10, 0.5)).toBeCloseTo(0.5, 12);
  });

  it('a hard brush keeps a one-pixel anti-aliased edge; a soft one fades from the centre', () => {
    expect(brushFalloff(8.9, 10, 1)).toBe(1);
    expect(brushFalloff(9.5, 10, 1)).toBeCloseTo(0.5, 12);
    expect(brushFalloff(0.001, 10, 0)).toBeCloseTo(1, 5);
    expect(brushFalloff(5, 10, 0)).toBeCloseTo(0.5, 12);
  });
});

describe('dabs and strokes', () => {
  const brush: Brush = { radius: 4, hardness: 1, mode: 'paint' };

  it('stamps a disc clipped to the image and reports the touched rectangle', () => {
    const m = createMask(16, 16);
    const rect = stampDab(m.data, 16, 16, { x: 1, y: 1 }, brush);
    expect(rect).toEqual({ x: 0, y: 0, width: 6, height: 6 });
    expect(at(m, 0, 0)).toBe(255);
    // the pixel centre (1.5, 4.5) is 3.54 from (1, 1): on the one-pixel anti-aliased rim (3 … 4)
    expect(at(m, 1, 4)).toBeGreaterThan(0);
    expect(at(m, 1, 4)).toBeLessThan(255);
    expect(at(m, 1, 3)).toBe(255); // 2.55 away: inside
    expect(at(m, 5, 5)).toBe(0);
    expect(dabRect(-10, -10, 4, 16, 16)).toBeNull();
  });

  it('spaces dabs evenly and ends exactly at the target', () => {
    const pts = strokePoints({ x: 0, y: 0 }, { x: 10, y: 0 }, 2.5);
    expect(pts).toEqual([2.5, 5, 7.5, 10].map((x) => ({ x, y: 0 })));
    expect(strokePoints({ x: 3, y: 3 }, { x: 3, y: 3 }, 1)).toEqual([{ x: 3, y: 3 }]);
  });

  it('overlapping soft dabs in one stroke never exceed a single dab (max, not sum)', () => {
    const soft: Brush = { radius: 6, hardness: 0, mode: 'paint' };
    const cov = new Uint8Array(32 * 32);
    stampDab(cov, 32, 32, { x: 16, y: 16 }, soft);
    const single = cov[16 * 32 + 20];
    for (let k = 0; k < 10; k++) stampDab(cov, 32, 32, { x: 16, y: 16 }, soft);
    expect(cov[16 * 32 + 20]).toBe(single);
  });

  it('paints toward 255 and erases toward 0 over the mask as it was', () => {
    const base = Uint8Array.of(0, 100, 255, 200);
    const cov = Uint8Array.of(255, 128, 255, 0);
    const out = new Uint8Array(4);
    composeStroke(base, cov, out, 4, { x: 0, y: 0, width: 4, height: 1 }, 'paint');
    expect([...out]).toEqual([255, 100 + Math.round((155 * 128) / 255), 255, 200]);
    composeStroke(base, cov, out, 4, { x: 0, y: 0, width: 4, height: 1 }, 'erase');
    expect([...out]).toEqual([0, 100 - Math.round((100 * 128) / 255), 0, 200]);
  });
});

describe('whole-mask operations', () => {
  it('inverts, measures coverage and bounds (pixels at 50% or more)', () => {
    const m = createMask(8, 4);
    m.data[1 * 8 + 2] = 255;
    m.data[2 * 8 + 5] = 128;
    m.data[3 * 8 + 7] = 127;
    expect(maskBounds(m)).toEqual({ x: 2, y: 1, width: 4, height: 2 });
    expect(maskCoverage(m)).toBeCloseTo(2 / 32, 12);
    const inv = invertMask(m);
    expect(at(inv, 2, 1)).toBe(0);
    expect(at(inv, 0, 0)).toBe(255);
    expect(maskBounds(createMask(3, 3))).toBeNull();
  });

  it('feathers like a normalised Gaussian: mass is kept, the edge becomes a ramp, far pixels stay 0', () => {
    const m = createMask(41, 1);
    for (let x = 20; x < 41; x++) m.data[x] = 255;
    const f = featherMask(m, 2);
    expect(at(f, 0, 0)).toBe(0); // more than 3σ away
    expect(at(f, 40, 0)).toBe(255);
    // the step at 19.5|20 is blurred symmetrically: pixel 19 and 20 sit either side of one half
    expect(at(f, 19, 0) + at(f, 20, 0)).toBeGreaterThanOrEqual(254);
    expect(at(f, 19, 0) + at(f, 20, 0)).toBeLessThanOrEqual(256);
    for (let x = 1; x < 41; x++) expect(at(f, x, 0)).toBeGreaterThanOrEqual(at(f, x - 1, 0));
    expect(featherMask(m, 0).data).toEqual(m.data);
  });
});

describe('MaskLayer', () => {
  const brush: Brush = { radius: 3, hardness: 1, mode: 'paint' };

  it('a stroke is one undo step; undo and redo restore the exact bytes', () => {
    const layer = new MaskLayer(40, 20);
    layer.beginStroke(brush, { x: 5, y: 10 });
    const dirty = layer.strokeTo({ x: 30, y: 10 });
    expect(dirty).not.toBeNull();
    layer.endStroke();
    const painted = Uint8Array.from(layer.data);
    expect(at(layer.mask, 18, 10)).toBe(255); // continuous between the ends
    expect(layer.canUndo).toBe(true);
    expect(layer.undo()).toMatchObject({ x: 2, y: 7 });
    expect(layer.data.every((v) => v === 0)).toBe(true);
    expect(layer.canRedo).toBe(true);
    layer.redo();
    expect(layer.data).toEqual(painted);
  });

  it('erases, inverts and clears, each undoable; a new change drops the redo list', () => {
    const layer = new MaskLayer(10, 10);
    layer.beginStroke({ ...brush, radius: 20 }, { x: 5, y: 5 });
    layer.endStroke();
    expect(layer.data.every((v) => v === 255)).toBe(true);
    layer.beginStroke({ radius: 2, hardness: 1, mode: 'erase' }, { x: 5, y: 5 });
    layer.endStroke();
    expect(at(layer.mask, 5, 5)).toBe(0);
    layer.invert();
    expect(at(layer.mask, 5, 5)).toBe(255);
    expect(at(layer.mask, 0, 0)).toBe(0);
    layer.clear();
    expect(layer.data.every((v) => v === 0)).toBe(true);
    layer.undo();
    layer.undo();
    expect(at(layer.mask, 5, 5)).toBe(0);
    layer.beginStroke(brush, { x: 5, y: 5 }); // into the erased hole: a real change
    layer.endStroke();
    expect(layer.canRedo).toBe(false);
  });

  it('a stroke that changes nothing is not recorded', () => {
    const layer = new MaskLayer(10, 10);
    layer.beginStroke({ radius: 3, hardness: 1, mode: 'erase' }, { x: 5, y: 5 });
    layer.endStroke();
    expect(layer.canUndo).toBe(false);
  });

  it('keeps history within its byte budget, dropping the oldest changes', () => {
    const layer = new MaskLayer(100, 100, 30_000);
    for (let k = 0; k < 3; k++) layer.invert(); // 20,000 bytes each (before + after)
    layer.undo();
    expect(layer.canUndo).toBe(false);
  });
});
