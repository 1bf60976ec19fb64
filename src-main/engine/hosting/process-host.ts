/**
 * An EngineHost whose engine runs in another process (Node child process or Electron
 * utilityProcess — both reduced to a WorkerPort). Crash isolation is the point: when the engine
 * process dies (native crash in ONNX Runtime, out of memory, a test's debug exit), every pending
 * call is rejected with ENGINE_CRASHED, crash listeners are told, and a fresh process is started
 * (unless it keeps dying: more than `maxCrashes` within `crashWindowMs` stops the eager restarts;
 * the next call tries once more).
 *
 * Cancel always wins: a cancelled call the engine has not ended within `cancelGraceMs` (ONNX Runtime
 * cannot be interrupted inside a model call, and a full-size UNet step on a CPU takes seconds) is ended
 * by stopping the engine process and starting a fresh one. The call rejects with CANCELLED saying so;
 * other calls in flight fail as interrupted; no crash is reported, and it does not count as one.
 */
import { crashMessage, killedForMemory } from './exit-report.ts';
import type { CrashReport, EngineHost, InvokeOptions } from './host.ts';
import type { EngineErrorData, EngineEvent, EngineMethod, EngineParams, EngineResult, HostToWorker } from './protocol.ts';
import { EngineCallError, isWorkerMessage } from './protocol.ts';

/**
 * V8 flags of the engine process (and of browser mode's main process, build/start.mjs): a young
 * generation of at most 1 MiB per semi-space instead of V8's default 16. Under a steady stream of
 * generations V8 grows the young generation to its maximum, so RSS climbed ~35–40 MiB over the first
 * 160 images and stayed there (npm run endurance: engine 247 → 257 MiB, browser-mode main 111 → 124
 * MiB, +11.6 %). Capped: engine 212 MiB and main 84 MiB, flat, at the same speed (median 265 ms against
 * 263 ms a generation): the engine's large data lives in typed arrays outside the JavaScript heap.
 */
export const WORKER_V8_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

export interface WorkerExit {
  code: number | null;
  signal: string | null;
}

/** The minimal view of an engine process a host needs. */
export interface WorkerPort {
  readonly pid: number | null;
  send(message: HostToWorker): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (exit: WorkerExit) => void): void;
  kill(): void;
}

export interface ProcessHostOptions {
  maxCrashes?: number;
  crashWindowMs?: number;
  /** how long a cancelled call may take to end by itself before the engine process is stopped (default 1000 ms) */
  cancelGraceMs?: number;
}

interface Pending {
  method: EngineMethod;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onEvent?: (event: EngineEvent) => void;
  cleanup: () => void;
}

interface Running {
  port: WorkerPort;
  ready: boolean;
  outbox: HostToWorker[];
  pending: Map<number, Pending>;
  pid: number | null;
  /** the call this process was stopped for (cancel did not end it in time) */
  stoppedFor?: number;
}

export class ProcessHost implements EngineHost {
  private current: Running | null = null;
  private nextId = 1;
  private disposed = false;
  private readonly crashTimes: number[] = [];
  private readonly crashListeners = new Set<(report: CrashReport) => void>();
  private readonly maxCrashes: number;
  private readonly crashWindowMs: number;
  private readonly cancelGraceMs: number;

  constructor(
    readonly kind: 'child-process' | 'utility-process',
    private readonly spawn: () => WorkerPort,
    opts: ProcessHostOptions = {},
  ) {
    this.maxCrashes = opts.maxCrashes ?? 3;
    this.crashWindowMs = opts.crashWindowMs ?? 60_000;
    this.cancelGraceMs = opts.cancelGraceMs ?? 1000;
  }

  /** Starts the engine process now instead of on the first call. */
  start(): void {
    this.ensure();
  }

  pid(): number | null {
    return this.current?.pid ?? null;
  }

  onCrash(listener: (report: CrashReport) => void): () => void {
    this.crashListeners.add(listener);
    return () => this.crashListeners.delete(listener);
  }

  invoke<M extends EngineMethod>(method: M, params: EngineParams<M>, opts: InvokeOptions = {}): Promise<EngineResult<M>> {
    if (this.disposed) return Promise.reject(new EngineCallError({ code: 'ENGINE_UNAVAILABLE', message: 'the engine host was shut down' }));
    if (opts.signal?.aborted) return Promise.reject(new EngineCallError({ code: 'CANCELLED', message: 'cancelled before it started' }));
    const running = this.ensure();
    const id = this.nextId++;
    return new Promise<EngineResult<M>>((resolve, reject) => {
      let grace: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => {
        this.post(running, { type: 'cancel', id });
        grace = setTimeout(() => this.stopFor(running, id), this.cancelGraceMs);
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      running.pending.set(id, {
        method,
        resolve: resolve as (value: unknown) => void,
        reject,
        ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
        cleanup: () => {
          opts.signal?.removeEventListener('abort', onAbort);
          if (grace !== undefined) clearTimeout(grace);
        },
      });
      this.post(running, { type: 'call', id, method, params });
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const running = this.current;
    this.current = null;
    if (!running) return;
    this.failAll(running, { code: 'ENGINE_UNAVAILABLE', message: 'the engine host was shut down' });
    const exited = new Promise<void>((resolve) => running.port.onExit(() => resolve()));
    running.port.kill();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
  }

  private ensure(): Running {
    if (this.current) return this.current;
    const port = this.spawn();
    const running: Running = { port, ready: false, outbox: [], pending: new Map(), pid: port.pid };
    this.current = running;
    port.onMessage((message) => this.onMessage(running, message));
    port.onExit((exit) => this.onExit(running, exit));
    return running;
  }

  private post(running: Running, message: HostToWorker): void {
    if (!running.ready) {
      running.outbox.push(message);
      return;
    }
    try {
      running.port.send(message);
    } catch (err) {
      // the channel is gone: the exit handler will fail the pending calls
      if (this.current === running) running.port.kill();
      void err;
    }
  }

  private onMessage(running: Running, message: unknown): void {
    if (!isWorkerMessage(message)) return;
    if (message.type === 'ready') {
      running.ready = true;
      running.pid = message.pid;
      const queued = running.outbox.splice(0);
      for (const m of queued) this.post(running, m);
      return;
    }
    const pending = running.pending.get(message.id);
    if (!pending) return;
    if (message.type === 'event') {
      pending.onEvent?.(message.event as EngineEvent);
      return;
    }
    running.pending.delete(message.id);
    pending.cleanup();
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new EngineCallError(message.error));
  }

  /** Cancel did not end call `id` in time: stop the engine process (onExit starts a fresh one). */
  private stopFor(running: Running, id: number): void {
    if (this.current !== running || !running.pending.has(id) || running.stoppedFor !== undefined) return;
    running.stoppedFor = id;
    running.port.kill();
  }

  /** The process stopped because a cancel did not end its call: that call is cancelled, others interrupted; not a crash. */
  private onStopped(running: Running, stoppedFor: number): void {
    const seconds = (this.cancelGraceMs / 1000).toLocaleString('en', { maximumFractionDigits: 1 });
    const pending = [...running.pending.entries()];
    running.pending.clear();
    for (const [id, p] of pending) {
      p.cleanup();
      p.reject(
        new EngineCallError(
          id === stoppedFor
            ? { code: 'CANCELLED', message: `cancelled: the engine was inside a model call that cannot be interrupted, so after ${seconds} s it was stopped and a fresh one started (the model loads again on the next run)`, details: { restarted: true } }
            : { code: 'ENGINE_CRASHED', message: `"${p.method}" was interrupted: the engine was restarted to stop a cancelled job; try again.`, details: { restarted: true } },
        ),
      );
    }
    if (!this.disposed) this.ensure();
  }

  private onExit(running: Running, exit: WorkerExit): void {
    if (this.current !== running) return; // disposed or already replaced
    this.current = null;
    if (running.stoppedFor !== undefined) return this.onStopped(running, running.stoppedFor);
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
    const pid = running.pid;
    const wasReady = running.ready;
    const methods = [...new Set([...running.pending.values()].map((p) => p.method))];
    const now = Date.now();
    this.crashTimes.push(now);
    while (this.crashTimes.length > 0 && now - this.crashTimes[0] > this.crashWindowMs) this.crashTimes.shift();
    const restart = !this.disposed && this.crashTimes.length <= this.maxCrashes;
    const during = methods.length > 0 ? ` while running ${methods.map((m) => `"${m}"`).join(', ')}` : '';
    const error: EngineErrorData = wasReady
      ? {
          code: 'ENGINE_CRASHED',
          message: crashMessage(exit, pid, during, restart ? 'A fresh engine process has been started; try again.' : 'It keeps stopping, so it was not restarted; the next request tries once more.'),
          details: { pid, code: exit.code, signal: exit.signal, ...(killedForMemory(exit) ? { outOfMemory: true } : {}) },
        }
      : {
          code: 'ENGINE_UNAVAILABLE',
          message: `The engine process could not start (${how}). Run "npm run build" and check the terminal for its error output.`,
          details: { pid, code: exit.code, signal: exit.signal },
        };
    this.failAll(running, error);
    const restarted = restart && wasReady;
    if (restarted) this.ensure();
    for (const listener of this.crashListeners) listener({ error, pid, restarted });
  }

  private failAll(running: Running, error: EngineErrorData): void {
    const pending = [...running.pending.values()];
    running.pending.clear();
    for (const p of pending) {
      p.cleanup();
      p.reject(new EngineCallError(error));
    }
  }
}
