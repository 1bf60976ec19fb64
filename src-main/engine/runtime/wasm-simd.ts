/**
 * A small WebAssembly assembler for the loop's SIMD kernels (models/unet-kernels.ts): functions written
 * as lists of instructions, encoded into a module that imports one memory ("env" "mem"). V8 (Node and
 * Electron alike) compiles fixed-width SIMD (the wasm `simd128` proposal, standard since 2021) to SSE/AVX
 * or NEON. The encoding follows the WebAssembly core specification's binary format (sections 1 type,
 * 2 import, 3 function, 7 export, 10 code; LEB128 integers; SIMD opcodes behind the 0xfd prefix).
 *
 * Kernels keep JavaScript's numbers: f32 lanes are widened to f64 (exact), every operation is an
 * IEEE double operation as JavaScript's, and results are rounded back to f32 to nearest-even as a
 * Float32Array store or Math.fround rounds. No fused multiply-add (relaxed SIMD) is used.
 */

export type Bytes = readonly number[];

const uleb = (v: number): number[] => {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
};

const sleb = (v: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};

const vec = (items: readonly Bytes[]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...new TextEncoder().encode(s)].map((b) => [b]));
const section = (id: number, bytes: Bytes): number[] => [id, ...uleb(bytes.length), ...bytes];

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F64 | typeof V128;

const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...uleb(op), ...imm];
/** memarg of a 16-byte access: alignment 2^4, offset 0 */
const MEM16 = [4, 0];

/** The instructions the kernels use. */
export const op = {
  get: (i: number): Bytes => [0x20, ...uleb(i)],
  set: (i: number): Bytes => [0x21, ...uleb(i)],
  tee: (i: number): Bytes => [0x22, ...uleb(i)],
  i32: (v: number): Bytes => [0x41, ...sleb(v)],
  f64: (v: number): Bytes => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)],
  i32Add: [0x6a] as Bytes,
  i32GeU: [0x4f] as Bytes,
  block: [0x02, 0x40] as Bytes,
  loop: [0x03, 0x40] as Bytes,
  if: [0x04, 0x40] as Bytes,
  end: [0x0b] as Bytes,
  br: (depth: number): Bytes => [0x0c, ...uleb(depth)],
  brIf: (depth: number): Bytes => [0x0d, ...uleb(depth)],
  return: [0x0f] as Bytes,
  v128Load: simd(0x00, ...MEM16) as Bytes,
  v128Store: simd(0x0b, ...MEM16) as Bytes,
  shuffle: (lanes: readonly number[]): Bytes => simd(0x0d, ...lanes),
  f64x2Splat: simd(0x14) as Bytes,
  f32x4Ne: simd(0x42) as Bytes,
  anyTrue: simd(0x53) as Bytes,
  f32x4DemoteF64x2Zero: simd(0x5e) as Bytes,
  f64x2PromoteLowF32x4: simd(0x5f) as Bytes,
  f32x4Add: simd(0xe4) as Bytes,
  f32x4Sub: simd(0xe5) as Bytes,
  f64x2Add: simd(0xf0) as Bytes,
  f64x2Sub: simd(0xf1) as Bytes,
  f64x2Mul: simd(0xf2) as Bytes,
};

/** i8x16.shuffle lanes: the high two f32 lanes of a vector into its low two */
export const HIGH_PAIR = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** i8x16.shuffle lanes: the low two f32 lanes of a and of b as one vector */
export const LOW_PAIRS = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** f64x2 of the low (or, with `high`, the high) two f32 lanes of the v128 in local `l`: exact widening */
export const widen = (l: number, high: boolean): Bytes[] => [op.get(l), ...(high ? [op.get(l), op.shuffle(HIGH_PAIR)] : []), op.f64x2PromoteLowF32x4];

/** a loop over the first `bytes` (a local holding a multiple of 16) in 16-byte steps, counter local `i`, around `body` */
export const loop16 = (i: number, bytes: number, body: readonly Bytes[]): Bytes[] => [
  op.i32(0), op.set(i),
  op.block, op.loop,
  op.get(i), op.get(bytes), op.i32GeU, op.brIf(1),
  ...body,
  op.get(i), op.i32(16), op.i32Add, op.set(i), op.br(0),
  op.end, op.end,
];

export interface WasmFunction {
  readonly name: string;
  readonly params: readonly ValueType[];
  readonly results: readonly ValueType[];
  /** extra locals after the parameters, as [count, type] runs */
  readonly locals: readonly (readonly [number, ValueType])[];
  readonly body: readonly Bytes[];
}

/** The module's bytes: `functions` exported by name, one imported memory "env" "mem" of at least one page. */
export function assemble(functions: readonly WasmFunction[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const bodies = functions.map((f) => {
    const body = [...vec(f.locals.map(([n, t]) => [...uleb(n), t])), ...f.body.flat(), ...op.end];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ]);
}

/** A compiled module (opaque). */
export interface WasmModule {
  readonly compiledWasm: unique symbol;
}

/** The WebAssembly globals used here (this project's TypeScript libs, ES2023 without DOM, declare none). */
interface WasmGlobals {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: { env: { mem: unknown } }) => { readonly exports: unknown };
  Memory: new (size: { initial: number; maximum: number }) => WasmMemory;
}

const wasm = (globalThis as { WebAssembly?: WasmGlobals }).WebAssembly;

/** The compiled module, or null where this runtime has no WebAssembly SIMD (the callers keep their JavaScript loops). */
export function compileModule(bytes: Uint8Array): WasmModule | null {
  try {
    return wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
  } catch {
    return null;
  }
}

/**
 * A module compiled on first use and kept for the process: null where this runtime has no WebAssembly
 * SIMD, or with REVERIE_NO_SIMD=1 (which keeps the callers' JavaScript loops, to compare them).
 */
export function lazyModule(functions: () => readonly WasmFunction[]): () => WasmModule | null {
  let compiled: WasmModule | null | undefined;
  return () => {
    if (compiled === undefined) compiled = process.env.REVERIE_NO_SIMD === '1' ? null : compileModule(assemble(functions()));
    return compiled;
  };
}

/** A WebAssembly memory of whole 64 KiB pages, never grown: views of its buffer stay valid as long as it lives. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

/** A memory of at least `bytes` (whole 64 KiB pages) with a fixed size, zero-filled. */
export function fixedMemory(bytes: number): WasmMemory {
  if (!wasm) throw new Error('wasm-simd: this runtime has no WebAssembly');
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  return new wasm.Memory({ initial: pages, maximum: pages });
}

/** An instance of `module` over `memory` (several instances may share one memory). */
export function instanceOn<E>(module: WasmModule, memory: WasmMemory): E {
  if (!wasm) throw new Error('wasm-simd: this runtime has no WebAssembly');
  return new wasm.Instance(module, { env: { mem: memory } }).exports as E;
}

/**
 * An instance of `module` over a memory of its own, `bytes` long (whole 64 KiB pages) and never grown:
 * views of `buffer` stay valid as long as the instance lives.
 */
export function instantiate<E>(module: WasmModule, bytes: number): { exports: E; buffer: ArrayBuffer } {
  const memory = fixedMemory(bytes);
  return { exports: instanceOn<E>(module, memory), buffer: memory.buffer };
}
