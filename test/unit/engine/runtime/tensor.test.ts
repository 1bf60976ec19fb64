import { describe, expect, it } from 'vitest';
import { castFloat, concatBatch, concatChannels, f32, makeTensor, numel, sliceBatch, toFloat32 } from '../../../../src-main/engine/runtime/tensor.ts';
import { EngineError } from '../../../../src-main/engine/types.ts';

describe('tensor helpers', () => {
  it('counts elements and checks data length', () => {
    expect(numel([2, 3, 4])).toBe(24);
    expect(numel([])).toBe(1);
    expect(() => makeTensor('float32', [2, 2], new Float32Array(3))).toThrow(/3 elements; dims \[2, 2\] need 4/);
    expect(makeTensor('int64', [2]).data).toEqual(new BigInt64Array(2));
  });

  it('concatenates and slices along the batch dimension', () => {
    const a = f32([1, 2, 2], [1, 2, 3, 4]);
    const b = f32([2, 2, 2], [5, 6, 7, 8, 9, 10, 11, 12]);
    const ab = concatBatch([a, b]);
    expect(ab.dims).toEqual([3, 2, 2]);
    expect(Array.from(ab.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const mid = sliceBatch(ab, 1, 2);
    expect(mid.dims).toEqual([1, 2, 2]);
    expect(Array.from(mid.data)).toEqual([5, 6, 7, 8]);
    mid.data[0] = 99;
    expect(ab.data[4]).toBe(5); // a copy, not a view
    const ids = concatBatch([makeTensor('int64', [1, 2], new BigInt64Array([1n, 2n])), makeTensor('int64', [1, 2], new BigInt64Array([3n, 4n]))]);
    expect(Array.from(ids.data)).toEqual([1n, 2n, 3n, 4n]);
    expect(() => concatBatch([a, f32([1, 3, 1])])).toThrow(EngineError);
    expect(() => sliceBatch(ab, 2, 4)).toThrow(/outside a batch of 3/);
  });

  it('concatenates NCHW tensors along channels per batch item', () => {
    const x = f32([2, 2, 1, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    const m = f32([2, 1, 1, 2], [-1, -2, -3, -4]);
    const out = concatChannels([x, m]);
    expect(out.dims).toEqual([2, 3, 1, 2]);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 4, -1, -2, 5, 6, 7, 8, -3, -4]);
  });

  it('casts float32 to float16 and back', () => {
    const t = f32([3], [1, 0.1, 65520]);
    const h = castFloat(t, 'float16');
    expect(h.dtype).toBe('float16');
    expect(Array.from(h.data)).toEqual([0x3c00, 0x2e66, 0x7c00]);
    expect(Array.from(toFloat32(h).data)).toEqual([1, 0.0999755859375, Infinity]);
    expect(castFloat(t, 'float32')).toBe(t);
    expect(() => toFloat32(makeTensor('int32', [1]))).toThrow(/expected a float tensor, got int32/);
  });
});
