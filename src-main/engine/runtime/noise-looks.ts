/** The noise thread's looks for the JavaScript thread's moves (noise-worker.ts), spaced by the taker's pace. */

/** The longest a worker waits between looks at a slow taker (a CPU run's seconds-long steps). */
export const LOOK_MAX_MS = 250;

/**
 * When to look next for the taker's next move: 1 ms after one, then twice as long each time up to a
 * cap, which is `floorMs` or, when the taker moves more slowly, a quarter of the time between its last
 * two moves (at most LOOK_MAX_MS). The answer to a move is wanted one model call after it, so it is
 * still ready in time; and a look costs this thread ~130 µs of CPU on a 2-core VM (a timed wait's
 * wake-up): looking every 8 ms through a CPU run's seconds-long steps took 1.6 % of a core.
 */
export class Looks {
  private wait = 1;
  private cap: number;
  private last: number;

  constructor(
    private readonly floorMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.cap = floorMs;
    this.last = now();
  }

  /** the taker moved (released a draw, logged an interval) */
  moved(): void {
    const now = this.now();
    this.cap = Math.min(LOOK_MAX_MS, Math.max(this.floorMs, (now - this.last) / 4));
    this.last = now;
    this.wait = 1;
  }

  /** milliseconds to wait before the next look */
  next(): number {
    const wait = this.wait;
    this.wait = Math.min(2 * wait, this.cap);
    return wait;
  }
}
