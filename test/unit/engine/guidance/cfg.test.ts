import { describe, expect, it } from 'vitest';
import { cfgDenoiser, combineGuidance } from '../../../../src-main/engine/guidance/cfg.ts';
import type { F32Tensor } from '../../../../src-main/engine/types.ts';
import { CancelledError, EngineError } from '../../../../src-main/engine/types.ts';

function tensor(dims: number[], fill: (i: number) => number): F32Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return { dtype: 'float32', dims, data: Float32Array.from({ length: n }, (_, i) => fill(i)) };
}

interface Call { batch: number; contextFirst: number[]; concatBatch?: number }

/**
 * A fake model (CFG is pure arithmetic on its outputs): per batch item b, out = 0.5·x + m_b, where
 * m_b is the first value of that item's context row — so cond and uncond give different outputs.
 */
function fakeModel(calls: Call[]) {
  return async (x: F32Tensor, _sigma: number, context: F32Tensor, concat?: F32Tensor): Promise<F32Tensor> => {
    const [batch] = x.dims;
    const per = x.data.length / batch;
    const ctxPer = context.data.length / context.dims[0];
    expect(context.dims[0]).toBe(batch);
    calls.push({ batch, contextFirst: Array.from({ length: batch }, (_, b) => context.data[b * ctxPer]), concatBatch: concat?.dims[0] });
    const out = new Float32Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = 0.5 * x.data[i] + context.data[Math.floor(i / per) * ctxPer];
    return { dtype: 'float32', dims: x.dims, data: out };
  };
}

const x = tensor([2, 4, 3, 3], (i) => Math.sin(i));
const cond = tensor([1, 5, 8], () => 3);
const uncond = tensor([1, 5, 8], () => -1);

function expected(scale: number): number[] {
  // uncond + s·(cond − uncond) with out = 0.5x + m: 0.5x + (−1) + s·(3 − (−1))
  return Array.from(x.data, (v) => Math.fround(0.5 * v - 1 + scale * 4));
}

describe('cfgDenoiser', () => {
  it('batched: ONE call on [2B] with context [uncond ‖ cond]; denoised = u + s(c − u)', async () => {
    const calls: Call[] = [];
    const d = cfgDenoiser(fakeModel(calls), cond, uncond, 7.5, { batched: true });
    const out = await d(x, 2.0);
    expect(calls).toEqual([{ batch: 4, contextFirst: [-1, -1, 3, 3], concatBatch: undefined }]);
    expect(out.dims).toEqual([2, 4, 3, 3]);
    const want = expected(7.5);
    out.data.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
  });

  it('batched, step after step: one [x ‖ x] array reused, each call right; an observed split keeps both predictions', async () => {
    const seenInputs = new Set<ArrayBufferLike>();
    const model = fakeModel([]);
    const d = cfgDenoiser((xx, s, c) => (seenInputs.add(xx.data.buffer), model(xx, s, c)), cond, uncond, 7.5, { batched: true });
    const x2 = tensor([2, 4, 3, 3], (i) => Math.cos(i) * 2);
    for (const input of [x, x2, x]) {
      const out = await d(input, 2.0);
      const u = input.data.map((v) => 0.5 * v - 1); // the uncond context rows are -1
      const c = input.data.map((v) => 0.5 * v + 3);
      out.data.forEach((v, i) => expect(v).toBeCloseTo(u[i] + 7.5 * (c[i] - u[i]), 4));
    }
    expect(seenInputs.size).toBe(1);
    const splits: { uncond: number[]; guided: number[] }[] = [];
    const observed = cfgDenoiser(fakeModel([]), cond, uncond, 7.5, { batched: true, onSplit: (s) => splits.push({ uncond: Array.from(s.uncond.data), guided: Array.from(s.guided.data) }) });
    const out = await observed(x, 2.0);
    expect(splits[0].uncond[0]).toBeCloseTo(0.5 * x.data[0] - 1, 6); // not overwritten by the guided mix
    expect(splits[0].guided).toEqual(Array.from(out.data));
  });

  it('unbatched: two calls (uncond, then cond) and the same numbers bit for bit', async () => {
    const calls: Call[] = [];
    const a = await cfgDenoiser(fakeModel(calls), cond, uncond, 7.5, { batched: false })(x, 2.0);
    expect(calls.map((c) => c.contextFirst)).toEqual([[-1, -1], [3, 3]]);
    const b = await cfgDenoiser(fakeModel([]), cond, uncond, 7.5, { batched: true })(x, 2.0);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('scale 1 or no uncond: a single conditional call, output untouched', async () => {
    for (const [u, s] of [[uncond, 1], [null, 7]] as const) {
      const calls: Call[] = [];
      const out = await cfgDenoiser(fakeModel(calls), cond, u, s, { batched: true })(x, 1);
      expect(calls).toEqual([{ batch: 2, contextFirst: [3, 3], concatBatch: undefined }]);
      expect(Array.from(out.data)).toEqual(Array.from(x.data, (v) => Math.fround(0.5 * v + 3)));
    }
  });

  it('scale 0: only the unconditional call', async () => {
    const calls: Call[] = [];
    await cfgDenoiser(fakeModel(calls), cond, uncond, 0, { batched: true })(x, 1);
    expect(calls.map((c) => c.contextFirst)).toEqual([[-1, -1]]);
  });

  it('doubles the concat channels with the batch (9-channel inpainting UNets)', async () => {
    const calls: Call[] = [];
    const concat = tensor([1, 5, 3, 3], () => 0);
    await cfgDenoiser(fakeModel(calls), cond, uncond, 3, { batched: true, concat })(x, 1);
    await cfgDenoiser(fakeModel(calls), cond, uncond, 3, { batched: false, concat })(x, 1);
    expect(calls.map((c) => c.concatBatch)).toEqual([4, 2, 2]);
  });

  it('cancellation between the two unbatched calls', async () => {
    const ac = new AbortController();
    const calls: Call[] = [];
    const inner = fakeModel(calls);
    const model = async (xx: F32Tensor, s: number, c: F32Tensor): Promise<F32Tensor> => {
      const out = await inner(xx, s, c);
      ac.abort();
      return out;
    };
    await expect(cfgDenoiser(model, cond, uncond, 5, { batched: false, signal: ac.signal })(x, 1)).rejects.toBeInstanceOf(CancelledError);
    expect(calls).toHaveLength(1);
  });

  it('rejects a non-finite scale and a mismatched conditioning batch', async () => {
    expect(() => cfgDenoiser(fakeModel([]), cond, uncond, Number.NaN, { batched: true })).toThrow(EngineError);
    const cond3 = tensor([3, 5, 8], () => 1);
    await expect(cfgDenoiser(fakeModel([]), cond3, null, 1, { batched: true })(x, 1)).rejects.toThrow(/conditioning has batch 3, expected 1 or 2/);
  });

  it('combineGuidance rounds once to float32', () => {
    const c = tensor([1, 1, 1, 1], () => 0.1);
    const u = tensor([1, 1, 1, 1], () => 0.3);
    expect(combineGuidance(c, u, 7).data[0]).toBe(Math.fround(Math.fround(0.3) + 7 * (Math.fround(0.1) - Math.fround(0.3))));
  });
});
