/**
 * E2E harness: starts browser mode from the built dist/ (as `npm run serve` does) on a random
 * port with a fresh data folder, and Debian's Chromium with a fresh profile.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeEach } from 'vitest';

export const REPO = path.resolve(import.meta.dirname, '..', '..');
export const ARTIFACTS = path.join(REPO, 'test-results', 'e2e');
export const CHROMIUM = '/usr/bin/chromium';

export interface Reverie {
  /** the URL printed by the server: origin + ?token= */
  url: string;
  /** http://127.0.0.1:<port> */
  origin: string;
  port: number;
  token: string;
  dataDir: string;
  output: () => string;
  /** stops the server; the data folder is removed unless `keepData` (to start again on it) */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export interface StartOptions {
  /** reuse a data folder (a restart); its settings.json is kept as it is */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
}

export async function startReverie(settings: Record<string, unknown> = {}, opts: StartOptions = {}): Promise<Reverie> {
  const server = path.join(REPO, 'dist', 'main', 'server.cjs');
  if (!existsSync(server)) throw new Error(`${server} is missing: run "npm run build" (npm run test:e2e does)`);
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'reverie-e2e-'));
  if (!opts.dataDir) writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify(settings));
  const child: ChildProcess = spawn(process.execPath, [server, '--port', '0', '--no-open'], {
    cwd: REPO,
    env: { ...process.env, REVERIE_DATA_DIR: dataDir, REVERIE_PORT: '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 20 s:\n${out}`)), 20_000);
    const check = (): void => {
      const m = /Reverie is serving at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    token: parsed.searchParams.get('token') ?? '',
    dataDir,
    output: () => out,
    stop: async ({ keepData = false } = {}) => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'reverie-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function screenshotPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, `${name}.png`);
}

/** A browser-mode session: the server, Chromium, and one page that collects console errors and uncaught exceptions. */
export interface Session {
  reverie: Reverie;
  browser: Chromium;
  page: Page;
  /** console.error messages and uncaught exceptions of `page`, in order */
  consoleErrors: string[];
}

/** Starts the server with `settings` (see startReverie), Chromium, and a page listening for errors. */
export async function startSession(settings: Record<string, unknown> = {}, opts: StartOptions = {}): Promise<Session> {
  const reverie = await startReverie(settings, opts);
  const browser = await launchChromium();
  const page = await browser.context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  return { reverie, browser, page, consoleErrors };
}

/** Closes the browser, then stops the server (removing its data folder); either may be missing when start-up failed. */
export async function stopSession(browser: Chromium | undefined, reverie: Reverie | undefined): Promise<void> {
  await browser?.close();
  await reverie?.stop();
}

/** Registers a beforeEach hook: a failing test leaves a picture of what the page showed, named after the test. */
export function screenshotOnFailure(page: () => Page | undefined, opts: { fullPage?: boolean } = {}): void {
  beforeEach(({ task, onTestFailed }) => {
    onTestFailed(async () => {
      await page()?.screenshot({ path: screenshotPath(`failed-${task.name.replace(/\W+/g, '-').slice(0, 60)}`), ...opts }).catch(() => undefined);
    });
  });
}

/**
 * Restarts browser mode on the same data folder, as a user who closes the studio, restarts it and
 * opens it again. The page leaves the studio first: a page left open while the server is down keeps
 * retrying its event socket, and Chromium logs each refused attempt as a console error.
 */
export async function restartReverie(page: Page, reverie: Reverie): Promise<Reverie> {
  await page.goto('about:blank');
  const dataDir = reverie.dataDir;
  await reverie.stop({ keepData: true });
  return startReverie({}, { dataDir });
}
