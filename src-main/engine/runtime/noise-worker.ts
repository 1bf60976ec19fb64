/**
 * The noise thread's entry (bundled as dist/main/noise-worker.cjs; from the sources it runs under tsx).
 * It owns the per-image generators of the stochastic runs that noise-thread.ts opens and draws their
 * next noise while the JavaScript thread sits in ONNX Runtime's `run`,
 * which onnxruntime-node executes synchronously on that thread. Nothing here but the generators: the
 * values are the same Rng draws the JavaScript thread would make. The initial draw goes back as a
 * transferred ArrayBuffer on the run's port; a Gaussian run's later draws are written into its shared
 * ring (noise-thread.ts), one ahead of the draw the JavaScript thread is using, and a Brownian run's
 * increments into its shared slots as it reads the intervals logged there (noise-paths.ts), with no
 * message either way. It runs at a lower priority than the JavaScript thread (thread-priority.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { BrownianNoise } from './brownian-tree.ts';
import { Rng } from './rng.ts';
import { lowerThreadPriority } from './thread-priority.ts';
import type { AheadDraw } from './brownian-tree.ts';
import { Looks } from './noise-looks.ts';
import { PATH_WORDS, PathSlots } from './noise-paths.ts';
import type { NoiseMessage, NoiseRequest } from './noise-thread.ts';
import { PATHS_POLL_MS, RING, RING_POLL_MS, intervalKey } from './noise-thread.ts';

/** Atomics.waitAsync (ES2024; Node ≥ 16), which the project's ES2023 lib does not declare */
const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, timeoutMs: number) => { async: boolean; value: Promise<string> | string } }).waitAsync;

interface Stream {
  readonly rngs: Rng[];
  readonly brownian?: BrownianNoise;
  /** a Brownian run's shared slots and log */
  readonly paths?: PathSlots;
  /** Brownian draws put in a slot ahead and not yet asked for, by intervalKey */
  readonly pushed: Set<string>;
  readonly perImage: number;
  readonly port: MessagePort;
  readonly control: Int32Array;
  /** a Gaussian run's shared ring: its slots, one draw each */
  readonly ring?: Float32Array[];
  /** the ring's filling or the log's reading has started (after the initial draw, which goes as a message) */
  filling?: boolean;
}

const streams = new Map<number, Stream>();

// woken by each request, this thread must not take the JavaScript thread's core (thread-priority.ts)
lowerThreadPriority();

/** Sends a draw (transferred) and counts it on the control word: the message is in the port before the count goes up. */
function send(s: Stream, data: Float32Array): void {
  const buffer = data.buffer as ArrayBuffer;
  const message: NoiseMessage = { buffer };
  s.port.postMessage(message, [buffer]);
  Atomics.add(s.control, 0, 1);
  Atomics.notify(s.control, 0);
}

parentPort?.on('message', (msg: NoiseRequest) => {
  if (msg.kind === 'open') {
    const brownian = msg.brownian ? new BrownianNoise(msg.seeds, msg.perImage, msg.brownian) : undefined;
    const total = msg.perImage * msg.seeds.length;
    const ring = msg.ring ? Array.from({ length: msg.ring.byteLength / (4 * total) }, (_, k) => new Float32Array(msg.ring as SharedArrayBuffer, 4 * k * total, total)) : undefined;
    const paths = msg.paths ? new PathSlots(msg.paths, total) : undefined;
    streams.set(msg.id, { rngs: msg.seeds.map((r) => new Rng(r)), ...(brownian ? { brownian } : {}), ...(paths ? { paths } : {}), ...(ring ? { ring } : {}), pushed: new Set(), perImage: msg.perImage, port: msg.port, control: new Int32Array(msg.control) });
  } else if (msg.kind === 'draw') {
    const s = streams.get(msg.id);
    if (!s || s.filling) return;
    send(s, drawInto(s, new Float32Array(s.perImage * s.rngs.length)));
    // every later draw goes into the ring or the paths' slots; the initial one is a Brownian run's first
    // answer, after which the first step is warmed (BrownianNoise's warm-ups happen at the same moments on either thread)
    s.filling = true;
    if (s.ring) void fillRing(s, s.ring);
    if (s.brownian && s.paths) {
      warm(s, s.brownian, s.paths);
      void readLog(s, s.brownian, s.paths);
    }
  } else {
    streams.get(msg.id)?.port.close();
    streams.delete(msg.id);
  }
});

/** The next step's Brownian noise, drawn ahead into the paths' slots while the JavaScript thread runs the model. */
function warm(s: Stream, brownian: BrownianNoise, paths: PathSlots): void {
  brownian.warm((a: AheadDraw) => {
    s.pushed.add(intervalKey(a.sigma, a.sigmaNext));
    forget(s, paths.put(a.sigma, a.sigmaNext, a.data));
  });
}

/** A draw made ahead that a slot's reuse threw away is no longer there to claim: asked for later, it is drawn anew. */
function forget(s: Stream, stale: readonly [number, number] | undefined): void {
  if (stale) s.pushed.delete(intervalKey(stale[0], stale[1]));
}

/**
 * Answers a Brownian run's logged intervals in order, as the claim messages were: a draw made ahead is
 * claimed (the JavaScript thread takes it from its slot), one nobody foresaw is drawn into a slot now;
 * then the next step is warmed, and the entry counted as answered (the taker waits for that count only
 * when its draw is not there yet, and notifies). It looks for new entries without blocking this thread's
 * other runs, as Looks spaces them (at most PATHS_POLL_MS apart while the taker keeps a GPU's pace).
 */
function readLog(s: Stream, brownian: BrownianNoise, paths: PathSlots): Promise<void> {
  const words = paths.words;
  const looks = new Looks(PATHS_POLL_MS);
  let processed = 0;
  return serve(s, words, PATH_WORDS.logged, looks, (logged) => {
    if (processed >= logged) return false;
    looks.moved();
    const [sigma, sigmaNext] = paths.entry(processed);
    if (s.pushed.delete(intervalKey(sigma, sigmaNext))) brownian.claim(sigma, sigmaNext);
    else forget(s, paths.put(sigma, sigmaNext, brownian.draw(sigma, sigmaNext)));
    warm(s, brownian, paths);
    Atomics.store(words, PATH_WORDS.processed, ++processed);
    Atomics.notify(words, PATH_WORDS.processed);
    return true;
  });
}

/**
 * Until the run is closed: `work` with the value of words[index] (what the taker moves), again at once
 * when it did something, else after waiting for that word to change, at most looks.next() ms (without
 * blocking this thread's other runs).
 */
async function serve(s: Stream, words: Int32Array, index: number, looks: Looks, work: (value: number) => boolean): Promise<void> {
  while (Atomics.load(s.control, RING.closed) === 0) {
    const value = Atomics.load(words, index);
    if (work(value)) continue;
    const wait = waitAsync(words, index, value, looks.next());
    if (wait.async) await wait.value;
  }
}

/** The next draw of every image of the run, into `out`. */
function drawInto(s: Stream, out: Float32Array): Float32Array {
  s.rngs.forEach((r, k) => r.randnInto(out.subarray(k * s.perImage, (k + 1) * s.perImage)));
  return out;
}

/**
 * Keeps a Gaussian run's ring full: draw j goes into slot j mod slots once the JavaScript thread has
 * released draw j − slots (it releases a draw when it takes the next one), then counts on RING.drawn.
 * While the ring is full it looks for a release without blocking this thread's other runs
 * (Atomics.waitAsync with a timeout, as Looks spaces them, at most RING_POLL_MS apart while the taker
 * keeps a GPU's pace): the taker does not notify, since waking this thread cost the JavaScript thread
 * ~20 µs a draw. The draw after a release is wanted one model call later, so it is ready in time.
 */
function fillRing(s: Stream, ring: readonly Float32Array[]): Promise<void> {
  const c = s.control;
  const looks = new Looks(RING_POLL_MS);
  let drawn = 0;
  let seen = 0;
  return serve(s, c, RING.released, looks, (released) => {
    if (released !== seen) {
      seen = released;
      looks.moved();
    }
    if (drawn >= released + ring.length) return false;
    drawInto(s, ring[drawn % ring.length]);
    Atomics.store(c, RING.drawn, ++drawn);
    Atomics.notify(c, RING.drawn);
    return true;
  });
}
