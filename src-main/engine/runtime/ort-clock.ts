/**
 * Time spent inside ONNX Runtime's `run`, summed over every session of this process: what a bench
 * subtracts from wall time to get the engine's own overhead (feeds, tensor copies, samplers, PNG).
 * Two performance.now() calls per model call; nothing else.
 */
let totalMs = 0;
let calls = 0;

/** Adds one `run` call's duration (ort.ts calls it around session.run). */
export function addOrtTime(ms: number): void {
  totalMs += ms;
  calls++;
}

/** The running totals since the process started: compare two readings to time a stretch of work. */
export function ortClock(): { readonly ms: number; readonly calls: number } {
  return { ms: totalMs, calls };
}
