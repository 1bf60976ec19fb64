/**
 * IEEE 754 binary16 ↔ binary32 conversion for fp16-I/O models. float16 data is kept as raw Uint16
 * bits (types.ts). float32 → float16 rounds to nearest, ties to even, with subnormals, overflow to ±∞
 * and NaN kept NaN (quiet, sign preserved) — the same results as numpy's `astype(np.float16)`.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Converts one float32 value (a JS number is first rounded to float32) to float16 bits. */
export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0); // NaN stays NaN, ±∞
  const e = exp - 127 + 15; // rebias
  if (e >= 0x1f) return sign | 0x7c00; // overflow before rounding
  if (e <= 0) {
    // subnormal half (or zero): value = m · 2^-24 with m = (1.mant) · 2^(exp-127+24)
    if (e < -10) return sign; // below half the smallest subnormal: rounds to ±0
    const full = mant | 0x800000; // 24-bit significand
    const shift = 14 - e; // bits to drop: 13 + (1 - e)
    return sign | roundShift(full, shift);
  }
  // normal: keep 10 mantissa bits, round the 13 dropped ones; a carry may bump the exponent (up to ∞)
  return sign | ((e << 10) + roundShift(mant, 13));
}

/** value >> shift rounded to nearest, ties to even (shift ≥ 1, value < 2^25). */
function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value - kept * 2 ** shift;
  const half = 2 ** (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/** Converts float16 bits to the exactly representable float32/float64 value. */
export function fromHalfBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

export function float32ToFloat16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = toHalfBits(src[i]);
  return out;
}

export function float16ToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = fromHalfBits(src[i]);
  return out;
}
