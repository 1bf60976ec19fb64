import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { float16ToFloat32, float32ToFloat16, fromHalfBits, toHalfBits } from '../../../../src-main/engine/runtime/fp16.ts';

const golden = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../../fixtures/fp16-golden.json'), 'utf8')) as {
  f32_bits: number[];
  f16_bits: number[];
};

function f32FromBits(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0];
}

describe('float16 -> float32', () => {
  it('decodes every one of the 65536 half bit patterns exactly (checked against the binary16 definition)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const wide = float16ToFloat32(all);
    for (let bits = 0; bits < 65536; bits++) {
      const sign = bits >> 15 ? -1 : 1;
      const e = (bits >> 10) & 31;
      const m = bits & 1023;
      const want = e === 31 ? (m ? NaN : sign * Infinity) : e === 0 ? sign * (m / 1024) * 2 ** -14 : sign * (1 + m / 1024) * 2 ** (e - 15);
      expect(Object.is(wide[bits], want) || (Number.isNaN(want) && Number.isNaN(wide[bits]))).toBe(true);
    }
  });

  it('round-trips every non-NaN half through float32 unchanged', () => {
    for (let bits = 0; bits < 65536; bits++) {
      const e = (bits >> 10) & 31;
      if (e === 31 && (bits & 1023) !== 0) {
        expect(Number.isNaN(fromHalfBits(bits))).toBe(true);
        expect(Number.isNaN(fromHalfBits(toHalfBits(fromHalfBits(bits))))).toBe(true);
        continue;
      }
      expect(toHalfBits(fromHalfBits(bits))).toBe(bits);
    }
  });
});

describe('float32 -> float16', () => {
  it(`matches numpy astype(float16) on ${golden.f32_bits.length} golden values (ties, subnormals, overflow)`, () => {
    const src = Float32Array.from(golden.f32_bits.map(f32FromBits));
    const got = float32ToFloat16(src);
    let mismatches = 0;
    for (let i = 0; i < src.length; i++) {
      const want = golden.f16_bits[i];
      const isNaN16 = (want & 0x7c00) === 0x7c00 && (want & 0x3ff) !== 0;
      const ok = isNaN16 ? (got[i] & 0x7c00) === 0x7c00 && (got[i] & 0x3ff) !== 0 : got[i] === want;
      if (!ok) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('rounds ties to even and overflows at 65520', () => {
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie between 1 and 1+2^-10: keep the even 1
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie: round up to the even mantissa 2
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(65519)).toBe(0x7bff);
    expect(toHalfBits(65520)).toBe(0x7c00);
    expect(toHalfBits(-Infinity)).toBe(0xfc00);
    expect(toHalfBits(2 ** -24)).toBe(0x0001);
    expect(toHalfBits(2 ** -25)).toBe(0x0000); // tie with 0: even
    expect(toHalfBits(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 subnormal units: even
    expect(toHalfBits(-0)).toBe(0x8000);
  });
});
