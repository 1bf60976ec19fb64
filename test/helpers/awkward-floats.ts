/**
 * Seeded float32 values that stress a kernel's rounding: exponents from 1e-6 to 1e6, subnormals, ±0 and
 * values near float32's largest (their products overflow), and with `nonFinite` a NaN or an infinity now and then.
 */
export function awkwardFloats(seed: number, n: number, nonFinite = false): Float32Array {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = next();
    const sign = next() < 0.5 ? -1 : 1;
    if (k < 0.03) out[i] = sign * next() * 1e-40;
    else if (k < 0.05) out[i] = sign * 0;
    else if (k < 0.06) out[i] = sign * 3.4e38 * next();
    else if (nonFinite && k < 0.062) out[i] = [Number.NaN, Infinity, -Infinity][i % 3];
    else out[i] = sign * next() * 10 ** (next() * 12 - 6);
  }
  return out;
}

/** the bits of each float, to compare two arrays exactly (−0 is not 0, one NaN is not another) */
export const floatBits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);
