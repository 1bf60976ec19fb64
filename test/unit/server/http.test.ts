import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { InProcessHost } from '../../../src-main/engine/hosting/host.ts';
import { createEngineService } from '../../../src-main/engine/service.ts';
import { GalleryStore } from '../../../src-main/storage/gallery.ts';
import { startServer } from '../../../src-main/server/http.ts';
import type { RunningServer } from '../../../src-main/server/http.ts';
import { makeTestBackend } from '../../integration/host/helpers.ts';
import type { TestBackend } from '../../integration/host/helpers.ts';

const TOKEN = 'test-token-0123456789abcdefghijkl';
let t: TestBackend;
let server: RunningServer;
let rendererDir: string;
let imageUrl: string;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(method: string, urlPath: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path: urlPath, headers: { Host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const cookie = (): Record<string, string> => ({ Cookie: `reverie_session_${server.port}=${TOKEN}` });
const call = (name: string, headers: Record<string, string> = cookie(), body = '{}') =>
  send('POST', `/api/call/${name}`, { 'Content-Type': 'application/json', ...headers }, body);

function wsStatus(headers: Record<string, string>): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => undefined);
  });
}

beforeAll(async () => {
  t = await makeTestBackend(new InProcessHost(createEngineService({ isolated: false })));
  rendererDir = mkdtempSync(path.join(os.tmpdir(), 'reverie-renderer-'));
  mkdirSync(path.join(rendererDir, 'assets'));
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Reverie</title>');
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  const gallery = new GalleryStore(path.join(t.dataDir, 'gallery'));
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108020000009077533d0000000c4944415408d763f8cfc000000301010018dd8db40000000049454e44ae426082', 'hex');
  const item = await gallery.save({ png, width: 1, height: 1, seed: 1, modelName: 'm', request: { kind: 'txt2img', params: { model: '/m', prompt: 'p', negativePrompt: '', seed: 1, batchSize: 1, batchCount: 1, provider: 'auto' } }, parameters: 'p' });
  imageUrl = item.url;
  server = await startServer({ dispatch: t.dispatch, events: t.backend.events, gallery, rendererDir, token: TOKEN, host: '127.0.0.1', port: 0, portFallback: false });
});

afterAll(async () => {
  await server.close();
  await t.close();
  rmSync(rendererDir, { recursive: true, force: true });
});

describe('browser-mode server', () => {
  it('trades the URL token for an HttpOnly SameSite=Strict cookie and strips it from the address', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
    const res = await send('GET', `/?token=${TOKEN}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(res.headers['set-cookie']?.[0]).toBe(`reverie_session_${server.port}=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`);
    expect((await send('GET', '/?token=wrong')).status).toBe(401);
  });

  it('serves the renderer only with the token, with the CSP and hardening headers', async () => {
    const denied = await send('GET', '/');
    expect(denied.status).toBe(401);
    expect(denied.body).toMatch(/session token/);
    const page = await send('GET', '/', cookie());
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<title>Reverie/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self';/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await send('GET', '/assets/app.js', cookie())).headers['content-type']).toMatch(/javascript/);
    expect((await send('GET', '/assets/app.js')).status).toBe(401);
  });

  it('answers calls with the token (cookie or bearer) and refuses forged ones', async () => {
    expect((await call('settings.get', {})).status).toBe(401);
    expect(JSON.parse((await call('settings.get', { Cookie: `reverie_session_${server.port}=nope` })).body).error.code).toBe('UNAUTHORIZED');
    const ok = await call('settings.get');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, result: { provider: 'cpu' } });
    expect((await call('settings.get', { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it('refuses foreign origins, foreign Host names (DNS rebinding) and cross-site fetches even with the token', async () => {
    expect((await call('settings.get', { ...cookie(), Origin: 'http://evil.example' })).status).toBe(403);
    expect((await call('settings.get', { ...cookie(), Origin: `http://127.0.0.1:${server.port}` })).status).toBe(200);
    const rebound = await call('settings.get', { ...cookie(), Host: `evil.example:${server.port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error.message).toMatch(/DNS rebinding/);
    expect((await call('settings.get', { ...cookie(), Host: `localhost:${server.port}` })).status).toBe(200);
    expect((await call('settings.get', { ...cookie(), 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'cors' })).status).toBe(403);
  });

  it('maps contract errors to statuses and insists on JSON POSTs', async () => {
    const bad = await call('gallery.get', cookie(), '{"id":"../../x"}');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe('BAD_REQUEST');
    expect((await call('nope.nothing')).status).toBe(404);
    expect((await send('POST', '/api/call/settings.get', { ...cookie(), 'Content-Type': 'text/plain' }, '{}')).status).toBe(415);
    expect((await send('GET', '/api/call/settings.get', cookie())).status).toBe(405);
    expect((await call('settings.get', cookie(), '{nope')).status).toBe(400);
  });

  it('answers a malformed percent-escape in the path with 400 naming it, on every route, and stays up', async () => {
    for (const [method, urlPath] of [
      ['POST', '/api/call/settings.%E0%A4%A'],
      ['GET', '/media/gallery/%zz.png'],
      ['GET', '/media/gallery/%'],
      ['GET', '/assets/%E0%A4%A.js'],
      ['GET', '/%C0%AF'],
    ] as const) {
      const res = await send(method, urlPath, { ...cookie(), 'Content-Type': 'application/json' }, method === 'POST' ? '{}' : undefined);
      expect(res.status, `${method} ${urlPath}`).toBe(400);
      const body = JSON.parse(res.body) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('BAD_REQUEST');
      expect(body.error.message).toMatch(/malformed percent-escape/);
    }
    expect((await call('settings.get')).status).toBe(200);
  });

  it('serves gallery images behind the token and never files outside its folders', async () => {
    const img = await send('GET', imageUrl, cookie());
    expect(img.status).toBe(200);
    expect(img.headers['content-type']).toBe('image/png');
    expect((await send('GET', imageUrl)).status).toBe(401);
    expect((await send('GET', '/media/gallery/..%2f..%2fsettings.json', cookie())).status).toBe(404);
    expect((await send('GET', '/..%2f..%2fpackage.json', cookie())).body).not.toMatch(/"dependencies"/);
    expect((await send('GET', '/missing.js', cookie())).status).toBe(404);
  });

  it('accepts event sockets with the token only, and delivers events', async () => {
    expect(await wsStatus({})).toBe(401);
    expect(await wsStatus({ ...cookie(), Origin: 'http://evil.example' })).toBe(403);
    expect(await wsStatus({ ...cookie(), Host: `evil.example:${server.port}` })).toBe(403);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, { headers: { ...cookie(), Origin: `http://127.0.0.1:${server.port}` } });
    await new Promise((resolve, reject) => ws.on('open', resolve).on('error', reject));
    const message = new Promise<{ event: string; payload: { settings: { previewEvery: number } } }>((resolve) => ws.on('message', (data: Buffer) => resolve(JSON.parse(data.toString()))));
    await call('settings.set', cookie(), '{"patch":{"previewEvery":5}}');
    expect(await message).toMatchObject({ event: 'settings.changed', payload: { settings: { previewEvery: 5 } } });
    ws.close();
  });

  it('falls back to a free port only when asked to', async () => {
    const common = { dispatch: t.dispatch, events: t.backend.events, gallery: new GalleryStore(t.dataDir), rendererDir, token: TOKEN, host: '127.0.0.1', port: server.port };
    await expect(startServer({ ...common, portFallback: false })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    const other = await startServer({ ...common, portFallback: true });
    expect(other.port).not.toBe(server.port);
    await other.close();
  });
});
