import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { request } from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import NodeWebSocket from 'ws';
import { screenshotPath } from './harness.ts';
import { FIXTURE_MODELS, useStudioSession } from './studio.ts';

/** The few browser globals the in-page code below uses (the test program is typed for Node, without DOM). */
interface PageGlobals {
  location: { origin: string };
  Image: new () => { naturalWidth: number; src: string; onload: (() => void) | null; onerror: (() => void) | null };
}

const session = useStudioSession({ settings: { modelsDirs: [FIXTURE_MODELS] }, open: false, fullPage: true });

function raw(method: string, urlPath: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: session.reverie.port, method, path: urlPath, headers: { Host: `127.0.0.1:${session.reverie.port}`, 'Content-Type': 'application/json', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

describe('browser mode, first screen', () => {
  it('opens from the printed URL, drops the token from the address bar and shows the studio', async () => {
    const response = await session.page.goto(session.reverie.url);
    expect(response?.status()).toBe(200);
    expect(session.page.url()).toBe(`${session.reverie.origin}/`);
    await expect(session.page.title()).resolves.toBe('Reverie');
    await session.page.getByRole('heading', { name: 'Reverie', level: 1 }).waitFor();
    await session.page.getByText('browser mode', { exact: false }).first().waitFor();
  });

  it('opens on the Generate tab with a model picked', async () => {
    await session.page.getByRole('tab', { name: 'Generate', exact: true, selected: true }).waitFor();
    await session.page.getByRole('button', { name: 'Generate', exact: true }).waitFor();
    await session.page.screenshot({ path: screenshotPath('first-screen'), fullPage: true });
  });

  it('shows the execution providers and whether each works (Settings, "This machine")', async () => {
    await session.page.getByRole('button', { name: 'Settings', exact: true }).click();
    await session.page.getByRole('dialog', { name: 'Settings' }).waitFor();
    const providers = session.page.getByRole('list', { name: 'Execution providers' });
    await providers.waitFor({ timeout: 30_000 });
    const cpu = providers.locator('[data-provider="cpu"]');
    await expect(cpu.innerText()).resolves.toMatch(/CPU[\s\S]*works/);
    const cuda = providers.locator('[data-provider="cuda"]');
    await expect(cuda.innerText()).resolves.toMatch(/not working[\s\S]*setup:cuda/);
  });

  it('shows the models: valid ones ready, broken ones with the reason', async () => {
    const models = session.page.getByRole('list', { name: 'Models' });
    await models.waitFor({ timeout: 30_000 });
    await expect(models.locator('[data-model="reverie-tiny"]').innerText()).resolves.toMatch(/reverie-tiny[\s\S]*ready/);
    const broken = models.locator('[data-model="broken-missing-unet"]');
    await expect(broken.innerText()).resolves.toMatch(/cannot be used/);
    await expect(session.page.getByRole('list', { name: 'Problems with broken-missing-unet' }).innerText()).resolves.toMatch(/unet/);
    await models.scrollIntoViewIfNeeded();
    await session.page.screenshot({ path: screenshotPath('settings-system') });
    await session.page.keyboard.press('Escape');
    await session.page.getByRole('dialog', { name: 'Settings' }).waitFor({ state: 'hidden' });
  });

  it('ran without console errors or CSP violations', () => {
    expect(session.consoleErrors).toEqual([]);
  });

  it('refuses a forged request without the token', async () => {
    expect(await raw('POST', '/api/call/system.info', {})).toBe(401);
    expect(await raw('POST', '/api/call/system.info', { Cookie: `reverie_session_${session.reverie.port}=forged` })).toBe(401);
    expect(await raw('GET', '/', {})).toBe(401);
    expect(await raw('POST', '/api/call/system.info', { Authorization: `Bearer ${session.reverie.token}` })).toBe(200);
  });

  it('refuses a foreign Origin or Host even with the token', async () => {
    const auth = { Authorization: `Bearer ${session.reverie.token}` };
    expect(await raw('POST', '/api/call/settings.get', { ...auth, Origin: 'http://evil.example' })).toBe(403);
    expect(await raw('POST', '/api/call/settings.get', { ...auth, Host: `evil.example:${session.reverie.port}` })).toBe(403);
  });

  it('refuses an event socket without the token', async () => {
    const status = await new Promise<number | string>((resolve) => {
      const ws = new NodeWebSocket(`ws://127.0.0.1:${session.reverie.port}/api/events`);
      ws.on('open', () => resolve('open'));
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(401);
  });

  it('a page from another local origin cannot use the session (same site, so the cookie goes along)', async () => {
    const evil: Server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>evil</title>');
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    const port = (evil.address() as { port: number }).port;
    const other = await session.browser.context.newPage();
    await other.goto(`http://127.0.0.1:${port}/`);
    const result = await other.evaluate(async (target) => {
      const body = JSON.stringify({ patch: { previewEvery: 9 } });
      const attempts: string[] = [];
      try {
        const r = await fetch(`${target}/api/call/settings.set`, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body });
        attempts.push(`no-cors:${r.type}`);
      } catch (e) {
        attempts.push(`no-cors:error:${String(e)}`);
      }
      try {
        await fetch(`${target}/api/call/settings.set`, { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body });
        attempts.push('cors:sent');
      } catch {
        attempts.push('cors:blocked');
      }
      const socket = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`${target.replace('http', 'ws')}/api/events`);
        ws.onopen = () => resolve('open');
        ws.onerror = () => resolve('refused');
        setTimeout(() => resolve('no answer'), 10_000);
      });
      return { attempts, socket };
    }, session.reverie.origin);
    await other.close();
    evil.closeAllConnections();
    await new Promise<void>((r) => evil.close(() => r()));
    expect(result.socket).toBe('refused');
    expect(result.attempts).toContain('cors:blocked');
    // and nothing changed on the server
    const settings = await session.page.evaluate(async () => (await (await fetch('/api/call/settings.get', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).json()) as { result: { previewEvery: number } });
    expect(settings.result.previewEvery).toBe(1);
  });

  it('runs a job over the page\'s own API session: events on the WebSocket, images load under the CSP', async () => {
    const tiny = path.join(FIXTURE_MODELS, 'reverie-tiny');
    const result = await session.page.evaluate(async (model) => {
      const win = globalThis as unknown as PageGlobals;
      const socket = new WebSocket(`${win.location.origin.replace('http', 'ws')}/api/events`);
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = reject;
      });
      const events: { event: string; payload: Record<string, unknown> }[] = [];
      const done = new Promise<{ items: { url: string; width: number }[] }>((resolve, reject) => {
        socket.onmessage = (m: { data: unknown }) => {
          const e = JSON.parse(String(m.data)) as { event: string; payload: Record<string, unknown> };
          events.push(e);
          if (e.event === 'job.done') resolve(e.payload as { items: { url: string; width: number }[] });
          if (e.event === 'job.error') reject(new Error(JSON.stringify(e.payload)));
        };
      });
      const body = JSON.stringify({ kind: 'txt2img', params: { model, prompt: 'a red square', steps: 3, seed: 3 } });
      const submitted = (await (await fetch('/api/call/jobs.submit', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })).json()) as { ok: boolean };
      const { items } = await done;
      socket.close();
      const load = (src: string) =>
        new Promise<number>((resolve, reject) => {
          const img = new win.Image();
          img.onload = () => resolve(img.naturalWidth);
          img.onerror = () => reject(new Error(`could not load ${src.slice(0, 40)}`));
          img.src = src;
        });
      const preview = events.find((e) => e.event === 'job.step')?.payload.previewUrl as string;
      return { submitted: submitted.ok, url: items[0].url, width: await load(items[0].url), previewWidth: await load(preview), names: events.map((e) => e.event) };
    }, tiny);
    expect(result.submitted).toBe(true);
    expect(result.url).toMatch(/^\/media\/gallery\/[\w-]+\.png$/);
    expect(result.width).toBe(256);
    expect(result.previewWidth).toBe(32);
    expect(result.names).toEqual(expect.arrayContaining(['job.queued', 'job.started', 'job.progress', 'job.step', 'job.done', 'jobs.changed']));
    expect(session.consoleErrors).toEqual([]);
  });
});
