import { describe, expect, it } from 'vitest';
import { add, addScaled, addScaledInto, blend, clone, combine, combineAndStepInto, combineInto, combineThenAddInto, lerp, mul, own, scale, scratchLike, sub } from '../../../../src-main/engine/samplers/ops.ts';
import { concatBatch, splitBatch, splitBatchViews } from '../../../../src-main/engine/samplers/ops-batch.ts';
import { WasmArena } from '../../../../src-main/engine/runtime/wasm-arena.ts';
import { kernelArena } from '../../../../src-main/engine/samplers/ops-kernels.ts';
import { EngineError } from '../../../../src-main/engine/types.ts';
import type { FloatTensor } from '../../../../src-main/engine/samplers/ops.ts';
import { f32, f64 } from './harness.ts';

/** x, a denoised and a noise of n values (203, and kernel-sized), float32 and float64: the cases of an update followed by its noise */
function eachNoisedStep(check: (x: FloatTensor, den: FloatTensor, noise: FloatTensor) => void): void {
  for (const n of [203, 4 * 32 * 32]) {
    for (const make of [f32, f64] as ((v: ArrayLike<number>, dims: readonly number[]) => FloatTensor)[]) {
      const wave = (f: (i: number) => number): FloatTensor => make(Float64Array.from({ length: n }, (_, i) => f(i)), [1, 1, 1, n]);
      check(wave((i) => Math.sin(i * 1.3) * 7.7), wave((i) => Math.cos(i * 0.37) * 0.9), wave((i) => Math.sin(i * 0.91 + 2) * 1.3));
    }
  }
}

describe('tensor ops', () => {
  const a = f32([1, 2, 3, 4], [1, 1, 2, 2]);
  const b = f32([0.5, -1, 2, 0], [1, 1, 2, 2]);

  it('compute elementwise results into new tensors of the same kind and shape', () => {
    expect(Array.from(add(a, b).data)).toEqual([1.5, 1, 5, 4]);
    expect(Array.from(sub(a, b).data)).toEqual([0.5, 3, 1, 4]);
    expect(Array.from(scale(a, -2).data)).toEqual([-2, -4, -6, -8]);
    expect(Array.from(addScaled(a, b, 2).data)).toEqual([2, 0, 7, 4]);
    expect(Array.from(lerp(a, b, 0.5).data)).toEqual([0.75, 0.5, 2.5, 2]);
    expect(Array.from(lerp(b, a, 7.5).data)).toEqual([0.5 + 0.5 * 7.5, -1 + 3 * 7.5, 2 + 1 * 7.5, 0 + 4 * 7.5]); // CFG-style extrapolation
    expect(Array.from(mul(a, b).data)).toEqual([0.5, -2, 6, 0]);
    expect(Array.from(blend(a, b, f32([0, 1, 0.5, 0.25], [1, 1, 2, 2])).data)).toEqual([1, -1, 2.5, 3]);
    expect(Array.from(combine([a, 1], [b, 2], [a, -0.5]).data)).toEqual([1.5, -1, 5.5, 2]);
    const out = add(a, b);
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(out.dtype).toBe('float32');
    expect(out.dims).toEqual([1, 1, 2, 2]);
    expect(out).not.toBe(a);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4]); // inputs untouched
  });

  it('write the same numbers into an owned buffer, which may be one of the inputs', () => {
    const xs = Float32Array.from({ length: 257 }, (_, i) => Math.sin(i * 1.7) * 3);
    const ds = Float32Array.from({ length: 257 }, (_, i) => Math.cos(i * 0.3));
    const es = Float32Array.from({ length: 257 }, (_, i) => (i % 7) / 7 - 0.5);
    const x = f32(xs, [1, 1, 1, 257]);
    const d = f32(ds, [1, 1, 1, 257]);
    const e = f32(es, [1, 1, 1, 257]);
    for (const terms of [[[x, 0.3]], [[x, 1], [d, -0.07]], [[x, 0.9], [d, 0.2], [e, -1.3]], [[x, 0.5], [d, 0.25], [e, 0.125], [d, -0.3], [x, 1e-3]]] as [typeof x, number][][]) {
      const fresh = combine(...terms);
      const mine = own(x);
      const into = combineInto(mine, ...terms.map(([t, c]) => [t === x ? mine : t, c] as [typeof x, number]));
      expect(into).toBe(mine);
      expect(Array.from(into.data)).toEqual(Array.from(fresh.data)); // bit for bit, x updated in place
    }
    const scratch = scratchLike(x);
    expect(Array.from(addScaledInto(scratch, x, d, 2).data)).toEqual(Array.from(addScaled(x, d, 2).data));
    expect(Array.from(x.data)).toEqual(Array.from(xs)); // inputs that are not the output stay untouched
    expect(() => combineInto(f32([1, 2], [1, 2]), [x, 1])).toThrow(EngineError);
    expect(() => combineInto<FloatTensor>(f64([1, 2, 3, 4], [1, 1, 2, 2]), [a, 1])).toThrow(/float64/);
  });

  it('give every number of terms the general accumulation: 0, then each term in order, rounded once on store', () => {
    const arrays = [0, 1, 2, 3, 4, 5].map((k) => Float32Array.from({ length: 301 }, (_, i) => Math.sin(i * (0.7 + k)) * (k + 1) * 3.1));
    const coefs = [0.31, -1.7, 0.0123, 2.9, -0.45, 1e-3];
    for (let count = 1; count <= 6; count++) {
      for (const kind of ['float32', 'float64'] as const) {
        const ts = arrays.slice(0, count).map((v) => (kind === 'float32' ? f32(v, [1, 1, 1, 301]) : f64(v, [1, 1, 1, 301])));
        const got = combine<FloatTensor>(...ts.map((t, k) => [t, coefs[k]] as const));
        const want = Array.from({ length: 301 }, (_, i) => {
          let acc = 0;
          for (let k = 0; k < count; k++) acc += ts[k].data[i] * coefs[k];
          return kind === 'float32' ? Math.fround(acc) : acc;
        });
        expect(Array.from(got.data)).toEqual(want);
      }
    }
  });

  it('combineAndStepInto gives the numbers of the two combines in one pass, float32 and float64, out may be a', () => {
    for (const make of [f32, f64] as ((v: ArrayLike<number>, dims: readonly number[]) => FloatTensor)[]) {
      const x = make(Float64Array.from({ length: 203 }, (_, i) => Math.sin(i * 1.3) * 7.7), [1, 1, 1, 203]);
      const den = make(Float64Array.from({ length: 203 }, (_, i) => Math.cos(i * 0.37) * 0.9), [1, 1, 1, 203]);
      const sigma = 3.7;
      const dt = -0.613;
      const dWant = combine<FloatTensor>([x, 1 / sigma], [den, -1 / sigma]);
      const outWant = combine<FloatTensor>([x, 1], [dWant, dt]);
      const d = scratchLike(x);
      const out = scratchLike(x);
      expect(combineAndStepInto(out, d, [x, 1 / sigma], [den, -1 / sigma], dt)).toBe(out);
      expect(Array.from(d.data)).toEqual(Array.from(dWant.data));
      expect(Array.from(out.data)).toEqual(Array.from(outWant.data));
      const mine = own(x); // in place, as an Euler step updates x
      combineAndStepInto(mine, scratchLike(x), [mine, 1 / sigma], [den, -1 / sigma], dt);
      expect(Array.from(mine.data)).toEqual(Array.from(outWant.data));
      expect(() => combineAndStepInto(out, x, [x, 1], [den, 1], 1)).toThrow(/a buffer of its own/);
    }
  });

  it('combineAndStepInto with then adds it over the step as addScaledInto would, float32 (kernel-sized or not) and float64', () => {
    eachNoisedStep((x, den, noise) => {
      const want = combineAndStepInto(own(x), scratchLike(x), [x, 1 / 3.7], [den, -1 / 3.7], -0.613);
      addScaledInto(want, want, noise, 0.29);
      const mine = own(x);
      const d = scratchLike(x);
      expect(combineAndStepInto(mine, d, [mine, 1 / 3.7], [den, -1 / 3.7], -0.613, [noise, 0.29])).toBe(mine);
      expect(Array.from(mine.data)).toEqual(Array.from(want.data));
      expect(Array.from(d.data)).toEqual(Array.from(combine<FloatTensor>([x, 1 / 3.7], [den, -1 / 3.7]).data));
      expect(() => combineAndStepInto(mine, d, [mine, 1], [den, 1], 1, [mine, 1])).toThrow(/neither out nor d/);
    });
  });

  it("combineAndStepInto with terms besides d (Heun's and DPM2's second stage) gives the numbers of toDInto then combineInto, with and without then", () => {
    eachNoisedStep((x, den, noise) => {
      const x2 = combine<FloatTensor>([x, 0.9], [den, 0.1]);
      const d1 = combine<FloatTensor>([x, 0.2], [den, -0.2]);
      for (const [terms, then] of [
        [[[x, 1]], null],
        [[[x, 1], [d1, -0.3]], null],
        [[[x, 1], [d1, -0.3]], [noise, 0.4]],
      ] as [(readonly [FloatTensor, number])[], readonly [FloatTensor, number] | null][]) {
        const wantD = combine<FloatTensor>([x2, 1 / 2.1], [den, -1 / 2.1]);
        const want = combineInto(own(x), ...terms.map(([t, c]) => [t === x ? own(x) : t, c] as const), [wantD, -0.3]);
        if (then) addScaledInto(want, want, then[0], then[1]);
        const mine = own(x);
        const d2 = scratchLike(x);
        const mineTerms = terms.map(([t, c]) => [t === x ? mine : t, c] as const);
        expect(combineAndStepInto(mine, d2, [x2, 1 / 2.1], [den, -1 / 2.1], -0.3, then, mineTerms)).toBe(mine);
        expect(Array.from(d2.data)).toEqual(Array.from(wantD.data));
        expect(Array.from(mine.data)).toEqual(Array.from(want.data));
      }
      expect(() => combineAndStepInto(own(x), d1, [x2, 1], [den, 1], 1, null, [[x, 1], [d1, 1]])).toThrow(/a buffer of its own/);
      expect(() => combineAndStepInto(own(x), scratchLike(x), [x2, 1], [den, 1], 1, null, [[x, 1], [d1, 1], [den, 1]])).toThrow(/1 to 2 terms/);
    });
  });

  it('combineThenAddInto gives the numbers of combineInto then addScaledInto, float32 (kernel-sized or not) and float64', () => {
    eachNoisedStep((x, den, noise) => {
      const want = combineInto(own(x), [x, 0.83], [den, 0.17]);
      addScaledInto(want, want, noise, 0.29);
      const mine = own(x); // in place, as a sampler updates x
      expect(combineThenAddInto(mine, [[mine, 0.83], [den, 0.17]], [noise, 0.29])).toBe(mine);
      expect(Array.from(mine.data)).toEqual(Array.from(want.data));
      // no noise: the combine alone
      const plain = own(x);
      combineThenAddInto(plain, [[plain, 0.83], [den, 0.17]], null);
      expect(Array.from(plain.data)).toEqual(Array.from(combine<FloatTensor>([x, 0.83], [den, 0.17]).data));
      expect(() => combineThenAddInto(mine, [[den, 1]], [mine, 1])).toThrow(/must not be out/);
    });
  });

  it('keep float64 tensors in float64', () => {
    const x = f64([0.1, 0.2], [1, 2]);
    const y = combine([x, 1 / 3], [x, 1 / 7]);
    expect(y.data).toBeInstanceOf(Float64Array);
    expect(y.data[0]).toBe(0.1 / 3 + 0.1 / 7);
  });

  it('round a float32 linear combination once (accumulating in float64)', () => {
    const big = f32([16777216], [1]); // 2^24: float32 cannot hold 2^24 + 1
    const one = f32([1], [1]);
    expect(combine([big, 1], [one, 1], [one, 1]).data[0]).toBe(16777218);
  });

  it('clone copies', () => {
    const c = clone(a);
    expect(c.data).not.toBe(a.data);
    expect(Array.from(c.data)).toEqual(Array.from(a.data));
  });

  it('refuse mismatched shapes with a message naming both', () => {
    const c = f32([1, 2, 3, 4], [1, 4, 1, 1]);
    expect(() => add(a, c)).toThrow(EngineError);
    expect(() => add(a, c)).toThrow('ops.combine: shapes differ: [1,1,2,2] vs [1,4,1,1]');
    expect(() => mul(a, f32([1], [1]))).toThrow(/ops.mul: shapes differ/);
    expect(() => combine()).toThrow(/at least one term/);
  });

  it('concatBatch and splitBatch are inverses along the batch dim', () => {
    const both = concatBatch(a, b);
    expect(both.dims).toEqual([2, 1, 2, 2]);
    expect(Array.from(both.data)).toEqual([1, 2, 3, 4, 0.5, -1, 2, 0]);
    const [u, c] = splitBatch(both, 2);
    expect(u.dims).toEqual([1, 1, 2, 2]);
    expect(Array.from(u.data)).toEqual(Array.from(a.data));
    expect(Array.from(c.data)).toEqual(Array.from(b.data));
    expect(() => splitBatch(both, 3)).toThrow(/cannot split batch 2/);
    expect(() => concatBatch(a, f32([1, 2], [1, 2]))).toThrow(/shapes differ past the batch dim/);
  });

  it('splitBatchViews gives the same parts as splitBatch, as views of the batch (no copies)', () => {
    const both = concatBatch(a, b);
    const views = splitBatchViews(both, 2);
    const copies = splitBatch(both, 2);
    expect(views.map((v) => v.dims)).toEqual(copies.map((c) => c.dims));
    expect(views.map((v) => Array.from(v.data))).toEqual(copies.map((c) => Array.from(c.data)));
    expect(views[1].data.buffer).toBe(both.data.buffer);
    expect(copies[1].data.buffer).not.toBe(both.data.buffer);
    expect(() => splitBatchViews(both, 3)).toThrow(/ops.splitBatchViews: cannot split batch 2/);
  });
});

describe("a sampler's buffers in its run's arena", () => {
  it('own and scratchLike take slots of the arena x lives in, then ordinary arrays when they run out', () => {
    const n = 4 * 32 * 32;
    const arena = kernelArena(n);
    expect(arena).not.toBeNull();
    const data = arena!.take(n)!;
    data.set(Float32Array.from({ length: n }, (_, i) => Math.sin(i)));
    const x = { dtype: 'float32', dims: [1, 4, 32, 32], data } as const;
    const mine = own(x);
    expect(WasmArena.holding(mine.data as Float32Array)).toBe(arena);
    expect(mine.data).not.toBe(x.data);
    expect(Array.from(mine.data)).toEqual(Array.from(x.data));
    expect(mine.dims).toEqual(x.dims);
    const scratch = scratchLike(mine);
    expect(WasmArena.holding(scratch.data as Float32Array)).toBe(arena);
    expect((scratch.data as Float32Array).every((v) => v === 0)).toBe(true);
    // the arena has a fixed number of slots: then a sampler gets ordinary arrays, and runs as before
    const more = Array.from({ length: 8 }, () => scratchLike(x));
    expect(more.filter((t) => WasmArena.holding(t.data as Float32Array) === undefined).length).toBeGreaterThan(0);
    const last = own(x);
    expect(WasmArena.holding(last.data as Float32Array)).toBeUndefined();
    expect(Array.from(last.data)).toEqual(Array.from(x.data));
    // outside an arena, and in float64, nothing changes
    expect(WasmArena.holding(own(f32([1, 2], [1, 2])).data as Float32Array)).toBeUndefined();
    expect(own(f64([1, 2], [1, 2])).data).toBeInstanceOf(Float64Array);
  });
});
