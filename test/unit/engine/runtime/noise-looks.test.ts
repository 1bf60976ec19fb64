/**
 * The noise thread's looks (runtime/noise-looks.ts): soon after the taker moves, then further apart,
 * never further than a quarter of the taker's pace allows, the floor at a GPU's pace, 250 ms at most.
 */
import { describe, expect, it } from 'vitest';
import { LOOK_MAX_MS, Looks } from '../../../../src-main/engine/runtime/noise-looks.ts';

/** the waits a Looks hands out after moves `gapMs` apart, on a clock that only moves when told */
function waitsAfter(gapMs: number, floorMs: number, count: number): number[] {
  let t = 0;
  const looks = new Looks(floorMs, () => t);
  for (let i = 0; i < 3; i++) {
    t += gapMs;
    looks.moved();
  }
  return Array.from({ length: count }, () => looks.next());
}

describe('noise thread looks', () => {
  it('look 1 ms after a move, then twice as long each time, up to the floor at a GPU pace', () => {
    expect(waitsAfter(20, 16, 7)).toEqual([1, 2, 4, 8, 16, 16, 16]);
    expect(waitsAfter(20, 8, 6)).toEqual([1, 2, 4, 8, 8, 8]);
  });

  it('look at a slower taker at a quarter of its pace, and at most LOOK_MAX_MS apart', () => {
    expect(waitsAfter(400, 16, 9)).toEqual([1, 2, 4, 8, 16, 32, 64, 100, 100]);
    expect(waitsAfter(5_000, 8, 11).slice(-4)).toEqual([128, LOOK_MAX_MS, LOOK_MAX_MS, LOOK_MAX_MS]);
  });

  it('starts at the floor and follows a taker that speeds up again', () => {
    let t = 0;
    const looks = new Looks(8, () => t);
    expect(Array.from({ length: 6 }, () => looks.next())).toEqual([1, 2, 4, 8, 8, 8]);
    t += 2_000;
    looks.moved();
    t += 20;
    looks.moved();
    expect(Array.from({ length: 6 }, () => looks.next())).toEqual([1, 2, 4, 8, 8, 8]);
  });
});
