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
 * both synchronous. The generators and the order of their draws are the ones the JavaScript thread would
 * use, so every value is the same.
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
 * A Brownian run's increments go through shared slots too (noise-paths.ts): the worker draws each step's
 * ahead into a slot tagged with its interval, the taker logs the interval it wants and takes the slot,
 * and the worker reads the log in order (at most PATHS_POLL_MS apart), which keeps the trees' queries in
 * the JavaScript thread's order. Only a draw that is not there yet (the worker behind, or an interval
 * nobody foresaw) costs a notify and a wait.
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
import { PATH_LOG, PATH_WORDS, PathSlots } from './noise-paths.ts';
import { workerScriptBeside } from './script-beside.ts';

/** the first draw includes the worker's start (tsx compiles the sources in development) */
const START_TIMEOUT_MS = 10_000;
/** a later draw takes milliseconds; this long means the worker is gone */
const DRAW_TIMEOUT_MS = 60_000;

/** A Gaussian run's ring: its slots (draw j in slot j mod RING_SLOTS, so one draw ahead of the one in use) */
export const RING_SLOTS = 2;
/** The control words (Int32) after the message count: ring draws written, ring draws released, closed. */
export const RING = { drawn: 1, released: 2, closed: 3 } as const;
/**
 * the longest the worker waits between looks for a release while its ring is full and the taker keeps
 * a GPU's pace (a UNet step ~20 ms; a slower taker is looked for at a quarter of its pace, noise-worker.ts Looks)
 */
export const RING_POLL_MS = 16;
/**
 * the longest the worker waits between looks at a Brownian run's log while the taker keeps a GPU's
 * pace (a slower one at a quarter of its pace). After the claim of a step's last
 * draw it warms the next step, whose first draw is wanted one model call later (~20 ms on a GPU): a look
 * at most 8 ms late and the step's two increments (DPM++ SDE's half step and the step: 1.9 ms on
 * 4×64×64, 5.8 ms on 4×128×128 on a 2-core VM) leave room.
 */
export const PATHS_POLL_MS = 8;

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
      /** a Brownian run's increments and log (noise-paths.ts PathSlots, seeds × perImage floats a draw) */
      readonly paths?: SharedArrayBuffer;
      /** a Gaussian run's later draws: RING_SLOTS × seeds × perImage float32 */
      readonly ring?: SharedArrayBuffer;
    }
  /** the initial draw (later ones go through the ring or the paths' slots) */
  | { readonly kind: 'draw'; readonly id: number }
  | { readonly kind: 'close'; readonly id: number };

/** What the worker sends on a run's port: the initial draw. */
export interface NoiseMessage {
  readonly buffer: ArrayBuffer;
}

/** A Brownian interval as a map key (a number's string form round-trips exactly). */
export function intervalKey(sigma: number, sigmaNext: number): string {
  return `${sigma} ${sigmaNext}`;
}

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
 * schedule: after each logged interval the worker draws the next step's increments (and DPM++ SDE's half
 * step) into the paths' slots while the model runs, so `noise` finds them there, and a draw nobody
 * foresaw is drawn when the worker reads its interval. Without it, the draws after the initial one come
 * through the run's ring.
 */
export function threadNoise(seeds: readonly number[], shape: readonly [number, number, number], brownian?: BrownianSpec): NoiseStream | null {
  const w = noiseWorker();
  if (!w) return null;
  const [c, h, wd] = shape;
  const perImage = c * h * wd;
  const total = seeds.length * perImage;
  const dims = [seeds.length, c, h, wd];
  // the control word counts the draws the worker has sent; `read` counts those taken from the port
  const control = new SharedArrayBuffer(16);
  const flag = new Int32Array(control);
  const ring = brownian ? undefined : new SharedArrayBuffer(RING_SLOTS * total * 4);
  const pathsBuffer = brownian ? PathSlots.allocate(total) : undefined;
  let read = 0;
  // the worker sends the initial draw as a fresh ArrayBuffer, transferred (no copy)
  const { port1: drawn, port2 } = new MessageChannel();
  drawn.unref();
  const id = nextId++;
  const post = (msg: NoiseRequest, transfer: Transferable[] = []): void => w.postMessage(msg, transfer);
  const spec = brownian ? { brownian: { ...brownian, sigmas: [...brownian.sigmas] }, paths: pathsBuffer } : {};
  post({ kind: 'open', id, seeds: [...seeds], perImage, port: port2, control, ...spec, ...(ring ? { ring } : {}) }, [port2]);
  /** the initial draw, or null when the worker did not send it within timeoutMs */
  const take = (timeoutMs: number): F32Tensor | null => {
    post({ kind: 'draw', id });
    if (!waitWhile(flag, read, timeoutMs)) return null;
    // the worker posts the buffer before it counts it, so it is in the port's queue now
    const got = receiveMessageOnPort(drawn);
    if (!got) return null;
    read++;
    const { buffer } = got.message as NoiseMessage;
    return buffer instanceof ArrayBuffer ? { dtype: 'float32', dims: [...dims], data: new Float32Array(buffer) } : null;
  };
  /** views of shared slots as tensors, made once */
  const asTensors = (views: readonly Float32Array[]): F32Tensor[] => views.map((data) => ({ dtype: 'float32', dims: [...dims], data }));
  const paths = pathsBuffer ? new PathSlots(pathsBuffer, total) : undefined;
  const pathTensors = paths ? asTensors(paths.data) : [];
  let logged = 0;
  let held = -1;
  /** the Brownian increment over (sigma, sigmaNext): logs it, releases the draw before, takes its slot */
  const increment = (p: PathSlots, sigma: number, sigmaNext: number): F32Tensor | null => {
    const deadline = performance.now() + DRAW_TIMEOUT_MS;
    const words = p.words;
    // the log's entry logged − PATH_LOG must have been read before it is written over
    while (logged - Atomics.load(words, PATH_WORDS.processed) >= PATH_LOG) {
      Atomics.notify(words, PATH_WORDS.logged);
      if (!waitWhile(words, Atomics.load(words, PATH_WORDS.processed), deadline - performance.now(), PATH_WORDS.processed)) return null;
    }
    // the sampler is done with the draw before (a draw is valid until the next call): its slot is free for the worker
    if (held >= 0) p.release(held);
    held = -1;
    p.append(logged++, sigma, sigmaNext);
    for (;;) {
      const done = Atomics.load(words, PATH_WORDS.processed);
      const k = p.take(sigma, sigmaNext);
      if (k >= 0) {
        held = k;
        return pathTensors[k];
      }
      // read and answered, and no slot: the worker is gone or broken
      if (done >= logged) return null;
      // the worker is behind or this interval was not foreseen: wake it, and wait for it to answer an entry
      Atomics.notify(words, PATH_WORDS.logged);
      if (!waitWhile(words, done, deadline - performance.now(), PATH_WORDS.processed)) return null;
    }
  };
  const slots = ring ? asTensors(Array.from({ length: RING_SLOTS }, (_, k) => new Float32Array(ring, 4 * k * total, total))) : [];
  let taken = 0;
  /** the next ring draw: waits until the worker has counted it, releases the one before, returns its slot */
  const fromRing = (): F32Tensor | null => {
    if (!waitWhile(flag, taken, DRAW_TIMEOUT_MS, RING.drawn)) return null;
    // no notify: the worker looks for releases (noise-worker.ts fillRing)
    Atomics.store(flag, RING.released, taken);
    return slots[taken++ % RING_SLOTS];
  };
  const close = (): void => {
    // stops the worker's filling or log reading (the notify ends a look in progress; one about to begin
    // ends within its poll), then frees the run's generators
    Atomics.store(flag, RING.closed, 1);
    Atomics.notify(flag, RING.released);
    if (paths) Atomics.notify(paths.words, PATH_WORDS.logged);
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
    const next = paths ? increment(paths, sigma, sigmaNext) : fromRing();
    if (!next) throw new EngineError('RUNTIME', `the noise thread did not answer within ${DRAW_TIMEOUT_MS / 1000} s; try the job again`);
    return next;
  };
  // nothing to ask for ahead: the worker keeps the ring full, and draws a Brownian step's noise ahead from its log
  return { initial, noise, close };
}
