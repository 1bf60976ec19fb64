/**
 * Seeded, platform-independent CPU random numbers, bit-compatible with PyTorch's CPU generator:
 * `g = torch.Generator().manual_seed(seed); torch.randn(n, generator=g)` (float32) and
 * `torch.rand(n, generator=g)`. A1111 users expect "same seed → same image" with CPU noise.
 *
 * What PyTorch does (ATen, v1.13, read through the search tools):
 * - `ATen/core/MT19937RNGEngine.h`: mt19937 seeded with the low 32 bits of the seed
 *   (`init_with_uint32`), standard tempering. `random()` is one 32-bit draw; `random64()` is two,
 *   the first one giving the high word (`detail::make64BitsFrom32Bits`).
 * - `ATen/core/TransformationHelper.h` `uniform_real`: float uses `(random() & (2^24−1)) · 2^−24`,
 *   double `(random64() & (2^53−1)) · 2^−53`.
 * - `ATen/native/cpu/DistributionTemplates.h` `normal_kernel`: a contiguous float tensor with
 *   n ≥ 16 elements takes `normal_fill`: first n uniform floats, then Box–Muller on blocks of 16
 *   (u1 = 1 − data[j], u2 = data[j+8] → data[j] = r·cos θ, data[j+8] = r·sin θ); when n is not a
 *   multiple of 16 the last 16 values are recomputed from 16 fresh uniforms. On x86-64 builds the
 *   CPU_CAPABILITY_AVX2 kernel (`normal_fill_16_AVX2`) evaluates log and sincos with the Cephes
 *   polynomials of `ATen/native/cpu/avx_mathfun.h` in float32. normal_stub is not dispatched to
 *   AVX512 (`DistributionKernels.cpp`: REGISTER_NO_AVX512_DISPATCH), so AVX512 machines use it too.
 *   We follow that kernel. GCC builds it with -mfma and contracts each multiply feeding an add into
 *   an FMA (-ffp-contract=fast is GCC's default), so we evaluate those steps as fused float32
 *   multiply-adds; with that, 4,194,304 consecutive values matched torch 1.13 bit for bit.
 *   Builds without AVX2 (e.g. ARM/Apple Silicon, or ATEN_CPU_CAPABILITY=default) use libm's
 *   logf/sinf/cosf instead: measured against that path, about 40% of values differ from ours in the
 *   last bits, by at most 2e-6 in absolute terms — the same image to the eye, not the same bytes.
 * - n < 16 takes `at::normal_distribution<double>` (`ATen/core/DistributionsHelper.h`): u1, u2 from
 *   two double uniforms, r = √(−2·ln(1−u2)), θ = 2π·u1, returns r·cos θ and caches r·sin θ in the
 *   generator for the next such draw (`next_double_normal_sample`); each value is cast to float.
 *   `manual_seed` clears the cache; the n ≥ 16 path and `rand` neither use nor clear it.
 */
import type { F32Tensor } from '../types.ts';
import { EngineError } from '../types.ts';

const N = 624;
const M = 397;
const INV_2_POW_24 = 1 / 16777216;

/** Mersenne Twister mt19937 (Matsumoto & Nishimura 1998), 32-bit output. */
class Mt19937 {
  private readonly state = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    const s = this.state;
    s[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = s[i - 1] ^ (s[i - 1] >>> 30);
      s[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  next(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Fills out[o .. o+count) with the next outputs masked to 24 bits and scaled: torch's float uniforms. */
  uniforms24(out: Float32Array, o: number, count: number): void {
    const s = this.state;
    let index = this.index;
    for (let i = o, end = o + count; i < end; i++) {
      if (index >= N) {
        this.twist();
        index = 0;
      }
      let y = s[index++];
      y ^= y >>> 11;
      y ^= (y << 7) & 0x9d2c5680;
      y ^= (y << 15) & 0xefc60000;
      y ^= y >>> 18;
      out[i] = (y & 0xffffff) * INV_2_POW_24;
    }
    this.index = index;
  }

  // the three ranges of k keep (k + 1) and (k + M) inside the array without a modulo per word
  private twist(): void {
    const s = this.state;
    let k = 0;
    for (; k < N - M; k++) {
      const y = (s[k] & 0x80000000) | (s[k + 1] & 0x7fffffff);
      s[k] = s[k + M] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    for (; k < N - 1; k++) {
      const y = (s[k] & 0x80000000) | (s[k + 1] & 0x7fffffff);
      s[k] = s[k + M - N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    const y = (s[N - 1] & 0x80000000) | (s[0] & 0x7fffffff);
    s[N - 1] = s[M - 1] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    this.index = 0;
  }
}

const f = Math.fround;
const bitsF = new Float32Array(1);
const bitsU = new Uint32Array(bitsF.buffer);

/** the float32 next to r in the direction `dir` (±1) */
function nextFloat32(r: number, dir: number): number {
  if (r === 0) {
    bitsU[0] = 1;
    return dir > 0 ? bitsF[0] : -bitsF[0];
  }
  bitsF[0] = r;
  bitsU[0] += (r > 0) === (dir > 0) ? 1 : -1;
  return bitsF[0];
}

/**
 * Fused float32 multiply-add round32(a·b + c) for float32 inputs. a·b is exact in double; the
 * double sum can round onto a float32 midpoint, in which case the TwoSum error decides the side.
 */
function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = f(s);
  if (r === s) return r;
  // double rounding can only go wrong when s landed exactly on a float32 midpoint, where the float32
  // on the other side is 2s − r (exact then); anywhere else f(s) is the fused result (the fast path)
  const o = 2 * s - r;
  if (f(o) !== o) return r;
  const bb = s - p;
  const err = p - (s - bb) + (c - bb);
  if (err === 0) return r;
  const other = nextFloat32(r, s > r ? 1 : -1);
  if (s !== (r + other) / 2) return r;
  return err > 0 ? Math.max(r, other) : Math.min(r, other);
}

// Cephes single-precision coefficients, as in avx_mathfun.h (Pommier's sse_mathfun).
const LOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1,
  -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(f);
const [LOG_P0, LOG_P1, LOG_P2, LOG_P3, LOG_P4, LOG_P5, LOG_P6, LOG_P7, LOG_P8] = LOG_P;
const LOG_Q1 = f(-2.1219444e-4);
const LOG_Q2 = f(0.693359375);
const SQRT_HALF = f(0.707106781186547524);
const DP1 = f(-0.78515625);
const DP2 = f(-2.4187564849853515625e-4);
const DP3 = f(-3.77489497744594108e-8);
const SIN_P = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(f);
const COS_P = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(f);
const FOUR_OVER_PI = f(1.27323954473516);
const TWO_PI = f(2 * Math.PI);

/** avx_mathfun's log256_ps for one lane (x in (0, 1]). */
function logCephes(x: number): number {
  bitsF[0] = x;
  let e = f((bitsU[0] >>> 23) - 0x7f + 1);
  bitsU[0] = (bitsU[0] & ~0x7f800000) | 0x3f000000; // mantissa in [0.5, 1)
  let m = bitsF[0];
  if (m < SQRT_HALF) {
    e = f(e - 1);
    m = f(f(m - 1) + m);
  } else {
    m = f(m - 1);
  }
  const z = f(m * m);
  let y = fmaf(LOG_P0, m, LOG_P1);
  y = fmaf(y, m, LOG_P2);
  y = fmaf(y, m, LOG_P3);
  y = fmaf(y, m, LOG_P4);
  y = fmaf(y, m, LOG_P5);
  y = fmaf(y, m, LOG_P6);
  y = fmaf(y, m, LOG_P7);
  y = fmaf(y, m, LOG_P8);
  y = f(y * m);
  y = fmaf(y, z, f(e * LOG_Q1));
  y = fmaf(-z, 0.5, y);
  m = f(m + y);
  return fmaf(e, LOG_Q2, m);
}

/** sinCosCephes' results (no array per call on the hot path) */
let sinOut = 0;
let cosOut = 0;

/** avx_mathfun's sincos256_ps for one lane (x ≥ 0 here: θ = 2π·u); the results in sinOut, cosOut. */
function sinCosCephes(x: number): void {
  let j = Math.trunc(f(x * FOUR_OVER_PI));
  j = (j + 1) & ~1;
  const swapSin = (j & 4) !== 0;
  const swapCos = (~(j - 2) & 4) !== 0;
  const sinPoly = (j & 2) === 0; // first octant pair: sine polynomial gives sin
  x = fmaf(j, DP1, x);
  x = fmaf(j, DP2, x);
  x = fmaf(j, DP3, x);
  const z = f(x * x);
  let c = fmaf(COS_P[0], z, COS_P[1]);
  c = fmaf(c, z, COS_P[2]);
  c = f(c * z);
  c = fmaf(c, z, -f(z * 0.5));
  c = f(c + 1);
  let s = fmaf(SIN_P[0], z, SIN_P[1]);
  s = fmaf(s, z, SIN_P[2]);
  s = f(s * z);
  s = fmaf(s, x, x);
  const sin = sinPoly ? s : c;
  const cos = sinPoly ? c : s;
  sinOut = swapSin ? -sin : sin;
  cosOut = swapCos ? -cos : cos;
}

/** normal_fill_16_AVX2 on data[o .. o+16) holding uniforms; mean 0, std 1. */
function boxMuller16(data: Float32Array, o: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = f(1 - data[o + j]);
    const u2 = data[o + j + 8];
    const radius = f(Math.sqrt(f(-2 * logCephes(u1))));
    sinCosCephes(f(TWO_PI * u2));
    data[o + j] = f(radius * cosOut);
    data[o + j + 8] = f(radius * sinOut);
  }
}

const TWO_POW_24 = 16777216;
const TWO_POW_53 = 9007199254740992;

/**
 * One seeded generator. Seeds are 0..2^32−1 (A1111's range); like torch.manual_seed, only the low
 * 32 bits are used, so a bigint or a larger number wraps.
 */
export class Rng {
  private readonly mt: Mt19937;
  private cachedNormal: number | null = null;

  constructor(seed: number | bigint) {
    if (typeof seed === 'number' && !Number.isInteger(seed)) {
      throw new EngineError('BAD_INPUT', `seed must be an integer, got ${seed}`);
    }
    const low = typeof seed === 'bigint' ? Number(BigInt.asUintN(32, seed)) : Number(BigInt.asUintN(32, BigInt(seed)));
    this.mt = new Mt19937(low);
  }

  /** n standard-normal float32 values: torch.randn(n, generator=g) on CPU. */
  randn(n: number): Float32Array {
    if (!Number.isInteger(n) || n < 0) throw new EngineError('INTERNAL', `randn: size must be a non-negative integer, got ${n}`);
    return this.randnInto(new Float32Array(n));
  }

  /** `randn(out.length)` written into `out` (a view of a larger buffer, say), returned. */
  randnInto(out: Float32Array): Float32Array {
    return out.length >= 16 ? this.normalFill(out) : this.normalSerial(out);
  }

  /** one uniform float32 in [0, 1) with 24 random bits: torch.rand(1, generator=g)[0]. */
  nextFloat(): number {
    return (this.mt.next() & 0xffffff) / TWO_POW_24;
  }

  private normalFill(data: Float32Array): Float32Array {
    const n = data.length;
    this.mt.uniforms24(data, 0, n);
    for (let i = 0; i + 16 <= n; i += 16) boxMuller16(data, i);
    if (n % 16 !== 0) {
      this.mt.uniforms24(data, n - 16, 16);
      boxMuller16(data, n - 16);
    }
    return data;
  }

  private nextDouble(): number {
    const hi = this.mt.next() & 0x1fffff; // random64() & (2^53 − 1): low 21 bits of the high word
    const lo = this.mt.next();
    return (hi * 4294967296 + lo) / TWO_POW_53;
  }

  private normalSerial(out: Float32Array): Float32Array {
    for (let i = 0; i < out.length; i++) {
      if (this.cachedNormal !== null) {
        out[i] = this.cachedNormal;
        this.cachedNormal = null;
        continue;
      }
      const u1 = this.nextDouble();
      const u2 = this.nextDouble();
      const r = Math.sqrt(-2 * Math.log1p(-u2));
      const theta = 2 * Math.PI * u1;
      this.cachedNormal = r * Math.sin(theta);
      out[i] = r * Math.cos(theta);
    }
    return out;
  }
}

/**
 * A standard-normal tensor from a fresh generator: `torch.manual_seed(seed); torch.randn(dims)`.
 * The pipeline calls this once per batch item with seed + k (A1111's convention).
 */
export function randnTensor(seed: number, dims: readonly number[]): F32Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return { dtype: 'float32', dims: [...dims], data: new Rng(seed).randn(n) };
}
