/**
 * The noise thread's entry (bundled as dist/main/noise-worker.cjs; from the sources it runs under tsx).
 * It owns the per-image generators of the stochastic runs that noise-thread.ts opens and draws their
 * next noise while the JavaScript thread sits in ONNX Runtime's `run`,
 * which onnxruntime-node executes synchronously on that thread. Nothing here but the generators: the
 * values are the same Rng draws the JavaScript thread would make. Each draw goes back as a transferred
 * ArrayBuffer on the run's port. It runs at a lower priority than the JavaScript thread (thread-priority.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { BrownianNoise } from './brownian-tree.ts';
import { Rng } from './rng.ts';
import { lowerThreadPriority } from './thread-priority.ts';
import type { NoiseMessage, NoiseRequest } from './noise-thread.ts';
import { intervalKey } from './noise-thread.ts';

interface Stream {
  readonly rngs: Rng[];
  readonly brownian?: BrownianNoise;
  /** Brownian draws sent ahead and not yet asked for, by intervalKey */
  readonly pushed: Set<string>;
  readonly perImage: number;
  readonly port: MessagePort;
  readonly control: Int32Array;
}

const streams = new Map<number, Stream>();

// woken by each request, this thread must not take the JavaScript thread's core (thread-priority.ts)
lowerThreadPriority();

/** Sends a draw (transferred) and counts it on the control word: the message is in the port before the count goes up. */
function send(s: Stream, data: Float32Array, interval?: readonly [number, number]): void {
  const buffer = data.buffer as ArrayBuffer;
  const message: NoiseMessage = interval ? { buffer, interval: [interval[0], interval[1]] } : { buffer };
  s.port.postMessage(message, [buffer]);
  Atomics.add(s.control, 0, 1);
  Atomics.notify(s.control, 0);
}

parentPort?.on('message', (msg: NoiseRequest) => {
  if (msg.kind === 'open') {
    const brownian = msg.brownian ? new BrownianNoise(msg.seeds, msg.perImage, msg.brownian) : undefined;
    streams.set(msg.id, { rngs: msg.seeds.map((r) => new Rng(r)), ...(brownian ? { brownian } : {}), pushed: new Set(), perImage: msg.perImage, port: msg.port, control: new Int32Array(msg.control) });
  } else if (msg.kind === 'draw') {
    const s = streams.get(msg.id);
    if (!s) return;
    if (msg.interval && s.brownian) {
      const [sigma, sigmaNext] = msg.interval;
      // a draw sent ahead: the JavaScript thread has it already, this is its claim
      if (s.pushed.delete(intervalKey(sigma, sigmaNext))) s.brownian.claim(sigma, sigmaNext);
      else send(s, s.brownian.draw(sigma, sigmaNext), msg.interval);
    } else {
      const data = new Float32Array(s.perImage * s.rngs.length);
      s.rngs.forEach((r, k) => r.randnInto(data.subarray(k * s.perImage, (k + 1) * s.perImage)));
      send(s, data);
    }
    // the next step's Brownian noise, drawn while the JavaScript thread runs the model (after the
    // initial noise too: BrownianNoise's warm-ups happen at the same moments on either thread) and each
    // draw sent on as soon as it is made, so that taking it is no round trip
    s.brownian?.warm((a) => {
      s.pushed.add(intervalKey(a.sigma, a.sigmaNext));
      send(s, a.data, [a.sigma, a.sigmaNext]);
    });
  } else {
    streams.get(msg.id)?.port.close();
    streams.delete(msg.id);
  }
});
