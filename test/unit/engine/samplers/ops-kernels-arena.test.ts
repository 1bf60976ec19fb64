/**
 * The kernels on arrays that live in a run's arena (ops-kernels.ts kernelArena): used where they are, the
 * others copied through its staging, with the loops' numbers, bit for bit, whatever the mix.
 */
import { describe, expect, it } from 'vitest';
import { WasmArena } from '../../../../src-main/engine/runtime/wasm-arena.ts';
import { MAX_TERMS, kernelArena, simdCombine, simdCombineAdd, simdStep } from '../../../../src-main/engine/samplers/ops-kernels.ts';
import { awkwardFloats, floatBits as bits } from '../../../helpers/awkward-floats.ts';

const n = 4 * 32 * 32;
const values = (seed: number): Float32Array => awkwardFloats(seed, n, true);

function combineRef(out: Float32Array, terms: readonly Float32Array[], cs: readonly number[]): void {
  for (let i = 0; i < out.length; i++) {
    let acc = 0;
    for (let k = 0; k < terms.length; k++) acc += terms[k][i] * cs[k];
    out[i] = acc;
  }
}

/** NaN payloads may differ between engines; every other value is compared by its bits */
function same(got: Float32Array, want: Float32Array): void {
  const [g, w] = [bits(got), bits(want)];
  let bad = 0;
  for (let i = 0; i < got.length; i++) if (g[i] !== w[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) bad++;
  expect(bad).toBe(0);
}

/** `v` in a slot of `arena` when `inArena`, else in an ordinary array */
function placed(arena: WasmArena, v: Float32Array, inArena: boolean): Float32Array {
  const t = inArena ? arena.take(v.length) : new Float32Array(v.length);
  expect(t).not.toBeNull();
  t!.set(v);
  return t!;
}

/** which arrays live in the arena: out, then the inputs (bit j of the mask: array j) */
const MASKS = [0, ~0, 1, 0b10, 0b101, 0b1011];
const inArena = (mask: number, j: number): boolean => ((mask >> j) & 1) === 1;

describe('the SIMD kernels on arrays in an arena', () => {
  it('combine and combine-then-add: every mix of arrays in and out of the arena, out aliasing a term or not', () => {
    for (let k = 1; k <= MAX_TERMS; k++) {
      const cs = [1, -0.37, 2.5e-3, 14.61, -1e-8].slice(0, k);
      for (const mask of MASKS) {
        for (const alias of [false, true]) {
          for (const add of [false, true]) {
            const arena = kernelArena(n)!;
            const termValues = Array.from({ length: k }, (_, j) => values(100 * k + j));
            const terms = termValues.map((v, j) => placed(arena, v, inArena(mask, j + 1)));
            const noise = placed(arena, values(50 + k), inArena(mask, k + 1));
            const want = new Float32Array(n);
            combineRef(want, termValues, cs);
            if (add) combineRef(want, [want, noise], [1, 0.731]);
            const out = alias ? terms[0] : placed(arena, new Float32Array(n), inArena(mask, 0));
            expect(add ? simdCombineAdd(out, terms, cs, noise, 0.731) : simdCombine(out, terms, cs)).toBe(true);
            same(out, want);
          }
        }
      }
    }
  });

  it('step and step-then-add: every mix, in place too; d in or out of the arena', () => {
    for (const mask of [...MASKS, 0b110]) {
      for (const inPlace of [false, true]) {
        for (const add of [false, true]) {
          const arena = kernelArena(n)!;
          const [av, bv, ev] = [values(3), values(4), values(5)];
          const [wantOut, wantD] = [new Float32Array(n), new Float32Array(n)];
          combineRef(wantD, [av, bv], [1 / 3.2, -1 / 3.2]);
          combineRef(wantOut, [av, wantD], [1, -0.41]);
          if (add) combineRef(wantOut, [wantOut, ev], [1, 0.77]);
          const a = placed(arena, av, inArena(mask, 2));
          const [b, e] = [placed(arena, bv, inArena(mask, 3)), placed(arena, ev, inArena(mask, 4))];
          const d = placed(arena, new Float32Array(n), inArena(mask, 1));
          const out = inPlace ? a : placed(arena, new Float32Array(n), inArena(mask, 0));
          expect(simdStep(out, d, a, 1 / 3.2, b, -1 / 3.2, -0.41, add ? [e, 0.77] : undefined)).toBe(true);
          same(out, wantOut);
          same(d, wantD);
          // and with a second term besides the derivative (Heun's second stage: out = a + e·0.5 + d·s)
          const d2 = placed(arena, new Float32Array(n), inArena(mask, 1));
          const out2 = inPlace ? a : placed(arena, new Float32Array(n), inArena(mask, 0));
          const [want2, wantD2] = [new Float32Array(n), new Float32Array(n)];
          combineRef(wantD2, [out, b], [1 / 3.2, -1 / 3.2]);
          combineRef(want2, [out, e, wantD2], [1, 0.5, -0.41]);
          expect(simdStep(out2, d2, out, 1 / 3.2, b, -1 / 3.2, -0.41, undefined, [[out, 1], [e, 0.5]])).toBe(true);
          same(out2, want2);
          same(d2, wantD2);
        }
      }
    }
  });

  it('uses the arrays of the arena where they are: its staging holds only what lives elsewhere', () => {
    const arena = kernelArena(n)!;
    const [x, den] = [placed(arena, values(1), true), values(2)];
    const d = arena.take(n)!;
    arena.staging.fill(Number.NaN);
    // everything in the arena: nothing staged
    const denIn = placed(arena, den, true);
    expect(simdStep(x, d, x, 1.25, denIn, -0.25, -0.1)).toBe(true);
    expect(arena.staging.every(Number.isNaN)).toBe(true);
    // the prediction from elsewhere: its copy, and only it, in the staging
    expect(simdStep(x, d, x, 1.25, den, -0.25, -0.1)).toBe(true);
    same(arena.staging.subarray(0, n), den);
    expect(arena.staging.subarray(n).every(Number.isNaN)).toBe(true);
  });

  it('an input that partly overlaps out in the arena is read whole before out is written', () => {
    const arena = kernelArena(n)!;
    const block = arena.take(n + 8)!;
    block.set(values(8).subarray(0, n));
    // out runs 8 floats ahead of its input: in place, the kernel would read what it has just written
    const out = block.subarray(8, n + 8);
    const input = block.subarray(0, n);
    const want = new Float32Array(n);
    combineRef(want, [input.slice()], [-2]);
    expect(simdCombine(out, [input], [-2])).toBe(true);
    same(out, want);
  });

  it('arrays of another arena are copied in like any other', () => {
    const [a, b] = [kernelArena(n)!, kernelArena(n)!];
    const [xv, yv] = [values(21), values(22)];
    const x = placed(a, xv, true);
    const y = placed(b, yv, true);
    const want = new Float32Array(n);
    combineRef(want, [xv, yv], [0.5, 3]);
    expect(simdCombine(x, [x, y], [0.5, 3])).toBe(true);
    same(x, want);
    same(y, yv);
  });

  it('is made only where the kernels apply', () => {
    expect(kernelArena(n - 4)).toBeNull();
    expect(kernelArena(n + 2)).toBeNull();
    expect(kernelArena(2 ** 28)).toBeNull();
    expect(WasmArena.holding(kernelArena(n)!.take(n)!)).toBeInstanceOf(WasmArena);
  });
});
