/** Small HTTP helpers for browser mode. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiError } from '../ipc/contract.ts';

/** Calls may carry images (img2img, inpaint masks) as data; 64 MiB is far above any real request. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function statusForError(code: string): number {
  switch (code) {
    case 'BAD_REQUEST':
    case 'BAD_INPUT':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
    case 'UNKNOWN_CALL':
    case 'MODEL_NOT_FOUND':
    case 'NO_RECORDING':
      return 404;
    // ENGINE_BUSY: another model's job holds the engine, try again later
    case 'CANCELLED':
    case 'ENGINE_BUSY':
      return 409;
    case 'QUEUE_FULL':
      return 429;
    // NAN_OUTPUT: the model's weights give NaN or infinity (the request was fine, the model cannot serve it);
    // OUT_OF_MEMORY: a valid request this machine cannot serve (the job would not fit in memory)
    case 'MODEL_INVALID':
    case 'MODEL_UNSUPPORTED':
    case 'IMAGE_INVALID':
    case 'NAN_OUTPUT':
    case 'OUT_OF_MEMORY':
      return 422;
    case 'ENGINE_CRASHED':
    case 'ENGINE_UNAVAILABLE':
    case 'PROVIDER_UNAVAILABLE':
      return 503;
    default:
      return 500;
  }
}

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: number; error: ApiError };

export async function readJsonBody(req: IncomingMessage): Promise<BodyResult> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    return { ok: false, status: 415, error: { code: 'BAD_REQUEST', message: `calls take Content-Type application/json, got ${JSON.stringify(type)}` } };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) return { ok: false, status: 413, error: { code: 'BAD_REQUEST', message: `request body over ${MAX_BODY_BYTES} bytes` } };
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, status: 400, error: { code: 'BAD_REQUEST', message: `request body is not JSON: ${(err as Error).message}` } };
  }
}

export function unauthorizedPage(res: ServerResponse, reason: string): void {
  const html = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Reverie — session token needed</title>
<body style="font-family:system-ui,sans-serif;background:#14161a;color:#d8dce3;padding:3rem">
<h1>Reverie</h1><p>${reason}</p><p>Open the URL that <code>npm start</code> (or <code>npm run serve</code>) printed in the terminal; it ends in <code>?token=…</code>.</p></body></html>`;
  res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}
