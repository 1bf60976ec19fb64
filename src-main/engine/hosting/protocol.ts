/**
 * The message protocol between an engine host (main side) and the engine process. The same
 * messages travel over Electron's utilityProcess port and over a Node child process channel
 * (fork with `serialization: 'advanced'`, so typed arrays cross as such). In-process hosts call
 * the service directly and never serialise.
 */
import type { EngineMethods } from '../service.ts';

/**
 * The environment variable that tells an engine process where its caches go (LoRA-merged graphs
 * in `lora/`): the app and browser mode set it to `<data>/cache`, so nothing is written outside the
 * user's data folder. Unset (CLI, tests), the system temp folder is used.
 */
export const ENGINE_CACHE_DIR_ENV = 'REVERIE_CACHE_DIR';

export type EngineMethod = keyof EngineMethods;
export type EngineParams<M extends EngineMethod> = EngineMethods[M]['params'];
export type EngineResult<M extends EngineMethod> = EngineMethods[M]['result'];
export type EngineEvent = EngineMethods[EngineMethod]['event'];

/** An error as plain data (structured clone and JSON safe). */
export interface EngineErrorData {
  code: string;
  message: string;
  details?: unknown;
}

export type HostToWorker =
  | { type: 'call'; id: number; method: EngineMethod; params: unknown }
  | { type: 'cancel'; id: number };

export type WorkerToHost =
  | { type: 'ready'; pid: number }
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: EngineErrorData }
  | { type: 'event'; id: number; event: unknown };

export function isWorkerMessage(value: unknown): value is WorkerToHost {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'ready' || type === 'result' || type === 'event';
}

export function isHostMessage(value: unknown): value is HostToWorker {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; id?: unknown };
  return (v.type === 'call' || v.type === 'cancel') && typeof v.id === 'number';
}

/** Turns anything thrown into plain error data, keeping EngineError codes. */
export function toEngineErrorData(err: unknown): EngineErrorData {
  if (err instanceof Error) {
    const withCode = err as Error & { code?: unknown; details?: unknown };
    if (err.name === 'CancelledError') return { code: 'CANCELLED', message: err.message };
    if (typeof withCode.code === 'string' && err.name === 'EngineError') {
      return withCode.details === undefined
        ? { code: withCode.code, message: err.message }
        : { code: withCode.code, message: err.message, details: toCloneable(withCode.details) };
    }
    return { code: 'INTERNAL', message: `${err.name}: ${err.message}` };
  }
  return { code: 'INTERNAL', message: String(err) };
}

/** Details must survive structured clone and JSON; keep plain data only. */
function toCloneable(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return String(value);
  }
}

/** An error rebuilt on the host side from EngineErrorData (keeps `code` and `details`). */
export class EngineCallError extends Error {
  readonly code: string;
  readonly details?: unknown;
  constructor(data: EngineErrorData) {
    super(data.message);
    this.name = 'EngineCallError';
    this.code = data.code;
    if (data.details !== undefined) this.details = data.details;
  }
}
