/**
 * The batched-CFG UNet call's two passes over the latents (models/unet.ts `guided`) as WebAssembly SIMD
 * kernels (runtime/wasm-simd.ts): c_in·x into both halves of the UNet's input, and after the run both
 * x̂₀ with their CFG mix. Scalar JavaScript takes ~3–5 ns an element for these loops on this machine's
 * CPU; the kernels do two doubles a lane pair, with the same IEEE double operations in the same order and
 * the same roundings to float32, so every number is the JavaScript loop's, bit for bit (unet-kernels.test.ts).
 *
 * A lease owns one WebAssembly memory sized for its latents (x, the input pair, the prediction pair), so
 * it never grows (growing would detach the views ONNX Runtime reads): the input pair is a view over that
 * memory and goes to ONNX Runtime as it is; the prediction comes back in a fresh array and is copied in.
 */
import { I32, F64, LOW_PAIRS, V128, instantiate, lazyModule, loop16, op, widen } from '../runtime/wasm-simd.ts';
import type { Bytes, WasmFunction, WasmModule } from '../runtime/wasm-simd.ts';

/**
 * scale2(x, s0, s1, bytes, cIn): s0[i] = s1[i] = fround(x[i]·cIn) for the `bytes` of x (a multiple of 16),
 * as `scaled[i] = scaled[n + i] = xs[i] * cIn` stores it (s0, s1: the input pair's halves).
 */
function scale2(): WasmFunction {
  const [x, s0, s1, bytes, cIn, i, c2, v, r] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const half = (high: boolean): Bytes[] => [...widen(v, high), op.get(c2), op.f64x2Mul, op.f32x4DemoteF64x2Zero];
  return {
    name: 'scale2',
    params: [I32, I32, I32, I32, F64],
    results: [],
    locals: [[1, I32], [3, V128]],
    body: [
      op.get(cIn), op.f64x2Splat, op.set(c2),
      ...loop16(i, bytes, [
        op.get(x), op.get(i), op.i32Add, op.v128Load, op.set(v),
        op.get(s0), op.get(i), op.i32Add,
        ...half(false), ...half(true), op.shuffle(LOW_PAIRS), op.tee(r),
        op.v128Store,
        op.get(s1), op.get(i), op.i32Add, op.get(r), op.v128Store,
      ]),
    ],
  };
}

/**
 * guided(pu, pc, x, bytes, cSkip, cOut, scale) → −1, or the byte offset of the first 16 bytes where either
 * half of the prediction pair (pu uncond, pc cond) holds a NaN or an infinity (nothing written from there
 * on). Otherwise, over pu: u = fround(x·cSkip + pu·cOut), c the same of pc, pu = u + scale·(c − u).
 */
function guided(): WasmFunction {
  const [pu, pc, x, bytes, cSkip, cOut, scale] = [0, 1, 2, 3, 4, 5, 6];
  const [i, cs2, co2, sc2, vu, vc, xv, u, c, lo] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  // x̂₀ of one prediction for two lanes, rounded to float32 and widened again (Math.fround)
  const x0 = (pred: number, high: boolean): Bytes[] => [
    ...widen(xv, high), op.get(cs2), op.f64x2Mul, ...widen(pred, high), op.get(co2), op.f64x2Mul, op.f64x2Add,
    op.f32x4DemoteF64x2Zero, op.f64x2PromoteLowF32x4,
  ];
  const half = (high: boolean): Bytes[] => [
    ...x0(vu, high), op.set(u),
    ...x0(vc, high), op.set(c),
    op.get(u), op.get(sc2), op.get(c), op.get(u), op.f64x2Sub, op.f64x2Mul, op.f64x2Add, op.f32x4DemoteF64x2Zero,
  ];
  return {
    name: 'guided',
    params: [I32, I32, I32, I32, F64, F64, F64],
    results: [I32],
    locals: [[1, I32], [9, V128]],
    body: [
      op.get(cSkip), op.f64x2Splat, op.set(cs2), op.get(cOut), op.f64x2Splat, op.set(co2), op.get(scale), op.f64x2Splat, op.set(sc2),
      ...loop16(i, bytes, [
        op.get(pu), op.get(i), op.i32Add, op.v128Load, op.set(vu),
        op.get(pc), op.get(i), op.i32Add, op.v128Load, op.set(vc),
        op.get(x), op.get(i), op.i32Add, op.v128Load, op.set(xv),
        // (p − p) is 0 for a finite p and NaN otherwise: a NaN lane in the sum means a bad one in either half
        op.get(vu), op.get(vu), op.f32x4Sub, op.get(vc), op.get(vc), op.f32x4Sub, op.f32x4Add, op.tee(lo), op.get(lo), op.f32x4Ne, op.anyTrue,
        op.if, op.get(i), op.return, op.end,
        ...half(false), op.set(lo),
        op.get(pu), op.get(i), op.i32Add,
        op.get(lo), ...half(true), op.shuffle(LOW_PAIRS),
        op.v128Store,
      ]),
      op.i32(-1),
    ],
  };
}

interface Exports {
  scale2(x: number, s0: number, s1: number, bytes: number, cIn: number): void;
  guided(pu: number, pc: number, x: number, bytes: number, cSkip: number, cOut: number, scale: number): number;
}

const kernelModule = lazyModule(() => [scale2(), guided()]);

/**
 * One call's worth of memory for a latent of n floats: x (n), the UNet's input pair (2n) and the
 * prediction pair (2n). The UNet wrapper keeps one and lends it to a call at a time, as it did its input array.
 */
export class CfgPairLease {
  readonly #k: Exports;
  /** floats the kernels take (a multiple of 4); the rest of n runs in JavaScript */
  readonly #vector: number;
  readonly #x: Float32Array;
  readonly #pred: Float32Array;
  /** c_in·[x ‖ x], the UNet's input for this call: a view over the lease's memory */
  readonly input: Float32Array;

  private constructor(readonly n: number, module: WasmModule) {
    const { exports, buffer } = instantiate<Exports>(module, 5 * n * 4);
    this.#k = exports;
    this.#vector = n - (n % 4);
    this.#x = new Float32Array(buffer, 0, n);
    this.input = new Float32Array(buffer, 4 * n, 2 * n);
    this.#pred = new Float32Array(buffer, 12 * n, 2 * n);
  }

  /** A lease for n floats, or null where WebAssembly SIMD is missing (or the latent is too large for one memory). */
  static create(n: number): CfgPairLease | null {
    const module = kernelModule();
    if (!module || !Number.isInteger(n) || n <= 0 || 20 * n > 2 ** 31) return null;
    return new CfgPairLease(n, module);
  }

  /** Writes c_in·x into both halves of `input` (keeping x for `guided`) and returns `input`. */
  scale(x: Float32Array, cIn: number): Float32Array {
    const n = this.n;
    const out = this.input;
    this.#x.set(x);
    this.#k.scale2(0, 4 * n, 8 * n, 4 * this.#vector, cIn);
    // the tail (n not a multiple of 4) as the JavaScript loop does it; the kernel wrote the first halves' vectors
    for (let i = this.#vector; i < n; i++) out[i] = out[n + i] = x[i] * cIn;
    return out;
  }

  /**
   * Both x̂₀ of `pred` (the UNet's [uncond ‖ cond] output for the x given to `scale`) mixed for CFG and
   * written over its uncond half; returns −1, or the first index i where pred[i] or pred[n + i] is not
   * finite, with `pred` left as it was.
   */
  guided(pred: Float32Array, cSkip: number, cOut: number, scale: number): number {
    const n = this.n;
    const v = this.#vector;
    const p = this.#pred;
    p.set(pred);
    const at = this.#k.guided(12 * n, 16 * n, 0, 4 * v, cSkip, cOut, scale);
    const first = at < 0 ? v : at / 4;
    for (let i = first; i < n; i++) {
      const vu = pred[i];
      const vc = pred[n + i];
      if (vu - vu !== 0 || vc - vc !== 0) return i;
    }
    if (at >= 0) throw new Error('unet-kernels: the kernel saw a non-finite value that JavaScript does not');
    const xs = this.#x;
    for (let i = v; i < n; i++) {
      const u = Math.fround(xs[i] * cSkip + pred[i] * cOut);
      const c = Math.fround(xs[i] * cSkip + pred[n + i] * cOut);
      p[i] = u + scale * (c - u);
    }
    pred.set(p.subarray(0, n));
    return -1;
  }
}
