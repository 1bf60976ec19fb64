/**
 * A helper thread that must not take the JavaScript thread's core when it wakes up (runtime/noise-worker.ts).
 *
 * Linux's scheduler lets a thread that wakes up preempt the thread that woke it, on that thread's core:
 * the noise thread, woken by a request, then drew its next noise (1–5 ms) on the JavaScript thread's core
 * while the JavaScript thread, the one that had just asked, waited to be moved to the other core (posting
 * the request took 1.5–4 ms instead of 0.1, measured on a 2-core VM). A thread with a higher nice value
 * does not preempt it; it still gets an idle core at once, and its share of a busy one.
 *
 * On Linux a thread's nice value is its own: setpriority(PRIO_PROCESS, tid) with the thread's id (from
 * /proc/thread-self) changes that thread alone. Elsewhere this does nothing.
 */
import { readlinkSync } from 'node:fs';
import os from 'node:os';

/** The nice value the noise thread runs at: below the JavaScript thread and ONNX Runtime's threads (0). */
export const HELPER_NICE = 10;

/** This thread's id on Linux (/proc/thread-self is a link to "<pid>/task/<tid>"), or null elsewhere. */
export function currentThreadId(): number | null {
  if (process.platform !== 'linux') return null;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/** Lowers the calling thread's priority to `nice` (Linux); false where it cannot (another platform, or not allowed). */
export function lowerThreadPriority(nice = HELPER_NICE): boolean {
  const tid = currentThreadId();
  if (tid === null) return false;
  try {
    if (os.getPriority(tid) < nice) os.setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
