/**
 * The samplers' float32 updates (ops.ts combineInto and combineAndStepInto) as WebAssembly SIMD kernels
 * (runtime/wasm-simd.ts): the same double accumulation from 0 in the terms' order, rounded once to
 * float32 on store, so every number is the JavaScript loop's, bit for bit (ops-kernels.test.ts).
 *
 * The terms live in JavaScript arrays, so a call copies them into one scratch memory (a memcpy each),
 * runs the kernel there and copies the results back. That pays where the loop's own cost matters: on a
 * large latent after a GPU step, where scalar JavaScript takes 3–8 ns an element and a copy a fraction of
 * one. The calls are synchronous, so one scratch memory serves the process (a larger one replaces it).
 */
import { I32, F64, LOW_PAIRS, V128, instantiate, lazyModule, loop16, op, widen } from '../runtime/wasm-simd.ts';
import type { Bytes, ValueType, WasmFunction } from '../runtime/wasm-simd.ts';

/** the most terms a kernel takes (combineInto spells out up to five) */
export const MAX_TERMS = 5;
/** below this many floats the JavaScript loops are as fast (and nothing is copied) */
export const SIMD_MIN_FLOATS = 4096;

/**
 * For two lanes: v (the bytes of an update, ending rounded to float32 as it is stored), widened again as it
 * is read back, then fround(0 + v·1 + e·se): addScaledInto over the update (an update and its noise).
 */
function thenAdd(v: Bytes[], e: number, se2: number, one2: number, high: boolean): Bytes[] {
  return [
    op.f64(0), op.f64x2Splat, ...v, op.f64x2PromoteLowF32x4, op.get(one2), op.f64x2Mul, op.f64x2Add,
    ...widen(e, high), op.get(se2), op.f64x2Mul, op.f64x2Add, op.f32x4DemoteF64x2Zero,
  ];
}

/**
 * comb<k>(out, t1 … tk, bytes, c1 … ck): out = fround(0 + t1·c1 + … + tk·ck), accumulated in double in
 * that order (combineInto's loops). With `add`, combAdd<k>(out, t1 … tk, e, bytes, c1 … ck, se): then
 * out = fround(0 + out·1 + e·se) with out as stored (combineThenAddInto: an update and its noise).
 */
function comb(k: number, add: boolean): WasmFunction {
  const out = 0;
  const term = (j: number): number => 1 + j;
  const e = 1 + k;
  const bytes = add ? 2 + k : 1 + k;
  const coef = (j: number): number => bytes + 1 + j;
  const se = bytes + 1 + k;
  const i = add ? se + 1 : se;
  const splat = (j: number): number => i + 1 + j;
  const vec = (j: number): number => i + 1 + k + j;
  const [lo, ve, se2, one2] = [i + 1 + 2 * k, i + 2 + 2 * k, i + 3 + 2 * k, i + 4 + 2 * k];
  const sum = (high: boolean): Bytes[] => [
    op.f64(0), op.f64x2Splat, // 0 + …, as the loops start (0 + −0 is +0)
    ...Array.from({ length: k }, (_, j) => [...widen(vec(j), high), op.get(splat(j)), op.f64x2Mul, op.f64x2Add]).flat(),
    op.f32x4DemoteF64x2Zero,
  ];
  const half = (high: boolean): Bytes[] => (add ? thenAdd(sum(high), ve, se2, one2, high) : sum(high));
  return {
    name: add ? `combAdd${k}` : `comb${k}`,
    params: [I32, ...Array<ValueType>(k + (add ? 2 : 1)).fill(I32), ...Array<ValueType>(add ? k + 1 : k).fill(F64)],
    results: [],
    locals: [[1, I32], [add ? 2 * k + 4 : 2 * k + 1, V128]],
    body: [
      ...Array.from({ length: k }, (_, j) => [op.get(coef(j)), op.f64x2Splat, op.set(splat(j))]).flat(),
      ...(add ? [op.get(se), op.f64x2Splat, op.set(se2), op.f64(1), op.f64x2Splat, op.set(one2)] : []),
      ...loop16(i, bytes, [
        ...Array.from({ length: k }, (_, j) => [op.get(term(j)), op.get(i), op.i32Add, op.v128Load, op.set(vec(j))]).flat(),
        ...(add ? [op.get(e), op.get(i), op.i32Add, op.v128Load, op.set(ve)] : []),
        ...half(false), op.set(lo),
        op.get(out), op.get(i), op.i32Add,
        op.get(lo), ...half(true), op.shuffle(LOW_PAIRS),
        op.v128Store,
      ]),
    ],
  };
}

/**
 * step(out, d, a, b, bytes, ca, cb, s): d = fround(0 + a·ca + b·cb), then out = fround(0 + a·1 + d·s) with d
 * as stored (combineAndStepInto: an Euler step after its derivative). With `add`, stepAdd(out, d, a, b, e,
 * bytes, ca, cb, s, se): then out = fround(0 + out·1 + e·se) with out as stored (an Euler step and its noise).
 */
function step(add: boolean): WasmFunction {
  const [out, d, a, b, e] = [0, 1, 2, 3, 4];
  const bytes = add ? 5 : 4;
  const [ca, cb, s, se] = [bytes + 1, bytes + 2, bytes + 3, bytes + 4];
  const i = add ? se + 1 : se;
  const [ca2, cb2, s2, one2, va, vb, dv, lo, ve, se2] = Array.from({ length: 10 }, (_, j) => i + 1 + j);
  const dHalf = (high: boolean): Bytes[] => [op.f64(0), op.f64x2Splat, ...widen(va, high), op.get(ca2), op.f64x2Mul, op.f64x2Add, ...widen(vb, high), op.get(cb2), op.f64x2Mul, op.f64x2Add, op.f32x4DemoteF64x2Zero];
  const xStep = (high: boolean): Bytes[] => [op.f64(0), op.f64x2Splat, ...widen(va, high), op.get(one2), op.f64x2Mul, op.f64x2Add, ...widen(dv, high), op.get(s2), op.f64x2Mul, op.f64x2Add, op.f32x4DemoteF64x2Zero];
  const xHalf = (high: boolean): Bytes[] => (add ? thenAdd(xStep(high), ve, se2, one2, high) : xStep(high));
  return {
    name: add ? 'stepAdd' : 'step',
    params: [...Array<ValueType>(bytes + 1).fill(I32), ...Array<ValueType>(add ? 4 : 3).fill(F64)],
    results: [],
    locals: [[1, I32], [add ? 10 : 8, V128]],
    body: [
      op.get(ca), op.f64x2Splat, op.set(ca2), op.get(cb), op.f64x2Splat, op.set(cb2), op.get(s), op.f64x2Splat, op.set(s2),
      op.f64(1), op.f64x2Splat, op.set(one2),
      ...(add ? [op.get(se), op.f64x2Splat, op.set(se2)] : []),
      ...loop16(i, bytes, [
        op.get(a), op.get(i), op.i32Add, op.v128Load, op.set(va),
        op.get(b), op.get(i), op.i32Add, op.v128Load, op.set(vb),
        ...(add ? [op.get(e), op.get(i), op.i32Add, op.v128Load, op.set(ve)] : []),
        op.get(d), op.get(i), op.i32Add,
        ...dHalf(false), op.set(lo), op.get(lo), ...dHalf(true), op.shuffle(LOW_PAIRS), op.tee(dv),
        op.v128Store,
        op.get(out), op.get(i), op.i32Add,
        ...xHalf(false), op.set(lo), op.get(lo), ...xHalf(true), op.shuffle(LOW_PAIRS),
        op.v128Store,
      ]),
    ],
  };
}

type Kernel = (...args: number[]) => void;

const kernelModule = lazyModule(() => [false, true].flatMap((add) => [...Array.from({ length: MAX_TERMS }, (_, j) => comb(j + 1, add)), step(add)]));

/** the scratch memory of the calls: its kernels and its floats */
let scratch: { kernels: Record<string, Kernel>; floats: Float32Array } | null = null;

/** scratch for `floats` floats (grown by replacing it), or null without SIMD or past 256 MiB */
function scratchFor(floats: number): { kernels: Record<string, Kernel>; floats: Float32Array } | null {
  if (scratch && scratch.floats.length >= floats) return scratch;
  const module = kernelModule();
  if (!module || floats * 4 > 256 * 2 ** 20) return null;
  const size = Math.max(floats, 2 * (scratch?.floats.length ?? 0));
  const { exports, buffer } = instantiate<Record<string, Kernel>>(module, size * 4);
  scratch = { kernels: exports, floats: new Float32Array(buffer, 0, size) };
  return scratch;
}

/**
 * Copies each distinct array of `inputs` into the scratch after `reserve` floats of outputs (an array
 * given twice, as in combineInto(x, [x, …], …), once) and returns their byte offsets.
 */
function load(s: Float32Array, inputs: readonly Float32Array[], n: number, reserve: number): number[] {
  const seen: Float32Array[] = [];
  return inputs.map((t) => {
    let k = seen.indexOf(t);
    if (k < 0) {
      k = seen.push(t) - 1;
      s.set(t, (reserve + k) * n);
    }
    return 4 * (reserve + k) * n;
  });
}

/**
 * out = Σ tₖ·cₖ (1 to MAX_TERMS terms of n floats, out may be one of them) with the kernels; false when
 * they do not apply here (no SIMD, too few floats, too many terms, a length not a multiple of 4): then
 * nothing is written and the caller runs its loop.
 */
export function simdCombine(out: Float32Array, terms: readonly Float32Array[], coefficients: readonly number[]): boolean {
  const n = out.length;
  const k = terms.length;
  if (k < 1 || k > MAX_TERMS || n < SIMD_MIN_FLOATS || n % 4 !== 0) return false;
  const s = scratchFor((k + 1) * n);
  if (!s) return false;
  const at = load(s.floats, terms, n, 1);
  s.kernels[`comb${k}`](0, ...at, 4 * n, ...coefficients);
  out.set(s.floats.subarray(0, n));
  return true;
}

/**
 * out = Σ tₖ·cₖ as simdCombine computes it, then out = out + b·s (combineThenAddInto) with the kernels; b
 * must not be out. False where they do not apply (nothing written).
 */
export function simdCombineAdd(out: Float32Array, terms: readonly Float32Array[], coefficients: readonly number[], b: Float32Array, s: number): boolean {
  const n = out.length;
  const k = terms.length;
  if (k < 1 || k > MAX_TERMS || n < SIMD_MIN_FLOATS || n % 4 !== 0) return false;
  const sc = scratchFor((k + 2) * n);
  if (!sc) return false;
  const at = load(sc.floats, [...terms, b], n, 1);
  sc.kernels[`combAdd${k}`](0, ...at, 4 * n, ...coefficients, s);
  out.set(sc.floats.subarray(0, n));
  return true;
}

/**
 * combineAndStepInto's d = a·ca + b·cb and out = a + d·s with the kernel, and with `then` = [e, se] out =
 * out + e·se over it (e must not be out); false (nothing written) where it does not apply.
 */
export function simdStep(out: Float32Array, d: Float32Array, a: Float32Array, ca: number, b: Float32Array, cb: number, step: number, then?: readonly [Float32Array, number]): boolean {
  const n = out.length;
  if (n < SIMD_MIN_FLOATS || n % 4 !== 0) return false;
  const s = scratchFor((then ? 5 : 4) * n);
  if (!s) return false;
  if (then) {
    const [pa, pb, pe] = load(s.floats, [a, b, then[0]], n, 2);
    s.kernels.stepAdd(0, 4 * n, pa, pb, pe, 4 * n, ca, cb, step, then[1]);
  } else {
    const [pa, pb] = load(s.floats, [a, b], n, 2);
    s.kernels.step(0, 4 * n, pa, pb, 4 * n, ca, cb, step);
  }
  d.set(s.floats.subarray(n, 2 * n));
  out.set(s.floats.subarray(0, n));
  return true;
}
