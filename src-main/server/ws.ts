/**
 * Browser mode's event channel: a WebSocket at /api/events carrying `{ event, payload }` JSON
 * messages, one per contract event. The upgrade passes the same gate as every HTTP request
 * (Host, Origin, token) before the handshake completes; refused upgrades get a plain HTTP status.
 * A client that sends a bad frame (too large, invalid UTF-8, unmasked, reserved opcode or bits, a bad
 * close code, an absurd length) or whose connection breaks is dropped alone: every client socket has
 * an 'error' listener, since an unheard 'error' event would end the whole process.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { EventBus } from '../ipc/events.ts';
import { HTTP_EVENTS_PATH } from '../ipc/names.ts';

/** Unsent event bytes one client may have waiting before it is dropped as not reading. */
export const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

const REASONS: Readonly<Record<number, string>> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };

export function attachEventSocket(
  server: Server,
  events: EventBus,
  gate: (req: IncomingMessage) => [number, string] | null,
): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const refuse = (socket: Duplex, status: number, reason: string): void => {
    const body = `${reason}\n`;
    socket.end(`HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://reverie.invalid');
    if (url.pathname !== HTTP_EVENTS_PATH) return refuse(socket, 404, 'no WebSocket here');
    const refused = gate(req);
    if (refused) return refuse(socket, refused[0], refused[1]);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  wss.on('connection', (ws: WebSocket) => {
    // ws has already answered with the right close code (1002, 1007, 1009) when a frame was bad;
    // terminate makes sure the socket goes even if the client never completes the close handshake
    ws.on('error', () => ws.terminate());
    const unsubscribe = events.subscribe((event, payload) => {
      if (ws.readyState !== ws.OPEN) return;
      // a client that stops reading must not make the server hold every event for it: drop it (the studio reconnects)
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return ws.terminate();
      ws.send(JSON.stringify({ event, payload }));
    });
    let alive = true;
    ws.on('pong', () => (alive = true));
    const ping = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, 30_000);
    ws.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
    ws.on('message', () => undefined); // the channel is one-way; calls go over HTTP
  });
  return {
    close: () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
