/**
 * The noise thread's entry (bundled as dist/main/noise-worker.cjs; from the sources it runs under tsx).
 * It owns the per-image generators of the stochastic runs that noise-thread.ts opens and draws their
 * next noise while the JavaScript thread sits in ONNX Runtime's `run`,
 * which onnxruntime-node executes synchronously on that thread. Nothing here but the generators: the
 * values are the same Rng draws the JavaScript thread would make. Each draw goes back as a transferred
 * ArrayBuffer on the run's port.
 */
import { parentPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { BrownianNoise } from './brownian-tree.ts';
import { Rng } from './rng.ts';
import type { NoiseRequest } from './noise-thread.ts';
import { READY } from './noise-thread.ts';

interface Stream {
  readonly rngs: Rng[];
  readonly brownian?: BrownianNoise;
  readonly perImage: number;
  readonly port: MessagePort;
  readonly control: Int32Array;
}

const streams = new Map<number, Stream>();

parentPort?.on('message', (msg: NoiseRequest) => {
  if (msg.kind === 'open') {
    const brownian = msg.brownian ? new BrownianNoise(msg.seeds, msg.perImage, msg.brownian) : undefined;
    streams.set(msg.id, { rngs: msg.seeds.map((s) => new Rng(s)), ...(brownian ? { brownian } : {}), perImage: msg.perImage, port: msg.port, control: new Int32Array(msg.control) });
  } else if (msg.kind === 'draw') {
    const s = streams.get(msg.id);
    if (!s) return;
    let data: Float32Array;
    if (msg.interval && s.brownian) {
      data = s.brownian.draw(msg.interval[0], msg.interval[1]);
    } else {
      data = new Float32Array(s.perImage * s.rngs.length);
      s.rngs.forEach((r, k) => r.randnInto(data.subarray(k * s.perImage, (k + 1) * s.perImage)));
    }
    // the buffer first, then the flag: the JavaScript thread reads the port as soon as the flag is up
    const buffer = data.buffer as ArrayBuffer;
    s.port.postMessage(buffer, [buffer]);
    Atomics.store(s.control, 0, READY);
    Atomics.notify(s.control, 0);
    // the next step's Brownian noise, drawn while the JavaScript thread runs the model (after the
    // initial noise too: BrownianNoise's warm-ups happen at the same moments on either thread)
    s.brownian?.warm();
  } else {
    streams.get(msg.id)?.port.close();
    streams.delete(msg.id);
  }
});
