/**
 * The noise thread's entry (bundled as dist/main/noise-worker.cjs; from the sources it runs under tsx).
 * It owns the per-image generators of the stochastic runs that noise-thread.ts opens and draws their
 * next noise into the run's shared buffer while the JavaScript thread sits in ONNX Runtime's `run`,
 * which onnxruntime-node executes synchronously on that thread. Nothing here but the generators: the
 * values are the same Rng draws the JavaScript thread would make.
 */
import { parentPort } from 'node:worker_threads';
import { Rng } from './rng.ts';
import type { NoiseRequest } from './noise-thread.ts';
import { READY } from './noise-thread.ts';

interface Stream {
  readonly rngs: Rng[];
  readonly perImage: number;
  readonly data: Float32Array;
  readonly control: Int32Array;
}

const streams = new Map<number, Stream>();

parentPort?.on('message', (msg: NoiseRequest) => {
  if (msg.kind === 'open') {
    streams.set(msg.id, {
      rngs: msg.seeds.map((s) => new Rng(s)),
      perImage: msg.perImage,
      data: new Float32Array(msg.buffer, 0, msg.perImage * msg.seeds.length),
      control: new Int32Array(msg.control),
    });
  } else if (msg.kind === 'draw') {
    const s = streams.get(msg.id);
    if (!s) return;
    s.rngs.forEach((r, k) => r.randnInto(s.data.subarray(k * s.perImage, (k + 1) * s.perImage)));
    Atomics.store(s.control, 0, READY);
    Atomics.notify(s.control, 0);
  } else {
    streams.delete(msg.id);
  }
});
