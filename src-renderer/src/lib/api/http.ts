/**
 * Browser mode's transport: calls are POSTs to /api/call/<name> (the session cookie set by the
 * server authenticates them), events arrive on a WebSocket at /api/events that reconnects with
 * back-off when the connection drops.
 */
import { HTTP_CALL_PREFIX, HTTP_EVENTS_PATH } from '../../../../src-main/ipc/names.ts';
import type { Transport } from './client.ts';
import { ApiClientError } from './client.ts';
import type { ApiError, CallName, EventName } from './types.ts';

function isEnvelope(value: unknown): value is { ok: true; result: unknown } | { ok: false; error: ApiError } {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

export function httpTransport(base: URL = new URL(window.location.href)): Transport {
  const callUrl = (name: CallName): string => new URL(HTTP_CALL_PREFIX + name, base).href;
  return {
    async call(name, request) {
      let response: Response;
      try {
        response = await fetch(callUrl(name), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(request ?? {}),
          credentials: 'same-origin',
        });
      } catch (err) {
        throw new ApiClientError({ code: 'NETWORK', message: `Reverie is not reachable (${String(err)}). Is the server still running?` });
      }
      const body: unknown = await response.json().catch(() => null);
      if (!isEnvelope(body)) throw new ApiClientError({ code: 'NETWORK', message: `unexpected answer from the server (HTTP ${response.status})` });
      if (body.ok) return body.result;
      throw new ApiClientError(body.error);
    },
    subscribe(listener) {
      return openEventSocket(base, listener);
    },
  };
}

function openEventSocket(base: URL, listener: (event: EventName, payload: unknown) => void): () => void {
  const url = new URL(HTTP_EVENTS_PATH, base);
  url.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  let socket: WebSocket | null = null;
  let closed = false;
  let delay = 500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const connect = (): void => {
    socket = new WebSocket(url.href);
    socket.onopen = () => (delay = 500);
    socket.onmessage = (message: MessageEvent<string>) => {
      try {
        const { event, payload } = JSON.parse(message.data) as { event: EventName; payload: unknown };
        listener(event, payload);
      } catch (err) {
        console.error('reverie: bad event message', err);
      }
    };
    socket.onclose = () => {
      if (closed) return;
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  };
  connect();
  return () => {
    closed = true;
    clearTimeout(timer);
    socket?.close();
  };
}
