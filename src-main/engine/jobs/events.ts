/**
 * Typed job events (house rule 6: long work is a cancellable job with typed events). Plain data,
 * structured-clone safe, so the engine host can forward them over IPC or WebSocket unchanged.
 */
import type { EngineErrorCode } from '../types.ts';

export type JobId = string;

/** An error as it crosses process boundaries: `{ code, message, details? }`. */
export interface JobError {
  readonly code: EngineErrorCode;
  readonly message: string;
  readonly details?: unknown;
}

export type JobEvent<R = unknown, S = unknown> =
  | { readonly type: 'queued'; readonly jobId: JobId; /** jobs ahead of this one */ readonly position: number }
  | { readonly type: 'started'; readonly jobId: JobId }
  | { readonly type: 'progress'; readonly jobId: JobId; readonly step: number; readonly total: number; readonly etaMs: number | null }
  | { readonly type: 'step'; readonly jobId: JobId; readonly step: S }
  | { readonly type: 'done'; readonly jobId: JobId; readonly result: R }
  | { readonly type: 'error'; readonly jobId: JobId; readonly error: JobError };

export type JobEventType = JobEvent['type'];
