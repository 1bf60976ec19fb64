/**
 * A small job runner: jobs wait in a FIFO queue and run one at a time (the accelerator and the CPU
 * are shared, so running two generations at once only makes both slower). Each job gets an
 * AbortSignal and reporters for progress and per-step payloads; the runner turns everything into
 * typed JobEvents. Cancelling a queued job removes it; cancelling a running job aborts its signal,
 * and the job ends with an `error` event of code CANCELLED once the work notices.
 */
import { CancelledError, EngineError } from '../types.ts';
import type { JobError, JobEvent, JobId } from './events.ts';

export interface JobContext<S> {
  readonly jobId: JobId;
  readonly signal: AbortSignal;
  progress(step: number, total: number, etaMs?: number | null): void;
  step(payload: S): void;
}

export type JobWork<R, S> = (ctx: JobContext<S>) => Promise<R>;

export interface JobHandle<R> {
  readonly id: JobId;
  /** resolves with the result; rejects with CancelledError or the job's error */
  readonly result: Promise<R>;
  cancel(): void;
}

interface Entry {
  readonly id: JobId;
  readonly controller: AbortController;
  start(): Promise<void>;
  reject(err: unknown): void;
}

/** The error of a failed job in transferable form. */
export function toJobError(err: unknown): JobError {
  if (err instanceof CancelledError) return { code: 'CANCELLED', message: err.message };
  if (err instanceof EngineError) return err.details === undefined ? { code: err.code, message: err.message } : { code: err.code, message: err.message, details: err.details };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}

export class JobRunner {
  private readonly queue: Entry[] = [];
  private running: Entry | null = null;
  private counter = 0;

  /** jobs waiting (not counting the running one) */
  get pending(): number {
    return this.queue.length;
  }

  get busy(): boolean {
    return this.running !== null;
  }

  submit<R, S = unknown>(work: JobWork<R, S>, onEvent: (event: JobEvent<R, S>) => void = () => {}, opts: { id?: JobId } = {}): JobHandle<R> {
    const id = opts.id ?? `job-${++this.counter}`;
    const controller = new AbortController();
    let resolve!: (r: R) => void;
    let reject!: (e: unknown) => void;
    const result = new Promise<R>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    result.catch(() => {}); // the caller may only listen to events
    const emit = (event: JobEvent<R, S>): void => {
      try {
        onEvent(event);
      } catch {
        // a listener's failure must not break the job
      }
    };
    const fail = (err: unknown): void => {
      emit({ type: 'error', jobId: id, error: toJobError(err) });
      reject(err);
    };
    const entry: Entry = {
      id,
      controller,
      reject: fail,
      start: async () => {
        emit({ type: 'started', jobId: id });
        const ctx: JobContext<S> = {
          jobId: id,
          signal: controller.signal,
          progress: (step, total, etaMs = null) => emit({ type: 'progress', jobId: id, step, total, etaMs }),
          step: (payload) => emit({ type: 'step', jobId: id, step: payload }),
        };
        try {
          if (controller.signal.aborted) throw new CancelledError();
          const value = await work(ctx);
          if (controller.signal.aborted) throw new CancelledError();
          emit({ type: 'done', jobId: id, result: value });
          resolve(value);
        } catch (err) {
          // after an abort, whatever the work threw (e.g. an interrupted session run) means "cancelled"
          fail(controller.signal.aborted && !(err instanceof CancelledError) ? new CancelledError() : err);
        }
      },
    };
    emit({ type: 'queued', jobId: id, position: this.queue.length + (this.running ? 1 : 0) });
    this.queue.push(entry);
    void this.pump();
    return { id, result, cancel: () => this.cancel(id) };
  }

  /** Cancels a queued or running job; false when no such job is known. */
  cancel(id: JobId): boolean {
    const i = this.queue.findIndex((e) => e.id === id);
    if (i >= 0) {
      const [entry] = this.queue.splice(i, 1);
      entry.controller.abort();
      entry.reject(new CancelledError());
      return true;
    }
    if (this.running?.id === id) {
      this.running.controller.abort();
      return true;
    }
    return false;
  }

  /** Cancels everything (queued and running). */
  cancelAll(): void {
    for (const e of [...this.queue]) this.cancel(e.id);
    if (this.running) this.running.controller.abort();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    const next = this.queue.shift();
    if (!next) return;
    this.running = next;
    try {
      await next.start();
    } finally {
      this.running = null;
      void this.pump();
    }
  }
}
