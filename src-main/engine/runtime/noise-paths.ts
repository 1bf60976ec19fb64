/**
 * A Brownian run's shared memory between the JavaScript thread and the noise thread (noise-thread.ts,
 * noise-worker.ts): PATH_SLOTS slots for increments, each tagged with its interval, and a log of the
 * intervals the sampler asked for, in order.
 *
 * The worker draws each step's increments ahead into free slots (BrownianNoise.warm) and reads the log
 * in order, exactly as it used to read the claim messages: a logged interval it drew ahead is claimed, one
 * nobody foresaw is drawn then, and after each entry it warms the next step. So the trees see the same
 * queries in the same order as on the JavaScript thread, and every value is the same. The taker logs its
 * interval, then takes the slot tagged with it by compare-and-exchange on the slot's state, with no
 * message either way: a step's two messages (a claim posted, an increment received) cost the JavaScript
 * thread ~85 µs right after a 20 ms model call.
 *
 * Slot states: FREE → WRITING (the worker, from FREE, or from READY to reuse a stale draw) → READY →
 * TAKEN (the taker) → FREE (the taker, when it takes the next draw: a draw is valid until then).
 */

/** Increment slots: the one in use, the next step's two drawn ahead (DPM++ SDE's half step and the step), and one nobody foresaw. */
export const PATH_SLOTS = 4;
/** Logged intervals the worker has not read yet, at most (a step logs one or two). */
export const PATH_LOG = 16;
export const SLOT = { free: 0, writing: 1, ready: 2, taken: 3 } as const;
/** The header words (Int32): intervals logged by the taker, entries the worker has read and answered. */
export const PATH_WORDS = { logged: 0, processed: 1 } as const;

const HEADER = 2;
/** bytes of the Int32 part (header, states, sequence numbers), rounded up to the Float64 tags' alignment */
const INT_BYTES = Math.ceil((4 * (HEADER + 2 * PATH_SLOTS)) / 8) * 8;
const TAG_BYTES = 16 * PATH_SLOTS;
const LOG_BYTES = 16 * PATH_LOG;

export class PathSlots {
  /** the header words, then each slot's state, then each slot's sequence number (the order it was written in) */
  readonly words: Int32Array;
  /** [sigma, sigmaNext] per slot */
  private readonly tags: Float64Array;
  /** [sigma, sigmaNext] per log entry, entry n at n mod PATH_LOG */
  private readonly log: Float64Array;
  /** each slot's values: [B·perImage] */
  readonly data: Float32Array[];
  /** the worker's count of slots written (their sequence numbers) */
  private written = 0;

  /** The shared buffer for a run of `total` floats a draw. */
  static allocate(total: number): SharedArrayBuffer {
    return new SharedArrayBuffer(INT_BYTES + TAG_BYTES + LOG_BYTES + 4 * PATH_SLOTS * total);
  }

  constructor(buffer: SharedArrayBuffer, total: number) {
    this.words = new Int32Array(buffer, 0, HEADER + 2 * PATH_SLOTS);
    this.tags = new Float64Array(buffer, INT_BYTES, 2 * PATH_SLOTS);
    this.log = new Float64Array(buffer, INT_BYTES + TAG_BYTES, 2 * PATH_LOG);
    const at = INT_BYTES + TAG_BYTES + LOG_BYTES;
    this.data = Array.from({ length: PATH_SLOTS }, (_, k) => new Float32Array(buffer, at + 4 * k * total, total));
  }

  // the taker's side

  /** Logs the taker's `n`th interval (the caller has checked that the worker has read entry n − PATH_LOG) and counts it. */
  append(n: number, sigma: number, sigmaNext: number): void {
    const at = 2 * (n % PATH_LOG);
    this.log[at] = sigma;
    this.log[at + 1] = sigmaNext;
    Atomics.store(this.words, PATH_WORDS.logged, n + 1);
  }

  /** The READY slot tagged (sigma, sigmaNext), now TAKEN; -1 when there is none. */
  take(sigma: number, sigmaNext: number): number {
    for (let k = 0; k < PATH_SLOTS; k++) {
      if (Atomics.load(this.words, HEADER + k) !== SLOT.ready || !this.tagged(k, sigma, sigmaNext)) continue;
      if (Atomics.compareExchange(this.words, HEADER + k, SLOT.ready, SLOT.taken) !== SLOT.ready) continue;
      // the worker may have reused the slot between the look at its tag and the exchange: look again, now that it is ours
      if (this.tagged(k, sigma, sigmaNext)) return k;
      Atomics.store(this.words, HEADER + k, SLOT.ready);
    }
    return -1;
  }

  /** The taker is done with slot k. */
  release(k: number): void {
    Atomics.store(this.words, HEADER + k, SLOT.free);
  }

  // the worker's side

  /** Log entry n. */
  entry(n: number): [number, number] {
    const at = 2 * (n % PATH_LOG);
    return [this.log[at], this.log[at + 1]];
  }

  /**
   * Writes a draw tagged (sigma, sigmaNext) into a free slot, or else over the oldest READY one (a draw
   * made ahead and never asked for); returns the interval it overwrote, if any.
   */
  put(sigma: number, sigmaNext: number, values: Float32Array): readonly [number, number] | undefined {
    const { k, stale } = this.claimSlot();
    this.data[k].set(values);
    this.tags[2 * k] = sigma;
    this.tags[2 * k + 1] = sigmaNext;
    Atomics.store(this.words, HEADER + PATH_SLOTS + k, ++this.written);
    Atomics.store(this.words, HEADER + k, SLOT.ready);
    return stale;
  }

  private claimSlot(): { k: number; stale?: readonly [number, number] } {
    for (;;) {
      for (let k = 0; k < PATH_SLOTS; k++) {
        if (Atomics.compareExchange(this.words, HEADER + k, SLOT.free, SLOT.writing) === SLOT.free) return { k };
      }
      // no free slot (only one is ever TAKEN): the oldest READY one, unless the taker takes it first
      let oldest = -1;
      for (let k = 0; k < PATH_SLOTS; k++) {
        const ready = Atomics.load(this.words, HEADER + k) === SLOT.ready;
        if (ready && (oldest < 0 || this.words[HEADER + PATH_SLOTS + k] < this.words[HEADER + PATH_SLOTS + oldest])) oldest = k;
      }
      if (oldest >= 0 && Atomics.compareExchange(this.words, HEADER + oldest, SLOT.ready, SLOT.writing) === SLOT.ready) {
        return { k: oldest, stale: [this.tags[2 * oldest], this.tags[2 * oldest + 1]] };
      }
    }
  }

  private tagged(k: number, sigma: number, sigmaNext: number): boolean {
    return this.tags[2 * k] === sigma && this.tags[2 * k + 1] === sigmaNext;
  }
}
