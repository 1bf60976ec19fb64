import { describe, expect, it } from 'vitest';
import { MAX_TERMS, SIMD_MIN_FLOATS, simdCombine, simdCombineAdd, simdStep } from '../../../../src-main/engine/samplers/ops-kernels.ts';
import { awkwardFloats, floatBits as bits } from '../../../helpers/awkward-floats.ts';

const values = (seed: number, n: number): Float32Array => awkwardFloats(seed, n, true);

/** combineInto's and combineAndStepInto's loops, the reference to the bit */
function combineRef(out: Float32Array, terms: readonly Float32Array[], cs: readonly number[]): void {
  for (let i = 0; i < out.length; i++) {
    let acc = 0;
    for (let k = 0; k < terms.length; k++) acc += terms[k][i] * cs[k];
    out[i] = acc;
  }
}
function stepRef(out: Float32Array, d: Float32Array, a: Float32Array, ca: number, b: Float32Array, cb: number, s: number): void {
  for (let i = 0; i < out.length; i++) {
    d[i] = 0 + a[i] * ca + b[i] * cb;
    out[i] = 0 + a[i] * 1 + d[i] * s;
  }
}

/** NaN payloads may differ between engines; every other value is compared by its bits */
const same = (got: Float32Array, want: Float32Array): void => {
  const g = bits(got);
  const w = bits(want);
  let bad = 0;
  for (let i = 0; i < got.length; i++) if (g[i] !== w[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) bad++;
  expect(bad).toBe(0);
};

describe("the samplers' SIMD kernels", () => {
  it('combine 1 to 5 terms with the loop\'s numbers, bit for bit, out aliasing a term or not', () => {
    const n = 4 * 64 * 64;
    for (let k = 1; k <= MAX_TERMS; k++) {
      for (const alias of [false, true]) {
        const terms = Array.from({ length: k }, (_, j) => values(100 * k + j, n));
        const cs = [1, -0.37, 2.5e-3, 14.61, -1e-8].slice(0, k);
        const want = new Float32Array(n);
        combineRef(want, terms, cs);
        const out = alias ? terms[0] : new Float32Array(n);
        expect(simdCombine(out, terms, cs)).toBe(true);
        same(out, want);
      }
    }
    // the same array twice (x + x·c): copied in once, read twice
    const x = values(9, n);
    const want = new Float32Array(n);
    combineRef(want, [x, x], [1, 0.25]);
    expect(simdCombine(x, [x, x], [1, 0.25])).toBe(true);
    same(x, want);
  });

  it('combine then add (an update and its noise) with the two loops\' numbers, bit for bit, out aliasing a term or not', () => {
    const n = 4 * 64 * 64;
    for (let k = 1; k <= MAX_TERMS; k++) {
      for (const alias of [false, true]) {
        const terms = Array.from({ length: k }, (_, j) => values(300 * k + j, n));
        const noise = values(77 + k, n);
        const cs = [1, -0.37, 2.5e-3, 14.61, -1e-8].slice(0, k);
        // combineInto into out (stored as float32), then addScaledInto(out, out, noise, s) over it
        const want = new Float32Array(n);
        combineRef(want, terms, cs);
        combineRef(want, [want, noise], [1, 0.731]);
        const out = alias ? terms[0] : new Float32Array(n);
        expect(simdCombineAdd(out, terms, cs, noise, 0.731)).toBe(true);
        same(out, want);
      }
    }
    // the added array also a term (read before out is written, as in the two loops)
    const [x, e] = [values(5, n), values(6, n)];
    const want = new Float32Array(n);
    combineRef(want, [x, e], [0.5, 2]);
    combineRef(want, [want, e], [1, -3]);
    expect(simdCombineAdd(x, [x, e], [0.5, 2], e, -3)).toBe(true);
    same(x, want);
    // left to the loops where the kernels do not apply
    const odd = new Float32Array(SIMD_MIN_FLOATS + 2).fill(2);
    expect(simdCombineAdd(odd, [odd], [3], new Float32Array(SIMD_MIN_FLOATS + 2), 1)).toBe(false);
    expect(odd[0]).toBe(2);
  });

  it('step (an Euler step after its derivative) with the loop\'s numbers, in place too', () => {
    const n = 4 * 64 * 64 * 2;
    for (const inPlace of [false, true]) {
      const a = values(3, n);
      const b = values(4, n);
      const [wantOut, wantD] = [new Float32Array(n), new Float32Array(n)];
      stepRef(wantOut, wantD, a, 1 / 3.2, b, -1 / 3.2, -0.41);
      const d = new Float32Array(n);
      const out = inPlace ? a : new Float32Array(n);
      expect(simdStep(out, d, a, 1 / 3.2, b, -1 / 3.2, -0.41)).toBe(true);
      same(out, wantOut);
      same(d, wantD);
    }
  });

  it('step then add (an ancestral Euler step and its noise) with the loops\' numbers, in place too', () => {
    const n = 4 * 64 * 64;
    for (const inPlace of [false, true]) {
      const a = values(13, n);
      const b = values(14, n);
      const e = values(15, n);
      const [wantOut, wantD] = [new Float32Array(n), new Float32Array(n)];
      stepRef(wantOut, wantD, a, 1 / 3.2, b, -1 / 3.2, -0.41);
      combineRef(wantOut, [wantOut, e], [1, 0.77]);
      const d = new Float32Array(n);
      const out = inPlace ? a : new Float32Array(n);
      expect(simdStep(out, d, a, 1 / 3.2, b, -1 / 3.2, -0.41, [e, 0.77])).toBe(true);
      same(out, wantOut);
      same(d, wantD);
    }
  });

  it("step with two terms besides its derivative (Heun's second stage), with and without noise, the loops' numbers", () => {
    const n = 4 * 64 * 64;
    for (const add of [false, true]) {
      for (const outIsTerm of [false, true]) {
        const [x2, den, x, d1, e] = [values(21, n), values(22, n), values(23, n), values(24, n), values(25, n)];
        // d2 = x2/σ − den/σ, then x + d1·h + d2·h (+ e·0.3)
        const [wantD, wantOut] = [new Float32Array(n), new Float32Array(n)];
        combineRef(wantD, [x2, den], [1 / 2.7, -1 / 2.7]);
        combineRef(wantOut, [x, d1, wantD], [1, -0.35, -0.35]);
        if (add) combineRef(wantOut, [wantOut, e], [1, 0.3]);
        const d = new Float32Array(n);
        const out = outIsTerm ? x : new Float32Array(n);
        expect(simdStep(out, d, x2, 1 / 2.7, den, -1 / 2.7, -0.35, add ? [e, 0.3] : undefined, [[x, 1], [d1, -0.35]])).toBe(true);
        same(out, wantOut);
        same(d, wantD);
      }
    }
    // the sum's order is the loop's: 0 + 2⁶⁰ + 1 + (−2⁶⁰) is 0 in double (the 1 is lost), other orders give 1
    const big = new Float32Array(n).fill(2 ** 60);
    const one = new Float32Array(n).fill(1);
    const [out, d] = [new Float32Array(n), new Float32Array(n)];
    expect(simdStep(out, d, big, -1, new Float32Array(n), 0, 1, undefined, [[big, 1], [one, 1]])).toBe(true);
    expect([out[0], out[n - 1], d[0]]).toEqual([0, 0, -(2 ** 60)]);
    expect(simdStep(new Float32Array(n), new Float32Array(n), values(1, n), 1, values(2, n), 1, 1, undefined, [])).toBe(false);
  });

  it('leave small, odd-sized or many-term calls to the loops, writing nothing', () => {
    const small = new Float32Array(SIMD_MIN_FLOATS - 4).fill(2);
    expect(simdCombine(small, [small], [3])).toBe(false);
    const odd = new Float32Array(SIMD_MIN_FLOATS + 2).fill(2);
    expect(simdCombine(odd, [odd], [3])).toBe(false);
    const big = new Float32Array(SIMD_MIN_FLOATS);
    expect(simdCombine(big, Array(6).fill(big), [1, 1, 1, 1, 1, 1])).toBe(false);
    expect([small[0], odd[0]]).toEqual([2, 2]);
  });
});
