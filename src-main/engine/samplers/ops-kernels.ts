/**
 * The samplers' float32 updates (ops.ts combineInto, combineThenAddInto and combineAndStepInto) run as
 * WebAssembly SIMD kernels (ops-kernel-code.ts): the same double accumulation from 0 in the terms' order,
 * rounded once to float32 on store, so every number is the JavaScript loop's, bit for bit.
 *
 * A kernel reads and writes its memory only. Arrays that live in a run's arena (kernelArena: a sampler's
 * own x and scratch tensors) are used where they are; the others (the model's prediction, a step's noise,
 * any array outside a run) are copied in (a memcpy each), and outputs outside the memory copied back.
 * That pays where the loop's own cost matters: on a large latent after a GPU step, where scalar
 * JavaScript takes 3–8 ns an element and a copy a fraction of one. The calls are synchronous, so one
 * scratch memory serves the calls outside arenas (a larger one replaces it), and an arena's staging
 * part its own.
 */
import { instantiate } from '../runtime/wasm-simd.ts';
import { WasmArena } from '../runtime/wasm-arena.ts';
import { MAX_STEP_TERMS, MAX_TERMS, kernelModule } from './ops-kernel-code.ts';
import type { Kernel } from './ops-kernel-code.ts';

export { MAX_STEP_TERMS, MAX_TERMS };
/** below this many floats the JavaScript loops are as fast (and nothing is copied) */
export const SIMD_MIN_FLOATS = 4096;

/** the scratch memory of calls on arrays that live in no arena, as a Home (below) whose buffer is null */
let scratch: Home | null = null;

/** the largest memory a call or an arena takes */
const MAX_BYTES = 256 * 2 ** 20;

/** scratch for `floats` floats (grown by replacing it), or null without SIMD or past MAX_BYTES */
function scratchFor(floats: number): Home | null {
  if (scratch && scratch.staging.length >= floats) return scratch;
  const module = kernelModule();
  if (!module || floats * 4 > MAX_BYTES) return null;
  const size = Math.max(floats, 2 * (scratch?.staging.length ?? 0));
  const { exports, buffer } = instantiate<Record<string, Kernel>>(module, size * 4);
  // no call's arrays live in it: buffer null, every array staged from its start
  scratch = { buffer: null, kernels: exports, staging: new Float32Array(buffer, 0, size), base: 0 };
  return scratch;
}

/**
 * Slots of a run's arena: the run's starting x, the sampler's own copy and its scratch tensors (LMS keeps
 * four derivatives), with room to spare. Staging: every input and output of the widest call (combAdd5:
 * out, five terms and the noise) where none lives in the arena.
 */
const ARENA_SLOTS = 8;
const STAGED = MAX_TERMS + 2;

/** arenas given back by finished runs (releaseArena), with the floats they were made for; the latest first */
const spareArenas: { floats: number; arena: WasmArena }[] = [];
/** how many spare arenas are kept (a studio alternates between a few latent sizes at most) */
const SPARE_ARENAS = 2;

/**
 * An arena for a sampling run's float32 latents of n floats (runtime/wasm-arena.ts): ops.ts `own` and
 * `scratchLike` place a sampler's buffers in it, and the kernels then use them in place. One given back
 * by an earlier run of the same size when there is one (its pages are already there), else a new one.
 * Null where the kernels do not apply (no SIMD, too few floats, a length not a multiple of 4, too large).
 */
export function kernelArena(n: number): WasmArena | null {
  if (!kernelModule() || n < SIMD_MIN_FLOATS || n % 4 !== 0) return null;
  const k = spareArenas.findIndex((s) => s.floats === n);
  if (k >= 0) return spareArenas.splice(k, 1)[0].arena;
  return WasmArena.create(n, ARENA_SLOTS, STAGED * n, MAX_BYTES);
}

/**
 * Gives a run's arena back for a later run of its size (kernelArena): the run's views of it must no longer
 * be used (pipelines/sample.ts copies its result out first).
 */
export function releaseArena(n: number, arena: WasmArena): void {
  arena.reset();
  spareArenas.unshift({ floats: n, arena });
  spareArenas.length = Math.min(spareArenas.length, SPARE_ARENAS);
}

/**
 * Where a call runs: a memory's kernels and its staging floats (from byte `base` on). `buffer` is the
 * memory's when the call's arrays may live in it (an arena), null for the process's scratch.
 */
interface Home {
  readonly buffer: ArrayBufferLike | null;
  readonly kernels: Record<string, Kernel>;
  readonly staging: Float32Array;
  readonly base: number;
}

/**
 * The home of the last arena a call ran in (a run's calls all share one). Kept so that a call finds it
 * with one comparison: right after a GPU step every extra piece of code a call runs is cold. A first
 * version of these calls (a WeakMap lookup, array methods and closures per call) took 110 µs on 4×64×64
 * for an Euler step whose kernel takes 37; plain loops as below take 53. It keeps that arena alive until
 * a call runs in another one.
 */
let lastArena: Home | null = null;

/** the arena holding `out` (cached in lastArena), else the process's scratch for `floats` floats; null: no kernels */
function homeFor(out: Float32Array, floats: number): Home | null {
  const buffer = out.buffer;
  if (lastArena !== null && lastArena.buffer === buffer) return lastArena;
  const module = kernelModule();
  const arena = module ? WasmArena.holding(out) : undefined;
  if (module && arena) {
    lastArena = { buffer, kernels: arena.instance(module), staging: arena.staging, base: arena.staging.byteOffset };
    return lastArena;
  }
  return scratchFor(floats);
}

/** the byte offsets of a call's arrays, reused call after call */
const at: number[] = [];

/**
 * Lays out a call's arrays of n floats in `h`: `arrays` are the outputs (the first `outs`), then the
 * inputs. Each one h's memory holds is used where it is, at its byte offset, except an input that partly
 * overlaps an output; the others get a staging slot each (an input given twice, as in
 * combineInto(x, [x, …], …), one), and the inputs among them are copied in, so that they are read whole
 * before anything is written, as the copies always were. False when h's staging is too small.
 */
function layOut(h: Home, arrays: readonly Float32Array[], outs: number, n: number): boolean {
  let slots = 0;
  for (let j = 0; j < arrays.length; j++) {
    const t = arrays[j];
    let inPlace = t.buffer === h.buffer;
    for (let q = 0; inPlace && j >= outs && q < outs; q++) {
      const o = arrays[q];
      if (o !== t && o.buffer === h.buffer && t.byteOffset < o.byteOffset + 4 * n && o.byteOffset < t.byteOffset + 4 * n) inPlace = false;
    }
    if (inPlace) {
      at[j] = t.byteOffset;
      continue;
    }
    let q = outs;
    while (q < j && !(arrays[q] === t && at[q] >= h.base)) q++;
    if (q < j) {
      at[j] = at[q];
      continue;
    }
    if ((slots + 1) * n > h.staging.length) return false;
    at[j] = h.base + 4 * n * slots;
    if (j >= outs) h.staging.set(t, slots * n);
    slots++;
  }
  return true;
}

/**
 * The home of a call on n floats with its arrays laid out in it (the offsets in `at`): the arena holding
 * the first output when there is one, else the process's scratch; null where the kernels do not apply
 * (nothing written).
 */
function homeOf(arrays: readonly Float32Array[], outs: number, n: number): Home | null {
  if (n < SIMD_MIN_FLOATS || n % 4 !== 0) return null;
  const h = homeFor(arrays[0], arrays.length * n);
  if (h === null) return null;
  if (layOut(h, arrays, outs, n)) return h;
  const home = h.buffer === null ? null : scratchFor(arrays.length * n);
  return home !== null && layOut(home, arrays, outs, n) ? home : null;
}

/** copies the call's outputs that were staged in `h` back out */
function copyOut(h: Home, arrays: readonly Float32Array[], outs: number, n: number): void {
  for (let j = 0; j < outs; j++) {
    if (arrays[j].buffer !== h.buffer) arrays[j].set(h.staging.subarray((at[j] - h.base) / 4, (at[j] - h.base) / 4 + n));
  }
}

/**
 * out = Σ tₖ·cₖ (1 to MAX_TERMS terms of n floats, out may be one of them) with the kernels; false when
 * they do not apply here (no SIMD, too few floats, too many terms, a length not a multiple of 4): then
 * nothing is written and the caller runs its loop.
 */
export function simdCombine(out: Float32Array, terms: readonly Float32Array[], coefficients: readonly number[]): boolean {
  const k = terms.length;
  if (k < 1 || k > MAX_TERMS) return false;
  const arrays = [out, ...terms];
  const h = homeOf(arrays, 1, out.length);
  if (h === null) return false;
  const bytes = 4 * out.length;
  const c = coefficients;
  const kernels = h.kernels;
  if (k === 1) kernels.comb1(at[0], at[1], bytes, c[0]);
  else if (k === 2) kernels.comb2(at[0], at[1], at[2], bytes, c[0], c[1]);
  else if (k === 3) kernels.comb3(at[0], at[1], at[2], at[3], bytes, c[0], c[1], c[2]);
  else if (k === 4) kernels.comb4(at[0], at[1], at[2], at[3], at[4], bytes, c[0], c[1], c[2], c[3]);
  else kernels.comb5(at[0], at[1], at[2], at[3], at[4], at[5], bytes, c[0], c[1], c[2], c[3], c[4]);
  copyOut(h, arrays, 1, out.length);
  return true;
}

/**
 * out = Σ tₖ·cₖ as simdCombine computes it, then out = out + b·s (combineThenAddInto) with the kernels; b
 * must not be out. False where they do not apply (nothing written).
 */
export function simdCombineAdd(out: Float32Array, terms: readonly Float32Array[], coefficients: readonly number[], b: Float32Array, s: number): boolean {
  const k = terms.length;
  if (k < 1 || k > MAX_TERMS) return false;
  const arrays = [out, ...terms, b];
  const h = homeOf(arrays, 1, out.length);
  if (h === null) return false;
  const bytes = 4 * out.length;
  const c = coefficients;
  const kernels = h.kernels;
  if (k === 1) kernels.combAdd1(at[0], at[1], at[2], bytes, c[0], s);
  else if (k === 2) kernels.combAdd2(at[0], at[1], at[2], at[3], bytes, c[0], c[1], s);
  else if (k === 3) kernels.combAdd3(at[0], at[1], at[2], at[3], at[4], bytes, c[0], c[1], c[2], s);
  else if (k === 4) kernels.combAdd4(at[0], at[1], at[2], at[3], at[4], at[5], bytes, c[0], c[1], c[2], c[3], s);
  else kernels.combAdd5(at[0], at[1], at[2], at[3], at[4], at[5], at[6], bytes, c[0], c[1], c[2], c[3], c[4], s);
  copyOut(h, arrays, 1, out.length);
  return true;
}

/**
 * combineAndStepInto's d = a·ca + b·cb and out = Σ base (t·c) + d·s (base: [[a, 1]] for an Euler step, up to
 * MAX_STEP_TERMS terms) with the kernels, and with `then` = [e, se] out = out + e·se over it (e must not be
 * out); false (nothing written) where they do not apply.
 */
export function simdStep(out: Float32Array, d: Float32Array, a: Float32Array, ca: number, b: Float32Array, cb: number, step: number, then?: readonly [Float32Array, number], base?: readonly (readonly [Float32Array, number])[]): boolean {
  const k = base ? base.length : 1;
  if (k < 1 || k > MAX_STEP_TERMS) return false;
  const [t1, c1] = base ? base[0] : [a, 1];
  const arrays = [out, d, a, b, t1];
  if (k === 2 && base) arrays.push(base[1][0]);
  if (then) arrays.push(then[0]);
  const h = homeOf(arrays, 2, out.length);
  if (h === null) return false;
  const bytes = 4 * out.length;
  const kernels = h.kernels;
  if (k === 1 && then) kernels.stepAdd1(at[0], at[1], at[2], at[3], at[4], at[5], bytes, ca, cb, c1, step, then[1]);
  else if (k === 1) kernels.step1(at[0], at[1], at[2], at[3], at[4], bytes, ca, cb, c1, step);
  else if (then && base) kernels.stepAdd2(at[0], at[1], at[2], at[3], at[4], at[5], at[6], bytes, ca, cb, c1, base[1][1], step, then[1]);
  else if (base) kernels.step2(at[0], at[1], at[2], at[3], at[4], at[5], bytes, ca, cb, c1, base[1][1], step);
  copyOut(h, arrays, 2, out.length);
  return true;
}
