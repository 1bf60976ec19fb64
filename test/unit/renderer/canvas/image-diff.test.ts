import { describe, expect, it } from 'vitest';
import { meanAbsDifference, stepDistances } from '../../../../src-renderer/src/lib/canvas/image-diff.ts';

const rgba = (...px: [number, number, number][]): Uint8ClampedArray => Uint8ClampedArray.from(px.flatMap(([r, g, b]) => [r, g, b, 255]));

describe('image differences', () => {
  it('mean absolute difference over the colour channels, alpha ignored, in 8-bit levels', () => {
    expect(meanAbsDifference(rgba([0, 0, 0], [10, 20, 30]), rgba([0, 0, 0], [10, 20, 30]))).toBe(0);
    // (3 + 6 + 9) over 2 pixels × 3 channels
    expect(meanAbsDifference(rgba([1, 2, 3], [4, 5, 6]), rgba([4, 8, 12], [4, 5, 6]))).toBe(3);
    expect(meanAbsDifference(rgba([255, 255, 255]), rgba([0, 0, 0]))).toBe(255);
    expect(() => meanAbsDifference(rgba([0, 0, 0]), rgba([0, 0, 0], [0, 0, 0]))).toThrow(/sizes differ/);
  });

  it('per step, the distance of each pair; a pair of different sizes gives null', async () => {
    const images: Record<string, { width: number; height: number; data: Uint8ClampedArray }> = {
      a1: { width: 1, height: 1, data: rgba([10, 10, 10]) },
      b1: { width: 1, height: 1, data: rgba([10, 10, 10]) },
      a2: { width: 1, height: 1, data: rgba([0, 0, 0]) },
      b2: { width: 1, height: 1, data: rgba([30, 60, 90]) },
      c: { width: 2, height: 1, data: rgba([0, 0, 0], [0, 0, 0]) },
    };
    const load = (url: string) => Promise.resolve(images[url]);
    await expect(stepDistances([['a1', 'b1'], ['a2', 'b2'], ['a1', 'c']], load)).resolves.toEqual([0, 60, null]);
  });
});
