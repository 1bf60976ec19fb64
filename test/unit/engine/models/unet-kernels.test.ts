import { describe, expect, it } from 'vitest';
import { guidedLoop } from '../../../../src-main/engine/models/unet.ts';
import { CfgPairLease } from '../../../../src-main/engine/models/unet-kernels.ts';
import { awkwardFloats as values, floatBits as bits } from '../../../helpers/awkward-floats.ts';
import { assemble, compileModule } from '../../../../src-main/engine/runtime/wasm-simd.ts';

/** the loop the kernels replace (models/unet.ts `scaled[i] = scaled[n + i] = xs[i] * cIn`), the reference to the bit */
function scaleRef(x: Float32Array, cIn: number): Float32Array {
  const n = x.length;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) out[i] = out[n + i] = x[i] * cIn;
  return out;
}

describe('the batched-CFG kernels (WebAssembly SIMD)', () => {
  it('assemble a module this runtime validates', () => {
    expect(CfgPairLease.create(16)).not.toBeNull();
    expect(compileModule(assemble([]))).not.toBeNull();
    expect(compileModule(new Uint8Array([0, 1, 2]))).toBeNull();
  });

  it('give the JavaScript loops\' numbers bit for bit: c_in·x into both halves, both x̂₀ and their CFG mix', () => {
    // sizes with and without a tail past the last 4-float vector; eps (c_skip 1, c_out −σ) and v coefficients
    for (const n of [4, 7, 64, 1021, 4 * 64 * 64]) {
      const lease = CfgPairLease.create(n);
      if (!lease) throw new Error('no WebAssembly SIMD here');
      for (let trial = 0; trial < 6; trial++) {
        const x = values(17 * n + trial, n);
        const sigma = [14.6146, 1, 0.0292, 3.7, 1e-3, 80][trial];
        const cIn = 1 / Math.sqrt(sigma * sigma + 1);
        const input = lease.scale(x, cIn);
        expect(bits(input)).toEqual(bits(scaleRef(x, cIn)));
        const pred = values(31 * n + trial, 2 * n);
        const want = pred.slice();
        const [cSkip, cOut] = trial % 2 === 0 ? [1, -sigma] : [1 / (sigma * sigma + 1), -sigma * cIn];
        const scale = [7, 1.5, 0, -1, 30, 7.25][trial];
        expect(guidedLoop(want, x, cSkip, cOut, scale)).toBe(-1);
        expect(lease.guided(pred, cSkip, cOut, scale)).toBe(-1);
        expect(bits(pred.subarray(0, n))).toEqual(bits(want.subarray(0, n)));
        expect(bits(pred.subarray(n))).toEqual(bits(want.subarray(n))); // the cond half is only read
      }
    }
  });

  it('find the first NaN or infinity in either half, as the loop does, and leave the prediction as it was', () => {
    const n = 1023;
    const lease = CfgPairLease.create(n) as CfgPairLease;
    const x = values(5, n);
    for (const [where, bad] of [[517, Number.NaN], [n + 300, Infinity], [n + 2, -Infinity], [1021, Number.NaN], [2 * n - 1, Infinity], [0, Number.NaN]] as const) {
      lease.scale(x, 0.5);
      const pred = values(where, 2 * n);
      pred[where] = bad;
      pred[(where % n) + 40 < n ? (where % n) + 40 : where] = Number.NaN; // a later one does not matter
      const before = pred.slice();
      const want = pred.slice();
      expect(lease.guided(pred, 1, -2, 7)).toBe(guidedLoop(want, x, 1, -2, 7));
      expect(lease.guided(pred, 1, -2, 7)).toBe(where % n);
      expect(bits(pred)).toEqual(bits(before));
    }
  });
});
