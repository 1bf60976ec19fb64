/**
 * The code of the samplers' SIMD kernels (ops-kernels.ts calls them), written with runtime/wasm-simd.ts:
 * comb1–5 (a linear combination of 1 to 5 terms), combAdd1–5 (the same, then a scaled tensor added over
 * it: an update and its noise), step1–2 (a derivative, then an update that uses it: an Euler step, Heun's
 * and DPM2's second stage) and stepAdd1–2 (with the step's noise).
 * Each accumulates in double from 0 in the terms' order and rounds once to float32 on store, as the
 * JavaScript loops of ops.ts do, so the numbers are theirs, bit for bit (ops-kernels.test.ts).
 */
import { I32, F64, LOW_PAIRS, V128, lazyModule, loop16, op, widen } from '../runtime/wasm-simd.ts';
import type { Bytes, ValueType, WasmFunction } from '../runtime/wasm-simd.ts';

/** the most terms a kernel takes (combineInto spells out up to five) */
export const MAX_TERMS = 5;

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

/** the most terms a step's update takes besides its derivative (Heun's x and first derivative) */
export const MAX_STEP_TERMS = 2;

/**
 * step<k>(out, d, a, b, t1 … tk, bytes, ca, cb, c1 … ck, s): d = fround(0 + a·ca + b·cb), then out =
 * fround(0 + t1·c1 + … + tk·ck + d·s) with d as stored (combineAndStepInto: a derivative and the update
 * that uses it; an Euler step is t1 = a, c1 = 1). With `add`, stepAdd<k>(out, d, a, b, t1 … tk, e, bytes,
 * ca, cb, c1 … ck, s, se): then out = fround(0 + out·1 + e·se) with out as stored (and the step's noise).
 */
function step(k: number, add: boolean): WasmFunction {
  const [out, d, a, b] = [0, 1, 2, 3];
  const term = (j: number): number => 4 + j;
  const e = 4 + k;
  const bytes = add ? 5 + k : 4 + k;
  const [ca, cb] = [bytes + 1, bytes + 2];
  const coef = (j: number): number => bytes + 3 + j;
  const [s, se] = [bytes + 3 + k, bytes + 4 + k];
  const i = add ? se + 1 : se;
  const [ca2, cb2, s2, one2, va, vb, dv, lo, ve, se2] = Array.from({ length: 10 }, (_, j) => i + 1 + j);
  const c2 = (j: number): number => i + 11 + j;
  const vt = (j: number): number => i + 11 + k + j;
  const dHalf = (high: boolean): Bytes[] => [op.f64(0), op.f64x2Splat, ...widen(va, high), op.get(ca2), op.f64x2Mul, op.f64x2Add, ...widen(vb, high), op.get(cb2), op.f64x2Mul, op.f64x2Add, op.f32x4DemoteF64x2Zero];
  const xStep = (high: boolean): Bytes[] => [
    op.f64(0), op.f64x2Splat,
    ...Array.from({ length: k }, (_, j) => [...widen(vt(j), high), op.get(c2(j)), op.f64x2Mul, op.f64x2Add]).flat(),
    ...widen(dv, high), op.get(s2), op.f64x2Mul, op.f64x2Add, op.f32x4DemoteF64x2Zero,
  ];
  const xHalf = (high: boolean): Bytes[] => (add ? thenAdd(xStep(high), ve, se2, one2, high) : xStep(high));
  return {
    name: add ? `stepAdd${k}` : `step${k}`,
    params: [...Array<ValueType>(bytes + 1).fill(I32), ...Array<ValueType>(k + (add ? 4 : 3)).fill(F64)],
    results: [],
    locals: [[1, I32], [10 + 2 * k, V128]],
    body: [
      op.get(ca), op.f64x2Splat, op.set(ca2), op.get(cb), op.f64x2Splat, op.set(cb2), op.get(s), op.f64x2Splat, op.set(s2),
      op.f64(1), op.f64x2Splat, op.set(one2),
      ...Array.from({ length: k }, (_, j) => [op.get(coef(j)), op.f64x2Splat, op.set(c2(j))]).flat(),
      ...(add ? [op.get(se), op.f64x2Splat, op.set(se2)] : []),
      ...loop16(i, bytes, [
        op.get(a), op.get(i), op.i32Add, op.v128Load, op.set(va),
        op.get(b), op.get(i), op.i32Add, op.v128Load, op.set(vb),
        ...Array.from({ length: k }, (_, j) => [op.get(term(j)), op.get(i), op.i32Add, op.v128Load, op.set(vt(j))]).flat(),
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

/** a kernel: byte offsets into its memory, the byte count, then the coefficients */
export type Kernel = (...args: number[]) => void;

/** the kernels' module, compiled on first use (null without WebAssembly SIMD, or with REVERIE_NO_SIMD=1) */
export const kernelModule = lazyModule(() =>
  [false, true].flatMap((add) => [...Array.from({ length: MAX_TERMS }, (_, j) => comb(j + 1, add)), ...Array.from({ length: MAX_STEP_TERMS }, (_, j) => step(j + 1, add))]),
);
