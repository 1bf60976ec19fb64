/**
 * The noise thread (runtime/noise-thread.ts): a real worker_threads Worker running noise-worker.ts under
 * tsx. Its draws must be the JavaScript thread's draws value for value, in the same order, however
 * prefetch and noise interleave; and it must really draw while this thread is blocked, as it is inside
 * onnxruntime-node's synchronous run.
 */
import path from 'node:path';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { imageNoise } from '../../../../src-main/engine/pipelines/sample.ts';
import { BrownianNoise, halfStepSigma } from '../../../../src-main/engine/runtime/brownian-tree.ts';
import { PATH_WORDS, PathSlots } from '../../../../src-main/engine/runtime/noise-paths.ts';
import { RING, RING_SLOTS, noiseWorkerBeside, threadNoise, waitWhile } from '../../../../src-main/engine/runtime/noise-thread.ts';
import type { NoiseMessage, NoiseRequest } from '../../../../src-main/engine/runtime/noise-thread.ts';
import { karrasSigmas } from '../../../../src-main/engine/schedules/index.ts';
import { Rng } from '../../../../src-main/engine/runtime/rng.ts';

/** what the same seeds give on this thread: initial, then every later draw, image by image */
function localDraws(seeds: number[], n: number, count: number): Float32Array[] {
  const rngs = seeds.map((s) => new Rng(s));
  return Array.from({ length: count }, () => {
    const out = new Float32Array(n * seeds.length);
    rngs.forEach((r, k) => out.set(r.randn(n), k * n));
    return out;
  });
}

/** blocks this thread for ms, as a synchronous ONNX Runtime run does */
function block(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** a noise worker of its own, spoken to through the raw protocol, with a run's port pair and control words */
function rawWorker(controlBytes: number): { w: Worker; port1: MessagePort; port2: MessagePort; control: SharedArrayBuffer } {
  const w = new Worker(noiseWorkerBeside(path.resolve('src-main', 'engine', 'runtime', 'noise-thread.ts')));
  const { port1, port2 } = new MessageChannel();
  return { w, port1, port2, control: new SharedArrayBuffer(controlBytes) };
}

describe('noise thread', () => {
  it('draws what this thread would, value for value, for a batch of seeds', () => {
    const seeds = [7, 123456789, 4294967295];
    const expected = localDraws(seeds, 4 * 8 * 8, 4);
    const stream = threadNoise(seeds, [4, 8, 8]);
    expect(stream).not.toBeNull();
    if (!stream) return;
    try {
      expect(stream.initial.dims).toEqual([3, 4, 8, 8]);
      expect(Array.from(stream.initial.data)).toEqual(Array.from(expected[0]));
      // taken one after another: the worker keeps them coming in order, unasked
      expect(Array.from(stream.noise(1, 0.5).data)).toEqual(Array.from(expected[1]));
      expect(Array.from(stream.noise(1, 0.5).data)).toEqual(Array.from(expected[2]));
      expect(Array.from(stream.noise(1, 0.5).data)).toEqual(Array.from(expected[3]));
    } finally {
      stream.close();
    }
  });

  it('keeps a draw as it is until the next one is taken, however long the model runs', () => {
    const expected = localDraws([3, 8], 4 * 8 * 8, 7);
    const stream = threadNoise([3, 8], [4, 8, 8]);
    if (!stream) throw new Error('no noise thread');
    try {
      for (let k = 1; k < 7; k++) {
        const draw = stream.noise(1, 0.5);
        // the worker fills the ring meanwhile: it must not write over the draw in use
        block(30);
        expect(Array.from(draw.data)).toEqual(Array.from(expected[k]));
        expect(draw.dims).toEqual([2, 4, 8, 8]);
      }
    } finally {
      stream.close();
    }
  });

  it('fills a Gaussian run\'s ring one draw ahead of the one released, and stops when closed', async () => {
    const { w, port1, port2, control } = rawWorker(16);
    const words = new Int32Array(control);
    const n = 4 * 4 * 4;
    const ring = new SharedArrayBuffer(RING_SLOTS * n * 4);
    const slot = (k: number): number[] => Array.from(new Float32Array(ring, 4 * k * n, n));
    const expected = localDraws([21], n, 4);
    /** the ring draws counted once they reach `target` (10 s at most), else what they are after 100 ms */
    const drawnReaching = (target: number, ms = 10_000): number => {
      const deadline = performance.now() + ms;
      while (Atomics.load(words, RING.drawn) < target && performance.now() < deadline) waitWhile(words, Atomics.load(words, RING.drawn), deadline - performance.now(), RING.drawn);
      return Atomics.load(words, RING.drawn);
    };
    try {
      w.postMessage({ kind: 'open', id: 1, seeds: [21], perImage: n, port: port2, control, ring } satisfies NoiseRequest, [port2]);
      w.postMessage({ kind: 'draw', id: 1 } satisfies NoiseRequest);
      // the initial noise as a message, then the ring's slots filled unasked, and no further
      expect(drawnReaching(RING_SLOTS)).toBe(RING_SLOTS);
      expect(Array.from(new Float32Array((receiveMessageOnPort(port1)?.message as NoiseMessage).buffer))).toEqual(Array.from(expected[0]));
      expect(slot(0)).toEqual(Array.from(expected[1]));
      expect(slot(1)).toEqual(Array.from(expected[2]));
      expect(drawnReaching(RING_SLOTS + 1, 100)).toBe(RING_SLOTS);
      // releasing the first ring draw frees its slot for the next: the worker finds the release unnotified
      Atomics.store(words, RING.released, 1);
      expect(drawnReaching(RING_SLOTS + 1)).toBe(RING_SLOTS + 1);
      expect(slot(0)).toEqual(Array.from(expected[3]));
      expect(slot(1)).toEqual(Array.from(expected[2]));
      // closed: a release draws nothing more
      Atomics.store(words, RING.closed, 1);
      Atomics.notify(words, RING.released);
      Atomics.store(words, RING.released, 5);
      Atomics.notify(words, RING.released);
      expect(drawnReaching(RING_SLOTS + 2, 100)).toBe(RING_SLOTS + 1);
    } finally {
      port1.close();
      await w.terminate();
    }
  });

  it('keeps runs apart: two open streams draw from their own generators', () => {
    const a = threadNoise([1], [4, 4, 4]);
    const b = threadNoise([2], [4, 4, 4]);
    expect(a && b).toBeTruthy();
    if (!a || !b) return;
    const [a0, a1] = localDraws([1], 64, 2);
    const [b0, b1] = localDraws([2], 64, 2);
    expect(Array.from(b.noise(1, 0.5).data)).toEqual(Array.from(b1));
    expect(Array.from(a.noise(1, 0.5).data)).toEqual(Array.from(a1));
    expect(Array.from(a.initial.data)).toEqual(Array.from(a0));
    expect(Array.from(b.initial.data)).toEqual(Array.from(b0));
    a.close();
    b.close();
  });

  it('draws while this thread is blocked: the next draw is ready when the block ends', () => {
    const shape: [number, number, number] = [4, 128, 128];
    const stream = threadNoise([5], shape);
    if (!stream) throw new Error('no noise thread');
    try {
      // on this thread one 4×128×128 draw takes milliseconds; measure it to size the block
      const rng = new Rng(9);
      const t0 = performance.now();
      rng.randn(4 * 128 * 128);
      const drawMs = performance.now() - t0;
      block(Math.max(50, drawMs * 10));
      const t1 = performance.now();
      stream.noise(1, 0.5);
      const takeMs = performance.now() - t1;
      // taking a finished draw is a copy: far less than drawing it
      expect(takeMs).toBeLessThan(drawMs);
    } finally {
      stream.close();
    }
  });

  it('imageNoise gives the same initial and later noise threaded or not', () => {
    const seeds = [42, 43];
    const plain = imageNoise(seeds, [4, 6, 6]);
    const threaded = imageNoise(seeds, [4, 6, 6], true);
    expect(Array.from(threaded.initial.data)).toEqual(Array.from(plain.initial.data));
    // the noise thread draws ahead on its own: there is nothing to ask it for
    expect(threaded.prefetch).toBeNull();
    for (let i = 0; i < 3; i++) {
      plain.prefetch?.();
      expect(Array.from(threaded.noise(1, 0.5).data)).toEqual(Array.from(plain.noise(1, 0.5).data));
    }
    threaded.close();
    plain.close();
  });

  it('finds its script beside the sources (under tsx) or beside a bundle, unpacked from app.asar', () => {
    const src = path.join('/x', 'src-main', 'engine', 'runtime', 'noise-thread.ts');
    expect(noiseWorkerBeside(src)).toBe(path.join('/x', 'src-main', 'engine', 'runtime', 'noise-worker-tsx.mjs'));
    expect(noiseWorkerBeside(path.join('/opt', 'Reverie', 'resources', 'app.asar', 'dist', 'main', 'engine-worker.cjs'))).toBe(
      path.join('/opt', 'Reverie', 'resources', 'app.asar.unpacked', 'dist', 'main', 'noise-worker.cjs'),
    );
  });

  it('waits for the flag, not for a wake-up: a late notify of the previous draw does not end the wait', async () => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    // another thread notifies after 100 ms without raising the flag (the previous draw's late notify, while
    // this thread already waits), then raises it 200 ms later
    const helper = new Worker(
      `const { workerData } = require('node:worker_threads');
       const f = new Int32Array(workerData);
       const pause = new Int32Array(new SharedArrayBuffer(4));
       Atomics.wait(pause, 0, 0, 100);
       Atomics.notify(f, 0);
       Atomics.wait(pause, 0, 0, 200);
       Atomics.store(f, 0, 1);
       Atomics.notify(f, 0);`,
      { eval: true, workerData: flag.buffer },
    );
    try {
      await new Promise((resolve) => helper.once('online', resolve));
      const t = performance.now();
      expect(waitWhile(flag, 0, 5_000)).toBe(true);
      expect(performance.now() - t).toBeGreaterThan(150); // past the stale notify (about 100 ms in)
      expect(Atomics.load(flag, 0)).toBe(1);
      expect(waitWhile(new Int32Array(new SharedArrayBuffer(4)), 0, 20)).toBe(false);
    } finally {
      await helper.terminate();
    }
  });

  it('draws Brownian increments ahead into tagged slots, answers the logged intervals in order, and draws one nobody foresaw', async () => {
    const { w, port1, port2, control } = rawWorker(16);
    const count = new Int32Array(control);
    const sigmas = Array.from(karrasSigmas(10, 0.03, 14.6));
    const spec = { sigmas, halfStep: 0.5 };
    const n = 64;
    const buffer = PathSlots.allocate(n);
    const paths = new PathSlots(buffer, n);
    const words = paths.words;
    /** the slot of a draw the worker has made (10 s at most, its start included), taken; -1 if it never came */
    const takeWithin = (sigma: number, sigmaNext: number, ms = 10_000): number => {
      const deadline = performance.now() + ms;
      for (;;) {
        const k = paths.take(sigma, sigmaNext);
        if (k >= 0 || performance.now() > deadline) return k;
        block(1);
      }
    };
    /** waits until the worker has answered `entries` logged intervals (10 s at most) */
    const answered = (entries: number, ms = 10_000): number => {
      const deadline = performance.now() + ms;
      while (Atomics.load(words, PATH_WORDS.processed) < entries && performance.now() < deadline) waitWhile(words, Atomics.load(words, PATH_WORDS.processed), deadline - performance.now(), PATH_WORDS.processed);
      return Atomics.load(words, PATH_WORDS.processed);
    };
    const values = (k: number): number[] => Array.from(paths.data[k]);
    // this thread's own BrownianNoise, asked as imageNoise asks it: a warm after the initial noise and after each draw
    const here = new BrownianNoise([4], n, spec);
    const drawHere = (sigma: number, sigmaNext: number): number[] => {
      const d = Array.from(here.draw(sigma, sigmaNext));
      here.warm();
      return d;
    };
    const half = (i: number): number => halfStepSigma(sigmas[i], sigmas[i + 1], 0.5);
    try {
      w.postMessage({ kind: 'open', id: 1, seeds: [4], perImage: n, port: port2, control, brownian: spec, paths: buffer } satisfies NoiseRequest, [port2]);
      w.postMessage({ kind: 'draw', id: 1 } satisfies NoiseRequest);
      // the initial noise as a message, then unasked the first step's half step and the step
      expect(waitWhile(count, 0, 10_000)).toBe(true);
      expect(Array.from(new Float32Array((receiveMessageOnPort(port1)?.message as NoiseMessage).buffer))).toEqual(Array.from(localDraws([4], n, 1)[0]));
      here.warm();
      const a = takeWithin(sigmas[0], half(0));
      expect(a).toBeGreaterThanOrEqual(0);
      expect(values(a)).toEqual(drawHere(sigmas[0], half(0)));
      const b = takeWithin(sigmas[0], sigmas[1]);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(values(b)).toEqual(drawHere(sigmas[0], sigmas[1]));
      // nothing logged yet: the next step is not drawn
      expect(takeWithin(sigmas[1], half(1), 50)).toBe(-1);
      // both logged (no notify): claimed, not drawn again, and the next step's two come unasked
      paths.release(a);
      paths.append(0, sigmas[0], half(0));
      paths.release(b);
      paths.append(1, sigmas[0], sigmas[1]);
      expect(answered(2)).toBe(2);
      const c = paths.take(sigmas[1], half(1));
      expect(c).toBeGreaterThanOrEqual(0);
      expect(values(c)).toEqual(drawHere(sigmas[1], half(1)));
      // an interval nobody foresaw is drawn when its entry is read, in the order this thread draws it
      paths.release(c);
      paths.append(2, sigmas[1], half(1));
      paths.append(3, sigmas[3], sigmas[5]);
      expect(answered(4)).toBe(4);
      const d = paths.take(sigmas[3], sigmas[5]);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(values(d)).toEqual(drawHere(sigmas[3], sigmas[5]));
      // slots run out only with draws nobody asked for (step 1's end, step 5's two): the oldest are drawn over,
      // and one of them asked for later is drawn anew
      paths.release(d);
      paths.append(4, sigmas[6], sigmas[7]);
      expect(answered(5)).toBe(5);
      const e = paths.take(sigmas[6], sigmas[7]);
      expect(values(e)).toEqual(drawHere(sigmas[6], sigmas[7]));
      expect(paths.take(sigmas[1], sigmas[2])).toBe(-1);
      paths.release(e);
      paths.append(5, sigmas[1], sigmas[2]);
      expect(answered(6)).toBe(6);
      expect(paths.take(sigmas[1], sigmas[2])).toBeGreaterThanOrEqual(0);
      // closed: a logged interval is no longer read
      Atomics.store(count, RING.closed, 1);
      Atomics.notify(words, PATH_WORDS.logged);
      paths.append(6, sigmas[7], half(7));
      expect(answered(7, 100)).toBe(6);
    } finally {
      port1.close();
      await w.terminate();
    }
  });
});
