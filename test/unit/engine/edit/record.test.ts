import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { StepRecorder, deserializeRecording, serializeRecording } from '../../../../src-main/engine/pipelines/record.ts';
import type { Recording } from '../../../../src-main/engine/pipelines/record.ts';
import { previewStream, throttleLatest } from '../../../../src-main/engine/pipelines/preview.ts';
import { Rng } from '../../../../src-main/engine/runtime/rng.ts';
import { euler } from '../../../../src-main/engine/samplers/euler.ts';
import type { F32Tensor } from '../../../../src-main/engine/types.ts';

const DIMS = [2, 4, 3, 5];

/** A real recording: Euler on the exact Gaussian denoiser D = x·v/(v + σ²), recorded by a StepRecorder. */
async function recorded(): Promise<Recording> {
  const n = DIMS.reduce((a, b) => a * b, 1);
  const sigmas = Float64Array.of(10, 4, 1.5, 0.5, 0);
  const x: F32Tensor = { dtype: 'float32', dims: DIMS, data: new Rng(1).randn(n).map((v) => v * 10) };
  const rec = new StepRecorder((s) => 100 * Math.log(s));
  const denoise = (t: F32Tensor, s: number): Promise<F32Tensor> => Promise.resolve({ ...t, data: t.data.map((v) => (v * 0.25) / (0.25 + s * s)) });
  const final = await euler(denoise, x, sigmas, { noise: () => x, onStep: rec.onStep });
  return rec.recording(sigmas, final, { sampler: 'euler', seeds: [1, 2], ok: true });
}

describe('recordings', () => {
  it('a StepRecorder keeps i, sigma, t, x_t and x̂₀ of every step', async () => {
    const rec = await recorded();
    expect(rec.steps.map((s) => s.i)).toEqual([0, 1, 2, 3]);
    expect(rec.steps.map((s) => s.sigma)).toEqual([10, 4, 1.5, 0.5]);
    expect(rec.steps[1].t).toBeCloseTo(100 * Math.log(4), 12);
    expect(rec.steps[0].x.dims).toEqual(DIMS);
    expect(rec.dims).toEqual(DIMS);
  });

  it('keeps the x of every step although the sampler updates x in place', async () => {
    const rec = await recorded();
    const sigmas = [10, 4, 1.5, 0.5, 0];
    for (let i = 0; i + 1 < rec.steps.length; i++) {
      const { x, denoised } = rec.steps[i];
      // Euler: x' = x + (x − x̂₀)/σ·(σ' − σ), each op rounded to float32 as the sampler does
      const d = x.data.map((v, k) => v / sigmas[i] - denoised.data[k] / sigmas[i]);
      const next = x.data.map((v, k) => v + d[k] * (sigmas[i + 1] - sigmas[i]));
      expect(Array.from(rec.steps[i + 1].x.data)).toEqual(Array.from(next));
      expect(rec.steps[i + 1].x.data).not.toBe(x.data);
    }
  });

  it('float32 serialisation round-trips exactly', async () => {
    const rec = await recorded();
    const bytes = serializeRecording(rec);
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('RVRECORD');
    const back = deserializeRecording(bytes);
    expect(back.dims).toEqual(rec.dims);
    expect(back.sigmas).toEqual(rec.sigmas);
    expect(back.meta).toEqual(rec.meta);
    expect(back.steps.map(({ i, sigma, sigmaHat, t }) => ({ i, sigma, sigmaHat, t }))).toEqual(rec.steps.map(({ i, sigma, sigmaHat, t }) => ({ i, sigma, sigmaHat, t })));
    for (const [k, s] of rec.steps.entries()) {
      expect(Array.from(back.steps[k].x.data)).toEqual(Array.from(s.x.data));
      expect(Array.from(back.steps[k].denoised.data)).toEqual(Array.from(s.denoised.data));
    }
    expect(Array.from(back.final?.data ?? [])).toEqual(Array.from(rec.final?.data ?? []));
  });

  it('float16 halves the payload and keeps values to fp16 precision', async () => {
    const rec = await recorded();
    const full = serializeRecording(rec);
    const half = serializeRecording(rec, 'float16');
    const tensors = rec.steps.length * 2 + 1;
    const n = DIMS.reduce((a, b) => a * b, 1);
    expect(full.length - half.length).toBeGreaterThanOrEqual(tensors * n * 2 - 8);
    const back = deserializeRecording(half);
    for (const [k, s] of rec.steps.entries()) {
      s.x.data.forEach((v, i) => expect(Math.abs(back.steps[k].x.data[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 1e-7));
    }
  });

  it('refuses what it did not write, with the reason', async () => {
    const bytes = serializeRecording(await recorded());
    expect(() => deserializeRecording(new Uint8Array(20))).toThrow('not a Reverie recording: the file does not start with "RVRECORD"');
    expect(() => deserializeRecording(bytes.subarray(0, bytes.length - 4))).toThrow(/expected \d+ bytes for 9 tensors of \[2, 4, 3, 5\], got/);
    const v2 = Uint8Array.from(bytes);
    new DataView(v2.buffer).setUint32(8, 2, true);
    expect(() => deserializeRecording(v2)).toThrow('format version 2; this build reads version 1');
  });
});

describe('throttleLatest', () => {
  it('emits the first value at once, at most N per second, and always the last one', () => {
    vi.useFakeTimers();
    try {
      const seen: number[] = [];
      const t = throttleLatest((v: number) => seen.push(v), 4); // every 250 ms
      t.push(1);
      expect(seen).toEqual([1]);
      t.push(2);
      t.push(3);
      vi.advanceTimersByTime(100);
      expect(seen).toEqual([1]);
      vi.advanceTimersByTime(150);
      expect(seen).toEqual([1, 3]); // 2 was replaced by the later 3
      for (let k = 4; k <= 40; k++) {
        t.push(k);
        vi.advanceTimersByTime(10); // 37 pushes over 370 ms
      }
      expect(seen.length).toBeLessThanOrEqual(2 + 2);
      t.flush();
      expect(seen[seen.length - 1]).toBe(40);
      const count = seen.length;
      vi.advanceTimersByTime(1000);
      expect(seen.length).toBe(count); // nothing pending after a flush
      t.push(41);
      t.push(42);
      t.cancel();
      vi.advanceTimersByTime(1000);
      expect(seen.includes(42)).toBe(false);
      expect(() => throttleLatest(() => undefined, 0)).toThrow('preview rate must be more than 0 per second, got 0');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('previewStream', () => {
  it('renders only the steps the throttle lets out, always the last one, as latent-size PNGs in order', async () => {
    const rec = await recorded();
    let now = 0;
    const timers: (() => void)[] = [];
    const clock = { now: () => now, setTimeout: (fn: () => void) => timers.push(fn), clearTimeout: () => undefined };
    const got: { i: number; sigma: number; png: Buffer }[] = [];
    const factors = { weights: [[0.3, 0.1, 0], [0.1, 0.3, 0.1], [0, 0.1, 0.3], [0.1, 0, 0.1]], bias: [0, 0, 0] };
    const stream = previewStream(factors, 2, (p) => got.push(p), { clock });
    for (const s of rec.steps) {
      stream.onStep({ i: s.i, sigma: s.sigma, sigmaHat: s.sigmaHat, x: s.x, denoised: s.denoised });
      now += 100; // 4 steps within 400 ms at 2 per second: the first goes at once, the rest wait
    }
    stream.flush();
    await stream.idle();
    expect(got.map((p) => p.i)).toEqual([0, 3]);
    const meta = await sharp(got[1].png).metadata();
    expect([meta.width, meta.height]).toEqual([5, 3]);
    const failing = previewStream(factors, 2, () => {
      throw new Error('window closed');
    }, { clock });
    failing.onStep({ i: 0, sigma: 1, sigmaHat: 1, x: rec.steps[0].x, denoised: rec.steps[0].denoised });
    await expect(failing.idle()).rejects.toThrow('window closed');
    expect(timers.length).toBeGreaterThan(0);
  });
});
