/**
 * A long process call (anomaly map, pipeline view) run under a requestId, so process.cancel can stop
 * it: whether it runs, its error (a cancel the user asked for is none), and a newer call superseding
 * an older one whose answer then goes unused.
 */
import type { ReverieApi } from '../api/types.ts';
import { errorText } from './system.svelte.ts';

export class CancellableCall {
  #running = $state(false);
  #error = $state<string | null>(null);
  #request = 0;
  #requestId: string | null = null;

  constructor(
    private readonly api: ReverieApi,
    /** names the requestIds, e.g. "anomaly" */
    private readonly prefix: string,
  ) {}

  get running(): boolean {
    return this.#running;
  }
  get error(): string | null {
    return this.#error;
  }
  /** a problem found before calling (a missing input) */
  set error(v: string | null) {
    this.#error = v;
  }

  /** Runs `call` with a fresh requestId; hands its result to `done` unless a newer call began meanwhile. */
  async run<T>(call: (requestId: string) => Promise<T>, done: (result: T) => void): Promise<void> {
    const request = ++this.#request;
    const requestId = `${this.prefix}-${Date.now().toString(36)}-${request}`;
    this.#requestId = requestId;
    this.#running = true;
    this.#error = null;
    try {
      const result = await call(requestId);
      if (request === this.#request) done(result);
    } catch (err) {
      const cancelled = (err as { code?: string } | null)?.code === 'CANCELLED';
      if (request === this.#request) this.#error = cancelled ? null : errorText(err);
    } finally {
      if (request === this.#request) {
        this.#running = false;
        this.#requestId = null;
      }
    }
  }

  /** Stops the running call (within about a second, even inside a model call). */
  async cancel(): Promise<void> {
    const requestId = this.#requestId;
    if (requestId === null) return;
    try {
      await this.api.process.cancel({ requestId });
    } catch (err) {
      this.#error = errorText(err);
    }
  }
}
