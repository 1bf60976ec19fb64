/**
 * A stochastic sampler's noise, drawn on a second thread while the model runs.
 *
 * onnxruntime-node runs a session synchronously on the JavaScript thread (its `run` is a setImmediate
 * around the native call), so noise drawn "while the model runs" on that thread is really drawn before
 * or after it: the torch-compatible randn of a 4×64×64 latent costs 1–2 ms there, 5–15 % of a GPU UNet
 * step. Here the per-image generators live in a worker (noise-worker.ts): `prefetch` asks it for the next
 * draw, which it makes while the JavaScript thread sits in ONNX Runtime and sends over a MessagePort as a
 * transferred ArrayBuffer, raising a shared flag; `noise` waits on the flag (Atomics.wait returns at once
 * when it is up) and takes the buffer with receiveMessageOnPort, both synchronous. The generators and the order of their
 * draws are the ones the JavaScript thread would use, so every value is the same.
 *
 * One worker per process, started on the first stochastic run and unref'd. When it cannot start (or
 * does not answer the first draw within START_TIMEOUT_MS), `threadNoise` returns null and the caller
 * draws on its own thread, from the same seeds: nothing was taken from the generators yet.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort, Transferable } from 'node:worker_threads';
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';
import type { BrownianSpec } from './brownian-tree.ts';
import { scriptBeside } from './script-beside.ts';

/** control word: the worker has written the requested draw */
export const READY = 1;
const WAITING = 0;
/** the first draw includes the worker's start (tsx compiles the sources in development) */
const START_TIMEOUT_MS = 10_000;
/** a later draw takes milliseconds; this long means the worker is gone */
const DRAW_TIMEOUT_MS = 60_000;

export type NoiseRequest =
  | { readonly kind: 'open'; readonly id: number; readonly seeds: readonly number[]; readonly perImage: number; readonly port: MessagePort; readonly control: SharedArrayBuffer; readonly brownian?: BrownianSpec }
  /** the next Gaussian draw, or with `interval` the Brownian increment over it */
  | { readonly kind: 'draw'; readonly id: number; readonly interval?: readonly [number, number] }
  | { readonly kind: 'close'; readonly id: number };

export interface NoiseStream {
  /** the first draw: [B, C, h, w] */
  readonly initial: F32Tensor;
  /** the next draw (waits for the worker if it is still drawing, asks for it if nobody did); a Brownian stream's increment over (sigma, sigmaNext) */
  readonly noise: (sigma: number, sigmaNext: number) => F32Tensor;
  /** asks the worker for the next draw now (a no-op while one is asked for) */
  readonly prefetch: () => void;
  /** frees the worker's generators of this run */
  readonly close: () => void;
}

/**
 * Blocks while flag[0] holds `waiting`, up to timeoutMs; false when it still does then. It waits for the
 * value, not for a wake-up: the worker stores READY and then notifies, so the notify of the previous draw
 * (taken as soon as its READY was seen) can land in the next wait, with nothing ready yet.
 */
export function waitWhile(flag: Int32Array, waiting: number, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs;
  while (Atomics.load(flag, 0) === waiting) {
    const left = deadline - performance.now();
    if (left <= 0 || Atomics.wait(flag, 0, waiting, left) === 'timed-out') return false;
  }
  return true;
}

/** undefined: not started yet; null: it failed, draw on the JavaScript thread */
let worker: Worker | null | undefined;
let nextId = 1;

/** The worker script for this build: noise-worker.cjs beside a bundle, noise-worker-tsx.mjs (tsx, then noise-worker.ts) beside the sources. */
export function noiseWorkerBeside(moduleFile: string): string {
  // inside a packaged app the bundle is in app.asar, the worker script unpacked beside it (electron-builder.yml)
  const unpacked = moduleFile.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
  return scriptBeside(unpacked, 'noise-worker.cjs', 'noise-worker-tsx.mjs');
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
 * With `brownian` the steps' noise is Brownian-tree increments (brownian-tree.ts): the worker cannot draw
 * those before it knows the step's sigmas, so `prefetch` does nothing and `noise` asks and waits; the
 * worker builds the next step's point of the path right after answering, while the model runs.
 */
export function threadNoise(seeds: readonly number[], shape: readonly [number, number, number], brownian?: BrownianSpec): NoiseStream | null {
  const w = noiseWorker();
  if (!w) return null;
  const [c, h, wd] = shape;
  const perImage = c * h * wd;
  const dims = [seeds.length, c, h, wd];
  const control = new SharedArrayBuffer(4);
  const flag = new Int32Array(control);
  // the worker sends each draw as a fresh ArrayBuffer, transferred (no copy): the new array's page faults
  // (0.24–0.7 ms per 256 KiB on a VM) happen on its thread, beside the model, not on this one
  const { port1: drawn, port2 } = new MessageChannel();
  drawn.unref();
  const id = nextId++;
  const post = (msg: NoiseRequest, transfer: Transferable[] = []): void => w.postMessage(msg, transfer);
  post({ kind: 'open', id, seeds: [...seeds], perImage, port: port2, control, ...(brownian ? { brownian: { ...brownian, sigmas: [...brownian.sigmas] } } : {}) }, [port2]);
  let asked = false;
  const ask = (interval?: readonly [number, number]): void => {
    if (asked) return;
    Atomics.store(flag, 0, WAITING);
    post(interval ? { kind: 'draw', id, interval } : { kind: 'draw', id });
    asked = true;
  };
  /** the next draw, or null when the worker did not send it within timeoutMs */
  const take = (timeoutMs: number, interval?: readonly [number, number]): F32Tensor | null => {
    ask(interval);
    if (!waitWhile(flag, WAITING, timeoutMs)) return null;
    // the worker posts the buffer before it sets the flag, so it is in the port's queue now
    const got = receiveMessageOnPort(drawn);
    if (!got || !(got.message instanceof ArrayBuffer)) return null;
    asked = false;
    return { dtype: 'float32', dims: [...dims], data: new Float32Array(got.message) };
  };
  const close = (): void => {
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
    const next = take(DRAW_TIMEOUT_MS, brownian ? [sigma, sigmaNext] : undefined);
    if (!next) throw new EngineError('RUNTIME', `the noise thread did not answer within ${DRAW_TIMEOUT_MS / 1000} s; try the job again`);
    return next;
  };
  // a Brownian step's noise depends on its sigmas: nothing to ask for ahead
  const prefetch = brownian ? () => undefined : () => ask();
  return { initial, noise, prefetch, close };
}
