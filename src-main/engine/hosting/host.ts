/**
 * One interface for running the engine, whatever process it lives in:
 *  - InProcessHost (here): the CLI and tests, same thread;
 *  - ProcessHost over a Node child process (child-process.ts): browser mode;
 *  - ProcessHost over an Electron utilityProcess (src-main/app/engine-process.ts): the app.
 * Process hosts survive the engine dying: pending calls fail with ENGINE_CRASHED, listeners get
 * an `onCrash` report, and a fresh engine process is started.
 */
import type { EngineService } from '../service.ts';
import type { EngineErrorData, EngineEvent, EngineMethod, EngineParams, EngineResult } from './protocol.ts';
import { EngineCallError, toEngineErrorData } from './protocol.ts';

export interface InvokeOptions {
  signal?: AbortSignal;
  onEvent?: (event: EngineEvent) => void;
}

export interface CrashReport {
  error: EngineErrorData;
  /** the pid that died */
  pid: number | null;
  /** whether a fresh engine process was started */
  restarted: boolean;
}

export interface EngineHost {
  readonly kind: 'in-process' | 'child-process' | 'utility-process';
  invoke<M extends EngineMethod>(method: M, params: EngineParams<M>, opts?: InvokeOptions): Promise<EngineResult<M>>;
  /** called whenever the engine process dies unexpectedly; returns the unsubscribe function */
  onCrash(listener: (report: CrashReport) => void): () => void;
  /** pid of the engine process now running (null in-process or between restarts) */
  pid(): number | null;
  dispose(): Promise<void>;
}

/** Runs the service on the calling thread; errors are normalised the same way as across processes. */
export class InProcessHost implements EngineHost {
  readonly kind = 'in-process' as const;
  constructor(private readonly service: EngineService) {}

  async invoke<M extends EngineMethod>(method: M, params: EngineParams<M>, opts: InvokeOptions = {}): Promise<EngineResult<M>> {
    try {
      return await this.service.call(method, params, {
        signal: opts.signal ?? new AbortController().signal,
        emit: opts.onEvent ?? noop,
      });
    } catch (err) {
      throw new EngineCallError(toEngineErrorData(err));
    }
  }

  onCrash(): () => void {
    return noop; // an in-process engine cannot crash without taking the caller down with it
  }

  pid(): number | null {
    return null;
  }

  async dispose(): Promise<void> {
    await this.service.dispose();
  }
}

function noop(): void {}
