/**
 * Small elementwise tensor helpers for samplers and denoiser wrappers (CFG, inpainting blends).
 *
 * Every op returns a NEW tensor (inputs are never written to), with the first argument's dims and
 * the same array kind as its data: Float32Array in production, Float64Array when the very same
 * sampler code runs in float64 for golden tests. Arithmetic happens in JS doubles and is rounded
 * once on store, so a float32 result is as exact as float32 storage allows.
 *
 * The `…Into` forms write the same numbers into a buffer the caller owns: a sampler takes its own
 * copy of x and a few scratch tensors once per run (`own`, `scratchLike`) and updates them in place
 * step after step, so no large array is allocated per step. On a VM a fresh 256 KiB array costs a
 * quarter to half a millisecond of page faults (measured here), more than the arithmetic on it; on a
 * 20 ms GPU step that was most of a sampler's own cost. The output may be one of the inputs: every op
 * is elementwise and reads element i of every input before it writes element i.
 *
 * All binary ops require identical dims (no broadcasting); a mismatch is a programming error and
 * throws EngineError('INTERNAL') naming both shapes.
 */
import { EngineError } from '../types.ts';
import { WasmArena } from '../runtime/wasm-arena.ts';
import { MAX_STEP_TERMS, simdCombine, simdCombineAdd, simdStep } from './ops-kernels.ts';

export type FloatArray = Float32Array | Float64Array;

/** A dense NCHW float tensor; F32Tensor is one, and so is a float64 tensor used in tests. */
export interface FloatTensor {
  readonly dtype: 'float32' | 'float64';
  readonly dims: readonly number[];
  readonly data: FloatArray;
}

/** A tensor of the same kind as `like` with the given dims and data (data must match dims and like's kind). */
export function reshapedLike<T extends FloatTensor>(like: T, dims: readonly number[], data: FloatArray): T {
  const t: FloatTensor = { dtype: like.dtype, dims, data };
  return t as T;
}

/** A tensor shaped and typed like `like`, holding `data` (which must have the same length and kind). */
export function withData<T extends FloatTensor>(like: T, data: FloatArray): T {
  return reshapedLike(like, like.dims, data);
}

/** A zero-filled array of the same kind as `t.data`. */
export function allocLike(t: FloatTensor): FloatArray {
  const n = t.data.length;
  return t.data instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/** dims equal, element by element (a plain loop: it runs several times per sampler step) */
function sameDims(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameShape(op: string, a: FloatTensor, b: FloatTensor): void {
  if (a.data.length !== b.data.length || !sameDims(a.dims, b.dims)) {
    throw new EngineError('INTERNAL', `ops.${op}: shapes differ: [${a.dims.join(',')}] vs [${b.dims.join(',')}]`);
  }
}

export function clone<T extends FloatTensor>(a: T): T {
  const out = allocLike(a);
  out.set(a.data);
  return withData(a, out);
}

/** a zero-filled array in the arena holding `a` (ops-kernels.ts kernelArena), if there is one with a slot left */
function inArena(a: FloatArray): Float32Array | null {
  return a instanceof Float32Array ? (WasmArena.holding(a)?.take(a.length) ?? null) : null;
}

/** A sampler's own copy of x, updated in place for the whole run (in x's arena if any: pipelines/sample.ts). */
export function own<T extends FloatTensor>(a: T): T {
  const data = inArena(a.data);
  if (data === null) return clone(a);
  data.set(a.data);
  return withData(a, data);
}

/** A zero-filled tensor like `a`, a scratch buffer a sampler reuses every step (in a's arena if any). */
export function scratchLike<T extends FloatTensor>(a: T): T {
  return withData(a, inArena(a.data) ?? allocLike(a));
}

/** a + b */
export function add<T extends FloatTensor>(a: T, b: T): T {
  return combine([a, 1], [b, 1]);
}

/** a − b */
export function sub<T extends FloatTensor>(a: T, b: T): T {
  return combine([a, 1], [b, -1]);
}

/** a · s */
export function scale<T extends FloatTensor>(a: T, s: number): T {
  return combine([a, s]);
}

/** a + b · s (an Euler step `x + d·dt`, or adding noise `x + ε·σ_up`) */
export function addScaled<T extends FloatTensor>(a: T, b: T, s: number): T {
  return combine([a, 1], [b, s]);
}

/** a + (b − a) · w: w = 0 gives a, w = 1 gives b; w > 1 extrapolates (classifier-free guidance). */
export function lerp<T extends FloatTensor>(a: T, b: T, w: number): T {
  return combine([a, 1 - w], [b, w]);
}

/**
 * Σ cₖ·tₖ in one pass with one allocation: the general linear combination every sampler update is
 * made of, e.g. DPM-Solver++'s `x·σ'/σ − expm1(−h)·x̂₀` is `combine([x, σ'/σ], [denoised, -expm1(-h)])`.
 */
export function combine<T extends FloatTensor>(...terms: readonly (readonly [T, number])[]): T {
  if (terms.length === 0) throw new EngineError('INTERNAL', 'ops.combine needs at least one term');
  return combineInto(withData(terms[0][0], allocLike(terms[0][0])), ...terms);
}

/**
 * combine written into `out` (same numbers, bit for bit); `out` may be one of the terms, e.g.
 * `combineInto(x, [x, σ'/σ], [denoised, c])` updates x in place.
 */
export function combineInto<T extends FloatTensor>(out: T, ...terms: readonly (readonly [T, number])[]): T {
  if (terms.length === 0) throw new EngineError('INTERNAL', 'ops.combine needs at least one term');
  for (let k = 0; k < terms.length; k++) sameShape('combine', out, terms[k][0]);
  if (out.data instanceof Float64Array !== terms[0][0].data instanceof Float64Array) {
    throw new EngineError('INTERNAL', `ops.combineInto: out is ${out.dtype} but the terms are ${terms[0][0].dtype}`);
  }
  // accumulate each element in float64 from 0 in the terms' order, round once on store; element i of
  // every term is read before out[i] is written, so out may alias a term. Float32 latents of some size
  // take the SIMD kernels (the same numbers, ops-kernels.ts)
  const n = out.data.length;
  const o = out.data;
  if (o instanceof Float32Array && terms.every(([t]) => t.data instanceof Float32Array)) {
    if (simdCombine(o, terms.map(([t]) => t.data as Float32Array), terms.map(([, c]) => c))) return out;
  }
  const a = terms[0][0].data;
  const ca = terms[0][1];
  if (terms.length === 1) {
    for (let i = 0; i < n; i++) o[i] = 0 + a[i] * ca;
  } else if (terms.length === 2) {
    const b = terms[1][0].data;
    const cb = terms[1][1];
    for (let i = 0; i < n; i++) o[i] = 0 + a[i] * ca + b[i] * cb;
  } else if (terms.length === 3) {
    const b = terms[1][0].data;
    const cb = terms[1][1];
    const c = terms[2][0].data;
    const cc = terms[2][1];
    for (let i = 0; i < n; i++) o[i] = 0 + a[i] * ca + b[i] * cb + c[i] * cc;
  } else if (terms.length === 4) {
    // spelled out up to five terms (DPM++ 2M SDE and 3M SDE take four or five, LMS up to five): the
    // general loop over the terms below took V8 ten times as long per element
    const [b, c, d] = [terms[1][0].data, terms[2][0].data, terms[3][0].data];
    const [cb, cc, cd] = [terms[1][1], terms[2][1], terms[3][1]];
    for (let i = 0; i < n; i++) o[i] = 0 + a[i] * ca + b[i] * cb + c[i] * cc + d[i] * cd;
  } else if (terms.length === 5) {
    const [b, c, d, e] = [terms[1][0].data, terms[2][0].data, terms[3][0].data, terms[4][0].data];
    const [cb, cc, cd, ce] = [terms[1][1], terms[2][1], terms[3][1], terms[4][1]];
    for (let i = 0; i < n; i++) o[i] = 0 + a[i] * ca + b[i] * cb + c[i] * cc + d[i] * cd + e[i] * ce;
  } else {
    const ds = terms.map(([t]) => t.data);
    const cs = terms.map(([, c]) => c);
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let k = 0; k < ds.length; k++) acc += ds[k][i] * cs[k];
      o[i] = acc;
    }
  }
  return out;
}

/**
 * Two combines in one pass: d = a·ca + b·cb, then out = Σ base (t·c) + d·s (base null: [[a, 1]], an Euler
 * step), each as combineInto computes it (d is stored and read back as stored, float32 or float64), so the
 * numbers are those of `combineInto(d, [a, ca], [b, cb]); combineInto(out, ...base, [d, s])`: a derivative
 * and the update that uses it (samplers/common.ts eulerStepInto, toDThenCombineInto). With `then` = [e, se],
 * then addScaledInto(out, out, e, se) too (an ancestral step's noise; e neither out nor d). `out` may be a
 * or a base term; d must be none of a, b, out or the base terms; base has at most MAX_STEP_TERMS terms. One
 * pass instead of two matters on a GPU step: each costs ~0.2 ms on 4×128×128 on a VM, waking after the run.
 */
export function combineAndStepInto<T extends FloatTensor>(out: T, d: T, [a, ca]: readonly [T, number], [b, cb]: readonly [T, number], s: number, then: readonly [T, number] | null = null, base: readonly (readonly [T, number])[] | null = null): T {
  const k = base ? base.length : 1;
  if (k < 1 || k > MAX_STEP_TERMS) throw new EngineError('INTERNAL', `ops.combineAndStepInto takes 1 to ${MAX_STEP_TERMS} terms besides d, not ${k}`);
  // spelled out, no array methods: this runs between two GPU steps, where every extra piece of code is cold
  const [tt1, c1] = base ? base[0] : [a, 1];
  const tt2 = base && k === 2 ? base[1] : null;
  sameShape('combineAndStepInto', out, a);
  sameShape('combineAndStepInto', d, a);
  sameShape('combineAndStepInto', b, a);
  sameShape('combineAndStepInto', tt1, a);
  if (tt2) sameShape('combineAndStepInto', tt2[0], a);
  if (d.data === a.data || d.data === b.data || d.data === out.data || d.data === tt1.data || d.data === tt2?.[0].data) throw new EngineError('INTERNAL', 'ops.combineAndStepInto: d must be a buffer of its own');
  if (then) {
    sameShape('combineAndStepInto', then[0], a);
    if (then[0].data === out.data || then[0].data === d.data) throw new EngineError('INTERNAL', 'ops.combineAndStepInto: the added tensor must be neither out nor d');
  }
  const o = out.data;
  const dd = d.data;
  const av = a.data;
  const bv = b.data;
  const ev = then?.[0].data;
  const t1 = tt1.data;
  const t2 = tt2 ? tt2[0].data : null;
  const c2 = tt2 ? tt2[1] : 0;
  if (o instanceof Float32Array && dd instanceof Float32Array && av instanceof Float32Array && bv instanceof Float32Array && t1 instanceof Float32Array && (t2 === null || t2 instanceof Float32Array) && (ev === undefined || ev instanceof Float32Array)) {
    const simdBase: readonly (readonly [Float32Array, number])[] | undefined = base ? (t2 ? [[t1, c1], [t2, c2]] : [[t1, c1]]) : undefined;
    if (simdStep(o, dd, av, ca, bv, cb, s, ev && then ? [ev, then[1]] : undefined, simdBase)) return out;
  }
  const n = o.length;
  if (t2 === null) {
    for (let i = 0; i < n; i++) {
      dd[i] = 0 + av[i] * ca + bv[i] * cb;
      o[i] = 0 + t1[i] * c1 + dd[i] * s;
    }
  } else {
    for (let i = 0; i < n; i++) {
      dd[i] = 0 + av[i] * ca + bv[i] * cb;
      o[i] = 0 + t1[i] * c1 + t2[i] * c2 + dd[i] * s;
    }
  }
  return then ? addScaledInto(out, out, then[0], then[1]) : out;
}

/**
 * combineInto(out, ...terms), then (unless `then` is null) addScaledInto(out, out, b, s) for then = [b, s],
 * with the numbers of the two calls (the combine rounded as stored and read back): a stochastic sampler's
 * update and its noise. Float32 latents of some size take one kernel pass for both (ops-kernels.ts), not
 * two passes: on a GPU step each pass is ~0.1 ms on 4×128×128 on a VM. b must not be out's buffer.
 */
export function combineThenAddInto<T extends FloatTensor>(out: T, terms: readonly (readonly [T, number])[], then: readonly [T, number] | null): T {
  if (then === null) return combineInto(out, ...terms);
  const [b, s] = then;
  sameShape('combineThenAddInto', out, b);
  if (b.data === out.data) throw new EngineError('INTERNAL', 'ops.combineThenAddInto: the added tensor must not be out');
  for (const [t] of terms) sameShape('combineThenAddInto', out, t);
  const o = out.data;
  const bv = b.data;
  if (o instanceof Float32Array && bv instanceof Float32Array && terms.every(([t]) => t.data instanceof Float32Array)) {
    if (simdCombineAdd(o, terms.map(([t]) => t.data as Float32Array), terms.map(([, c]) => c), bv, s)) return out;
  }
  combineInto(out, ...terms);
  return addScaledInto(out, out, b, s);
}

/** a + b · s written into `out` (which may be a or b) */
export function addScaledInto<T extends FloatTensor>(out: T, a: T, b: T, s: number): T {
  return combineInto(out, [a, 1], [b, s]);
}

/** a ⊙ b, elementwise */
export function mul<T extends FloatTensor>(a: T, b: T): T {
  sameShape('mul', a, b);
  const out = allocLike(a);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] * b.data[i];
  return withData(a, out);
}

/** a·(1 − m) + b·m elementwise (m is a mask in [0, 1], e.g. an inpainting latent blend). */
export function blend<T extends FloatTensor>(a: T, b: T, m: T): T {
  sameShape('blend', a, b);
  sameShape('blend', a, m);
  const out = allocLike(a);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] + (b.data[i] - a.data[i]) * m.data[i];
  return withData(a, out);
}
