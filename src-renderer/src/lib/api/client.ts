/**
 * Builds the ReverieApi (one function per call, grouped by namespace, plus `on` for events) over
 * a transport: Electron's preload bridge or browser mode's HTTP + WebSocket.
 */
import { CALL_NAMES } from '../../../../src-main/ipc/names.ts';
import type { ApiError, CallName, EventName, EventPayload, ReverieApi } from './types.ts';

/** A call that failed on the main side (or never reached it), with the contract's error fields. */
export class ApiClientError extends Error {
  readonly code: string;
  readonly details?: unknown;
  constructor(error: ApiError) {
    super(error.message);
    this.name = 'ApiClientError';
    this.code = error.code;
    if (error.details !== undefined) this.details = error.details;
  }
}

export interface Transport {
  /** resolves with the result, rejects with ApiClientError */
  call(name: CallName, request: unknown): Promise<unknown>;
  /** all events; returns the unsubscribe function */
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void;
  /** a dropped File's path on disk (Electron only) */
  pathForFile?(file: unknown): string | null;
}

type AnyListener = (payload: never) => void;

export function createApi(transport: Transport, mode: ReverieApi['mode']): ReverieApi {
  const namespaces: Record<string, Record<string, (request?: unknown) => Promise<unknown>>> = {};
  for (const name of CALL_NAMES) {
    const [ns, method] = name.split('.') as [string, string];
    namespaces[ns] ??= {};
    namespaces[ns][method] = (request?: unknown) => transport.call(name, request ?? {});
  }
  const listeners = new Map<EventName, Set<AnyListener>>();
  let unsubscribeAll: (() => void) | null = null;
  const on = <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): (() => void) => {
    if (!unsubscribeAll) {
      unsubscribeAll = transport.subscribe((name, payload) => {
        for (const l of listeners.get(name) ?? []) (l as (p: unknown) => void)(payload);
      });
    }
    const set = listeners.get(event) ?? new Set<AnyListener>();
    listeners.set(event, set);
    set.add(listener as AnyListener);
    return () => void set.delete(listener as AnyListener);
  };
  const pathForFile = (file: unknown): string | null => transport.pathForFile?.(file) || null;
  const api = { ...namespaces, mode, on, pathForFile };
  // the object has exactly one function per CALL_NAMES entry, which is what ReverieCalls describes
  return api as unknown as ReverieApi;
}
