/** Errors as they cross the boundary: `{ code, message, details? }`. */
import { z } from 'zod';
import type { ApiError } from './contract.ts';

/** Thrown by handlers for errors the caller should see with a specific code. */
export class ApiCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

/** Anything thrown → ApiError. Keeps the codes of ApiCallError, EngineError and host errors. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof z.ZodError) {
    return { code: 'BAD_REQUEST', message: z.prettifyError(err), details: err.issues.map((i) => ({ path: i.path.map(String), message: i.message })) };
  }
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; details?: unknown };
    if (err.name === 'CancelledError') return { code: 'CANCELLED', message: err.message };
    if (typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code)) {
      return e.details === undefined ? { code: e.code, message: err.message } : { code: e.code, message: err.message, details: plain(e.details) };
    }
    return { code: 'INTERNAL', message: `${err.name}: ${err.message}` };
  }
  return { code: 'INTERNAL', message: String(err) };
}

function plain(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return String(value);
  }
}
