import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng, randnTensor } from '../../../../src-main/engine/runtime/rng.ts';

// Goldens made by make-goldens.py with torch 1.13 (x86-64 AVX2 kernel), stored as float32 bits.
interface GoldenCall { kind: 'randn' | 'rand'; n: number; bits?: number[]; sha256?: string; head?: number[]; tail?: number[] }
interface GoldenCase { seed: number; calls: GoldenCall[] }
const here = path.dirname(fileURLToPath(import.meta.url));
const golden = JSON.parse(readFileSync(path.join(here, 'torch-randn-goldens.json'), 'utf8')) as { torch: string; cases: GoldenCase[] };

function bitsOf(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

function draw(rng: Rng, call: GoldenCall): Float32Array {
  if (call.kind === 'randn') return rng.randn(call.n);
  const out = new Float32Array(call.n);
  for (let i = 0; i < call.n; i++) out[i] = rng.nextFloat();
  return out;
}

describe('Rng matches torch CPU generator bit for bit', () => {
  it('golden file covers the sizes the brief asks for', () => {
    const sizes = new Set(golden.cases.flatMap((c) => c.calls.map((k) => k.n)));
    for (const n of [1, 7, 16, 17, 4 * 32 * 32]) expect(sizes.has(n)).toBe(true);
  });

  for (const c of golden.cases) {
    const label = c.calls.map((k) => `${k.kind}(${k.n})`).join(', ');
    it(`seed ${c.seed}: ${label}`, () => {
      const rng = new Rng(c.seed);
      for (const call of c.calls) {
        const out = draw(rng, call);
        expect(out.length).toBe(call.n);
        if (call.bits) {
          expect(bitsOf(out)).toEqual(call.bits);
        } else {
          expect(bitsOf(out.subarray(0, 16))).toEqual(call.head);
          expect(bitsOf(out.subarray(out.length - 16))).toEqual(call.tail);
          const digest = createHash('sha256').update(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)).digest('hex');
          expect(digest).toBe(call.sha256);
        }
      }
    });
  }

  it('the famous first value: manual_seed(0); randn(16)[0] = -1.1258398', () => {
    expect(new Rng(0).randn(16)[0]).toBeCloseTo(-1.1258398, 6);
  });
});

describe('Rng behaviour', () => {
  it('same seed gives the same stream, different seeds differ', () => {
    expect(bitsOf(new Rng(5).randn(100))).toEqual(bitsOf(new Rng(5).randn(100)));
    expect(bitsOf(new Rng(5).randn(100))).not.toEqual(bitsOf(new Rng(6).randn(100)));
  });

  it('uses the low 32 bits of the seed like torch.manual_seed', () => {
    expect(bitsOf(new Rng(2 ** 32 + 3).randn(20))).toEqual(bitsOf(new Rng(3).randn(20)));
    expect(bitsOf(new Rng(2n ** 32n + 3n).randn(20))).toEqual(bitsOf(new Rng(3).randn(20)));
  });

  it('rejects a fractional seed', () => {
    expect(() => new Rng(1.5)).toThrow(/seed must be an integer, got 1.5/);
  });

  it('nextFloat is in [0, 1) on a 2^-24 grid', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 1000; i++) {
      const u = rng.nextFloat();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      expect(Number.isInteger(u * 2 ** 24)).toBe(true);
    }
  });

  it('randn is standard normal (moments over 2^18 values)', () => {
    const x = new Rng(123).randn(1 << 18);
    let s = 0;
    let s2 = 0;
    for (const v of x) {
      s += v;
      s2 += v * v;
    }
    const mean = s / x.length;
    const variance = s2 / x.length - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(x.length));
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
  });

  it('randnTensor(seed, dims) is a fresh generator with the given dims', () => {
    const t = randnTensor(9, [1, 4, 8, 8]);
    expect(t.dims).toEqual([1, 4, 8, 8]);
    expect(t.dtype).toBe('float32');
    expect(bitsOf(t.data)).toEqual(bitsOf(new Rng(9).randn(256)));
  });
});
