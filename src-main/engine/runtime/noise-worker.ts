/**
 * The noise thread's entry (bundled as dist/main/noise-worker.cjs; from the sources it runs under tsx).
 * It owns the per-image generators of the stochastic runs that noise-thread.ts opens and draws their
 * next noise while the JavaScript thread sits in ONNX Runtime's `run`,
 * which onnxruntime-node executes synchronously on that thread. Nothing here but the generators: the
 * values are the same Rng draws the JavaScript thread would make. The initial draw and Brownian increments go
 * back as transferred ArrayBuffers on the run's port; a Gaussian run's later draws are written into its
 * shared ring (noise-thread.ts), one ahead of the draw the JavaScript thread is using, with no message
 * either way. It runs at a lower priority than the JavaScript thread (thread-priority.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { BrownianNoise } from './brownian-tree.ts';
import { Rng } from './rng.ts';
import { lowerThreadPriority } from './thread-priority.ts';
import type { NoiseMessage, NoiseRequest } from './noise-thread.ts';
import { RING, RING_POLL_MS, intervalKey } from './noise-thread.ts';

/** Atomics.waitAsync (ES2024; Node ≥ 16), which the project's ES2023 lib does not declare */
const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, timeoutMs: number) => { async: boolean; value: Promise<string> | string } }).waitAsync;

interface Stream {
  readonly rngs: Rng[];
  readonly brownian?: BrownianNoise;
  /** Brownian draws sent ahead and not yet asked for, by intervalKey */
  readonly pushed: Set<string>;
  readonly perImage: number;
  readonly port: MessagePort;
  readonly control: Int32Array;
  /** a Gaussian run's shared ring: its slots, one draw each */
  readonly ring?: Float32Array[];
  /** the ring's filling has started (after the initial draw, which goes as a message) */
  filling?: boolean;
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
    const total = msg.perImage * msg.seeds.length;
    const ring = msg.ring ? Array.from({ length: msg.ring.byteLength / (4 * total) }, (_, k) => new Float32Array(msg.ring as SharedArrayBuffer, 4 * k * total, total)) : undefined;
    streams.set(msg.id, { rngs: msg.seeds.map((r) => new Rng(r)), ...(brownian ? { brownian } : {}), ...(ring ? { ring } : {}), pushed: new Set(), perImage: msg.perImage, port: msg.port, control: new Int32Array(msg.control) });
  } else if (msg.kind === 'draw') {
    const s = streams.get(msg.id);
    if (!s) return;
    if (msg.interval && s.brownian) {
      const [sigma, sigmaNext] = msg.interval;
      // a draw sent ahead: the JavaScript thread has it already, this is its claim
      if (s.pushed.delete(intervalKey(sigma, sigmaNext))) s.brownian.claim(sigma, sigmaNext);
      else send(s, s.brownian.draw(sigma, sigmaNext), msg.interval);
    } else {
      send(s, drawInto(s, new Float32Array(s.perImage * s.rngs.length)));
      // a ring run's first request is its initial noise; every later draw goes into the ring
      if (s.ring && !s.filling) {
        s.filling = true;
        void fillRing(s, s.ring);
      }
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

/** The next draw of every image of the run, into `out`. */
function drawInto(s: Stream, out: Float32Array): Float32Array {
  s.rngs.forEach((r, k) => r.randnInto(out.subarray(k * s.perImage, (k + 1) * s.perImage)));
  return out;
}

/**
 * Keeps a Gaussian run's ring full: draw j goes into slot j mod slots once the JavaScript thread has
 * released draw j − slots (it releases a draw when it takes the next one), then counts on RING.drawn.
 * While the ring is full it looks for a release without blocking this thread's other runs
 * (Atomics.waitAsync with a timeout), 1 ms after a draw and then twice as long each time up to
 * RING_POLL_MS: the taker does not notify, since waking this thread cost the JavaScript thread ~20 µs a
 * draw. The draw after a release is wanted one model call later, so it is ready in time; and a CPU run's
 * seconds-long steps cost this thread a few dozen looks a second (every 2 ms, 2.3 % of a core).
 */
async function fillRing(s: Stream, ring: readonly Float32Array[]): Promise<void> {
  const c = s.control;
  let drawn = 0;
  let poll = 1;
  while (Atomics.load(c, RING.closed) === 0) {
    const released = Atomics.load(c, RING.released);
    if (drawn < released + ring.length) {
      drawInto(s, ring[drawn % ring.length]);
      Atomics.store(c, RING.drawn, ++drawn);
      Atomics.notify(c, RING.drawn);
      poll = 1;
      continue;
    }
    const wait = waitAsync(c, RING.released, released, poll);
    if (wait.async) await wait.value;
    poll = Math.min(2 * poll, RING_POLL_MS);
  }
}
