/**
 * A stochastic sampler's noise, drawn on a second thread while the model runs.
 *
 * onnxruntime-node runs a session synchronously on the JavaScript thread (its `run` is a setImmediate
 * around the native call), so noise drawn "while the model runs" on that thread is really drawn before
 * or after it: the torch-compatible randn of a 4×64×64 latent costs 1–2 ms there, 5–15 % of a GPU UNet
 * step. Here the per-image generators live in a worker (noise-worker.ts), which makes the draws while the
 * JavaScript thread sits in ONNX Runtime. The initial draw is asked for and sent over a MessagePort as a
 * transferred ArrayBuffer, counted on a shared control word; the taker waits on that count
 * (Atomics.wait returns at once when a draw is there) and takes the buffer with receiveMessageOnPort,
 * both synchronous. Brownian-tree noise is sent on as soon as the worker has drawn it ahead, tagged with
 * its interval, so taking it needs no round trip to the worker. The generators and the order of their
 * draws are the ones the JavaScript thread would use, so every value is the same.
 *
 * A Gaussian run's draws after the initial one need no message at all: they go through a ring of
 * RING_SLOTS buffers in shared memory. The worker writes draw j into slot j mod RING_SLOTS as soon as the
 * JavaScript thread has released draw j − RING_SLOTS and counts it; `noise` waits for the count, releases
 * the draw before (the sampler is done with it) and returns the slot as it is. Right after a 20 ms wait, a
 * take through the port cost ~55 µs and asking for the next draw ~30 µs on a 2-core VM; a take from the
 * ring is a few loads and a store (the worker looks for releases, at most RING_POLL_MS apart: notifying
 * it cost ~20 µs a take). So `noise`'s tensor is valid until the next `noise` call, as every
 * sampler uses it (types.ts NoiseSampler).
 *
 * One worker per process, started on the first stochastic run and unref'd. When it cannot start (or
 * does not answer the first draw within START_TIMEOUT_MS), `threadNoise` returns null and the caller
 * draws on its own thread, from the same seeds: nothing was taken from the generators yet.
 */
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort, Transferable } from 'node:worker_threads';
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';
import type { BrownianSpec } from './brownian-tree.ts';
import { workerScriptBeside } from './script-beside.ts';

/** the first draw includes the worker's start (tsx compiles the sources in development) */
const START_TIMEOUT_MS = 10_000;
/** a later draw takes milliseconds; this long means the worker is gone */
const DRAW_TIMEOUT_MS = 60_000;

/** A Gaussian run's ring: its slots (draw j in slot j mod RING_SLOTS, so one draw ahead of the one in use) */
export const RING_SLOTS = 2;
/** The control words (Int32) after the message count: ring draws written, ring draws released, closed. */
export const RING = { drawn: 1, released: 2, closed: 3 } as const;
/** the longest the worker waits between looks for a release while its ring is full (a GPU UNet step is ~20 ms) */
export const RING_POLL_MS = 16;

export type NoiseRequest =
  | {
      readonly kind: 'open';
      readonly id: number;
      readonly seeds: readonly number[];
      readonly perImage: number;
      readonly port: MessagePort;
      /** Int32 words: [0] draws sent on the port, then RING's */
      readonly control: SharedArrayBuffer;
      readonly brownian?: BrownianSpec;
      /** a Gaussian run's later draws: RING_SLOTS × seeds × perImage float32 */
      readonly ring?: SharedArrayBuffer;
    }
  /** the next Gaussian draw, or with `interval` the Brownian increment over it */
  | { readonly kind: 'draw'; readonly id: number; readonly interval?: readonly [number, number] }
  | { readonly kind: 'close'; readonly id: number };

/** What the worker sends on a run's port: a draw, with its interval when it is a Brownian increment. */
export interface NoiseMessage {
  readonly buffer: ArrayBuffer;
  readonly interval?: readonly [number, number];
}

/** A Brownian interval as a map key (a number's string form round-trips exactly). */
export function intervalKey(sigma: number, sigmaNext: number): string {
  return `${sigma} ${sigmaNext}`;
}

/** Brownian draws the JavaScript thread keeps that it has not asked for yet: the two foreseen ones, with room for a stray */
const KEPT_AHEAD = 4;

export interface NoiseStream {
  /** the first draw: [B, C, h, w] */
  readonly initial: F32Tensor;
  /** the next draw, valid until the next call (waits for the worker if it is still drawing); a Brownian stream's increment over (sigma, sigmaNext) */
  readonly noise: (sigma: number, sigmaNext: number) => F32Tensor;
  /** frees the worker's generators of this run */
  readonly close: () => void;
}

/**
 * Blocks while flag[index] holds `waiting`, up to timeoutMs; false when it still does then. It waits for the
 * value, not for a wake-up: the worker counts a draw and then notifies, so the notify of an earlier draw
 * (taken as soon as its count was seen) can land in a later wait, with nothing new sent yet.
 */
export function waitWhile(flag: Int32Array, waiting: number, timeoutMs: number, index = 0): boolean {
  if (Atomics.load(flag, index) !== waiting) return true;
  const deadline = performance.now() + timeoutMs;
  while (Atomics.load(flag, index) === waiting) {
    const left = deadline - performance.now();
    if (left <= 0 || Atomics.wait(flag, index, waiting, left) === 'timed-out') return false;
  }
  return true;
}

/** undefined: not started yet; null: it failed, draw on the JavaScript thread */
let worker: Worker | null | undefined;
let nextId = 1;

/** The worker script for this build: noise-worker.cjs beside a bundle, noise-worker-tsx.mjs (tsx, then noise-worker.ts) beside the sources. */
export function noiseWorkerBeside(moduleFile: string): string {
  return workerScriptBeside(moduleFile, 'noise-worker.cjs', 'noise-worker-tsx.mjs');
}

function noiseWorker(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    const w = new Worker(noiseWorkerBeside(fileURLToPath(import.meta.url)));
    w.unref();
    const gone = (): void => {
      if (worker === w) worker = null;
    };
    w.on('error', gone);
    w.on('exit', gone);
    worker = w;
  } catch {
    worker = null;
  }
  return worker;
}

/**
 * Per-image noise drawn on the worker, or null when there is no worker (draw on this thread instead).
 * With `brownian` the steps' noise is Brownian-tree increments (brownian-tree.ts), foreseen from the
 * schedule: right after each request the worker draws the next step's increments (and DPM++ SDE's half
 * step) while the model runs and sends them on, so `noise` finds them here, and a draw nobody foresaw is
 * asked for and awaited. Without it, the draws after the initial one come through the run's ring.
 */
export function threadNoise(seeds: readonly number[], shape: readonly [number, number, number], brownian?: BrownianSpec): NoiseStream | null {
  const w = noiseWorker();
  if (!w) return null;
  const [c, h, wd] = shape;
  const perImage = c * h * wd;
  const dims = [seeds.length, c, h, wd];
  // the control word counts the draws the worker has sent; `read` counts those taken from the port
  const control = new SharedArrayBuffer(16);
  const flag = new Int32Array(control);
  const ring = brownian ? undefined : new SharedArrayBuffer(RING_SLOTS * seeds.length * perImage * 4);
  let read = 0;
  // the worker sends each draw as a fresh ArrayBuffer, transferred (no copy): the new array's page faults
  // (0.24–0.7 ms per 256 KiB on a VM) happen on its thread, beside the model, not on this one
  const { port1: drawn, port2 } = new MessageChannel();
  drawn.unref();
  const id = nextId++;
  const post = (msg: NoiseRequest, transfer: Transferable[] = []): void => w.postMessage(msg, transfer);
  post({ kind: 'open', id, seeds: [...seeds], perImage, port: port2, control, ...(brownian ? { brownian: { ...brownian, sigmas: [...brownian.sigmas] } } : {}), ...(ring ? { ring } : {}) }, [port2]);
  const tensor = (buffer: ArrayBuffer): F32Tensor => ({ dtype: 'float32', dims: [...dims], data: new Float32Array(buffer) });
  /** the next message on the port, waiting up to timeoutMs for the worker to send one; null when it sent none */
  const receive = (timeoutMs: number): NoiseMessage | null => {
    if (!waitWhile(flag, read, timeoutMs)) return null;
    // the worker posts the buffer before it counts it, so it is in the port's queue now
    const got = receiveMessageOnPort(drawn);
    if (!got) return null;
    read++;
    const message = got.message as NoiseMessage;
    return message.buffer instanceof ArrayBuffer ? message : null;
  };
  /** the initial draw, or null when the worker did not send it within timeoutMs */
  const take = (timeoutMs: number): F32Tensor | null => {
    post({ kind: 'draw', id });
    const got = receive(timeoutMs);
    return got ? tensor(got.buffer) : null;
  };
  // Brownian increments the worker sent ahead, oldest first
  const kept: { readonly key: string; readonly buffer: ArrayBuffer }[] = [];
  /** the Brownian increment over (sigma, sigmaNext): sent ahead already, or asked for and awaited */
  const increment = (sigma: number, sigmaNext: number): F32Tensor | null => {
    // the request is the claim of a draw sent ahead, or asks for one that was not foreseen; either way the
    // worker then draws the next step's ahead while this thread runs the model
    post({ kind: 'draw', id, interval: [sigma, sigmaNext] });
    const key = intervalKey(sigma, sigmaNext);
    const deadline = performance.now() + DRAW_TIMEOUT_MS;
    for (;;) {
      const k = kept.findIndex((e) => e.key === key);
      if (k >= 0) return tensor(kept.splice(k, 1)[0].buffer);
      const got = receive(Math.max(0, deadline - performance.now()));
      if (!got) return null;
      if (got.interval) kept.push({ key: intervalKey(got.interval[0], got.interval[1]), buffer: got.buffer });
      if (kept.length > KEPT_AHEAD) kept.shift();
    }
  };
  // the ring's slots as tensors, made once
  const slots: F32Tensor[] = ring ? Array.from({ length: RING_SLOTS }, (_, k) => ({ dtype: 'float32', dims: [...dims], data: new Float32Array(ring, 4 * k * seeds.length * perImage, seeds.length * perImage) })) : [];
  let taken = 0;
  /** the next ring draw: waits until the worker has counted it, releases the one before, returns its slot */
  const fromRing = (): F32Tensor | null => {
    if (!waitWhile(flag, taken, DRAW_TIMEOUT_MS, RING.drawn)) return null;
    // no notify: the worker looks for releases (noise-worker.ts fillRing)
    Atomics.store(flag, RING.released, taken);
    return slots[taken++ % RING_SLOTS];
  };
  const close = (): void => {
    // stops the ring's filling (the notify ends a look in progress; one about to begin ends within
    // RING_POLL_MS), then frees the run's generators
    Atomics.store(flag, RING.closed, 1);
    Atomics.notify(flag, RING.released);
    post({ kind: 'close', id });
    drawn.close();
  };
  const initial = take(START_TIMEOUT_MS);
  if (!initial) {
    // the worker did not start: forget it, and let the caller draw from the untouched seeds
    close();
    if (worker === w) worker = null;
    void w.terminate();
    return null;
  }
  const noise = (sigma: number, sigmaNext: number): F32Tensor => {
    const next = brownian ? increment(sigma, sigmaNext) : fromRing();
    if (!next) throw new EngineError('RUNTIME', `the noise thread did not answer within ${DRAW_TIMEOUT_MS / 1000} s; try the job again`);
    return next;
  };
  // nothing to ask for ahead: the worker keeps the ring full, and a Brownian step's noise depends on its sigmas
  return { initial, noise, close };
}
