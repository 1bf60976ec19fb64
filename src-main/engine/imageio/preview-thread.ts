/**
 * The live previews' rendering, off the JavaScript thread: one batch item's latents → linear RGB8 →
 * PNG on a helper thread (preview-worker.ts), so a preview costs the sampler loop a copy of the item
 * and a message instead of the rendering. Measured on a 2-core VM: the RGB pass took 0.3 ms on 4×64×64
 * and 1.2–1.7 ms on 4×128×128, sharp's synchronous part of a PNG encode 0.5–1.2 ms, all of it between
 * two UNet calls, where on a GPU every millisecond is a millisecond more per step.
 *
 * One worker per process, started on the first preview and unref'd while no preview waits for it; it
 * runs below the JavaScript thread's priority (runtime/thread-priority.ts), as the noise thread does.
 * The bytes are those of encodePng(latentItemPreviewRgb8(...)) on this thread, which stays the path
 * when the worker cannot start, and redoes a request the worker dropped (it failed or exited).
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { workerScriptBeside } from '../runtime/script-beside.ts';
import type { F32Tensor } from '../types.ts';
import { latentItemPreviewRgb8, previewItem } from './convert.ts';
import type { LatentRgbFactors } from './convert.ts';
import { encodePng } from './png.ts';

/** What the worker renders: one item's latents [1, C, H, W] (a copy in a shared buffer) and c_in's scale. */
export interface PreviewRequest {
  readonly id: number;
  readonly dims: readonly [number, number, number, number];
  readonly data: Float32Array;
  readonly factors: LatentRgbFactors;
  readonly scale: number;
}

/** A request's PNG, rendered on the calling thread: what the worker does, and what this thread does without it. */
export function renderRequest(r: Pick<PreviewRequest, 'dims' | 'data' | 'factors' | 'scale'>): Promise<Buffer> {
  return encodePng(latentItemPreviewRgb8({ dtype: 'float32', dims: [...r.dims], data: r.data }, r.factors, 0, r.scale));
}

/** The worker's answer: the PNG's bytes (transferred), or why it could not render. */
export type PreviewReply = { readonly id: number; readonly png: ArrayBuffer } | { readonly id: number; readonly error: string };

interface Pending {
  readonly resolve: (png: Buffer) => void;
  readonly reject: (error: unknown) => void;
  /** the request's copy of the item, shared with the worker; back to the pool once settled */
  readonly slot: Float32Array;
  /** renders the request here instead (the worker dropped it) */
  readonly here: () => Promise<Buffer>;
}

/**
 * Shared buffers for the items' copies, reused: on a 2-core VM a postMessage that clones 4×128×128 floats
 * took 0.46–0.72 ms, a fresh copy's page faults ~0.1 ms; copying into a warm shared buffer and posting it
 * takes 0.14 ms. Previews are a few a second, so one buffer per latent size is the rule.
 */
const freeSlots: Float32Array[] = [];
const KEPT_SLOTS = 4;

function slotFor(n: number): Float32Array {
  const k = freeSlots.findIndex((s) => s.length === n);
  return k >= 0 ? freeSlots.splice(k, 1)[0] : new Float32Array(new SharedArrayBuffer(4 * n));
}

function release(slot: Float32Array): void {
  freeSlots.push(slot);
  if (freeSlots.length > KEPT_SLOTS) freeSlots.shift();
}

/** undefined: not started yet; null: it failed, render on the JavaScript thread */
let worker: Worker | null | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

/** The worker script for this build: preview-worker.cjs beside a bundle, preview-worker-tsx.mjs (tsx, then preview-worker.ts) beside the sources. */
export function previewWorkerBeside(moduleFile: string): string {
  return workerScriptBeside(moduleFile, 'preview-worker.cjs', 'preview-worker-tsx.mjs');
}

/** Ends a request with `png` (from the worker, or rendered here: that reads the slot at once). */
function settle(id: number, p: Pending, png: () => Promise<Buffer>): void {
  pending.delete(id);
  if (pending.size === 0) worker?.unref();
  png().then(p.resolve, p.reject);
  release(p.slot);
}

/** The worker is gone: later previews render here, and the ones it held are rendered here now. */
function lost(w: Worker): void {
  if (worker !== w) return;
  worker = null;
  for (const [id, p] of [...pending]) settle(id, p, p.here);
}

function previewWorker(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    const w = new Worker(previewWorkerBeside(fileURLToPath(import.meta.url)));
    w.unref();
    w.on('message', (reply: PreviewReply) => {
      const p = pending.get(reply.id);
      if (p) settle(reply.id, p, 'png' in reply ? () => Promise.resolve(Buffer.from(reply.png)) : p.here);
    });
    w.on('error', () => lost(w));
    w.on('exit', () => lost(w));
    worker = w;
  } catch {
    worker = null;
  }
  return worker;
}

/**
 * The PNG of batch item `item`'s linear preview (of c_in·x with `scale`), rendered on the preview
 * thread. The latents are read before this returns (the item is copied), so the caller may reuse them.
 */
export function renderPreviewPng(latents: F32Tensor, factors: LatentRgbFactors, item: number, scale = 1): Promise<Buffer> {
  let source: Float32Array;
  try {
    source = previewItem(latents, factors, item);
  } catch (error) {
    return Promise.reject(error);
  }
  const [, c, h, w] = latents.dims;
  const dims = [1, c, h, w] as const;
  const thread = previewWorker();
  if (!thread) return renderRequest({ dims, data: source, factors, scale });
  const slot = slotFor(source.length);
  slot.set(source);
  const id = nextId++;
  const request: PreviewRequest = { id, dims, data: slot, factors, scale };
  return new Promise<Buffer>((resolve, reject) => {
    pending.set(id, { resolve, reject, slot, here: () => renderRequest(request) });
    if (pending.size === 1) thread.ref(); // a preview is owed: the process waits for it
    thread.postMessage(request);
  });
}
