/**
 * Hostile WebSocket frames against the real browser-mode server, sent over raw TCP after a proper
 * handshake: each bad frame closes only the client that sent it; the server keeps answering HTTP
 * calls and keeps delivering events to the other clients.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { InProcessHost } from '../../../src-main/engine/hosting/host.ts';
import { createEngineService } from '../../../src-main/engine/service.ts';
import { GalleryStore } from '../../../src-main/storage/gallery.ts';
import { startServer } from '../../../src-main/server/http.ts';
import { MAX_BUFFERED_BYTES } from '../../../src-main/server/ws.ts';
import type { RunningServer } from '../../../src-main/server/http.ts';
import { makeTestBackend } from '../../integration/host/helpers.ts';
import type { TestBackend } from '../../integration/host/helpers.ts';

const TOKEN = 'test-token-0123456789abcdefghijkl';
let t: TestBackend;
let server: RunningServer;
let rendererDir: string;
const cookie = (): string => `reverie_session_${server.port}=${TOKEN}`;

beforeAll(async () => {
  t = await makeTestBackend(new InProcessHost(createEngineService({ isolated: false })));
  rendererDir = mkdtempSync(path.join(os.tmpdir(), 'reverie-renderer-'));
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Reverie</title>');
  const gallery = new GalleryStore(path.join(t.dataDir, 'gallery'));
  server = await startServer({ dispatch: t.dispatch, events: t.backend.events, gallery, rendererDir, token: TOKEN, host: '127.0.0.1', port: 0, portFallback: false });
});

afterAll(async () => {
  await server.close();
  await t.close();
  rmSync(rendererDir, { recursive: true, force: true });
});

/** A frame as a client would send it (masked unless told otherwise); `length` overrides the header's length. */
function frame(opts: { opcode: number; payload?: Buffer; fin?: boolean; rsv1?: boolean; masked?: boolean; length?: bigint }): Buffer {
  const payload = opts.payload ?? Buffer.alloc(0);
  const masked = opts.masked ?? true;
  const length = opts.length ?? BigInt(payload.length);
  const first = ((opts.fin ?? true) ? 0x80 : 0) | (opts.rsv1 ? 0x40 : 0) | opts.opcode;
  let header: Buffer;
  if (length < 126n) header = Buffer.from([first, (masked ? 0x80 : 0) | Number(length)]);
  else if (length < 65536n) {
    header = Buffer.alloc(4);
    header.writeUInt16BE(Number(length), 2);
    header[1] = (masked ? 0x80 : 0) | 126;
  } else {
    header = Buffer.alloc(10);
    header.writeBigUInt64BE(length, 2);
    header[1] = (masked ? 0x80 : 0) | 127;
  }
  header[0] = first;
  if (!masked) return Buffer.concat([header, payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([header, mask, body]);
}

/** Opens a raw TCP connection and completes the WebSocket handshake with the session cookie. */
async function rawClient(): Promise<net.Socket> {
  const socket = net.connect(server.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined); // the server may reset us; that is the point
  socket.write(
    [
      'GET /api/events HTTP/1.1',
      `Host: 127.0.0.1:${server.port}`,
      `Origin: http://127.0.0.1:${server.port}`,
      `Cookie: ${cookie()}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n'),
  );
  const head = await new Promise<string>((resolve) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n\r\n')) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
  });
  expect(head).toMatch(/^HTTP\/1\.1 101 /);
  return socket;
}

/** Resolves true once the server has closed the connection, false when it is still open after `ms`. */
function closedWithin(socket: net.Socket, ms: number): Promise<boolean> {
  if (socket.destroyed || socket.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const done = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    socket.once('close', done).once('end', done);
    socket.resume();
  });
}

async function healthyClient(): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, { headers: { Cookie: cookie(), Origin: `http://127.0.0.1:${server.port}` } });
  await new Promise((resolve, reject) => ws.on('open', resolve).on('error', reject));
  return ws;
}

/** An HTTP call that changes a setting, and the event it sends to `ws`. */
async function settingsRoundTrip(ws: WebSocket, previewEvery: number): Promise<void> {
  const message = new Promise<{ event: string; payload: { settings: { previewEvery: number } } }>((resolve) => ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()))));
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, method: 'POST', path: '/api/call/settings.set', headers: { Host: `127.0.0.1:${server.port}`, Cookie: cookie(), 'Content-Type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ patch: { previewEvery } }));
  });
  expect(status).toBe(200);
  expect(await message).toMatchObject({ event: 'settings.changed', payload: { settings: { previewEvery } } });
}

const closeCode = (code: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return b;
};

const BAD_FRAMES: [string, () => Buffer][] = [
  ['a 1 MiB text message (over the 64 KiB limit)', () => frame({ opcode: 1, payload: Buffer.alloc(1024 * 1024, 0x61) })],
  ['a 1 MiB message in 64 KiB fragments', () => Buffer.concat(Array.from({ length: 16 }, (_, i) => frame({ opcode: i === 0 ? 1 : 0, fin: i === 15, payload: Buffer.alloc(65536, 0x61) })))],
  ['invalid UTF-8 in a text frame', () => frame({ opcode: 1, payload: Buffer.from([0x68, 0xff, 0xfe, 0xc3, 0x28]) })],
  ['an unmasked frame', () => frame({ opcode: 1, payload: Buffer.from('hello'), masked: false })],
  ['reserved opcode 3', () => frame({ opcode: 3, payload: Buffer.from('x') })],
  ['reserved control opcode 0xB', () => frame({ opcode: 0xb })],
  ['RSV1 set without an extension', () => frame({ opcode: 1, payload: Buffer.from('x'), rsv1: true })],
  ['close code 999', () => frame({ opcode: 8, payload: closeCode(999) })],
  ['a close frame with a 1-byte body', () => frame({ opcode: 8, payload: Buffer.from([3]) })],
  ['a continuation frame with nothing to continue', () => frame({ opcode: 0, payload: Buffer.from('x') })],
  ['a fragmented ping', () => frame({ opcode: 9, fin: false, payload: Buffer.from('x') })],
  ['a 2^62 payload length', () => frame({ opcode: 2, length: 2n ** 62n })],
  ['a 2^63 payload length (top bit set)', () => frame({ opcode: 2, length: 2n ** 63n })],
];

describe('hostile WebSocket frames', () => {
  let round = 1;
  for (const [name, make] of BAD_FRAMES) {
    it(`closes only the client that sent ${name}`, async () => {
      const other = await healthyClient();
      const bad = await rawClient();
      bad.write(make());
      expect(await closedWithin(bad, 5000)).toBe(true);
      expect(other.readyState).toBe(WebSocket.OPEN);
      await settingsRoundTrip(other, (round++ % 9) + 1);
      other.close();
    });
  }

  it('drops a client that stops reading once its unsent events pass the limit, and serves the others', async () => {
    const other = await healthyClient();
    const stalled = await rawClient();
    stalled.pause(); // never reads: the server's send buffer for it can only grow
    let receivedByOther = 0;
    other.on('message', () => receivedByOther++);
    const preview = `data:image/png;base64,${'A'.repeat(1024 * 1024)}`; // a large live preview
    for (let i = 0; i < (MAX_BUFFERED_BYTES / (1024 * 1024)) * 2; i++) {
      t.backend.events.emit('job.step', { jobId: 'job-flood', step: i + 1, steps: 1000, sigma: 1, previewUrl: preview });
      await new Promise((r) => setImmediate(r));
    }
    expect(await closedWithin(stalled, 5000)).toBe(true);
    await settingsRoundTrip(other, 7);
    expect(receivedByOther).toBeGreaterThan(MAX_BUFFERED_BYTES / (1024 * 1024));
    other.close();
  });

  it('survives a client that disconnects in the middle of a frame', async () => {
    const other = await healthyClient();
    const bad = await rawClient();
    bad.write(frame({ opcode: 1, payload: Buffer.alloc(1000, 0x61) }).subarray(0, 300));
    bad.destroy();
    await new Promise((r) => setTimeout(r, 100));
    await settingsRoundTrip(other, 4);
    other.close();
  });
});
