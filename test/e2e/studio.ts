/**
 * Helpers for the studio E2E tests: open the studio on a fresh page, pick a model, build PNGs with
 * generation parameters as A1111 and ComfyUI write them, and drop files onto the window the way
 * the OS does (a DragEvent carrying a DataTransfer with a File).
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { encodePng } from '../../src-main/engine/imageio/png.ts';
import type { PngText } from '../../src-main/engine/imageio/png.ts';
import { REPO, screenshotOnFailure, startSession, stopSession } from './harness.ts';
import type { Reverie, Session } from './harness.ts';

export const FIXTURE_MODELS = path.join(REPO, 'test', 'fixtures', 'models');

/** Resolves once `check` holds (polling), or fails naming what was awaited. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Loads the studio and waits until the models and the sampler list are in. */
export async function openStudio(page: Page, reverie: Reverie): Promise<void> {
  await page.goto(reverie.url);
  await page.getByRole('tab', { name: 'Generate', exact: true }).waitFor();
  await until('the model list', async () => (await page.getByRole('combobox', { name: 'Model' }).locator('option').count()) > 1);
  await until('the sampler list', async () => (await page.getByRole('combobox', { name: 'Sampler' }).locator('option').count()) > 5);
}

export async function pickModel(page: Page, name: string): Promise<void> {
  await page.getByRole('combobox', { name: 'Model' }).selectOption({ label: name });
}

export interface StudioSessionOptions {
  /** settings.json of the fresh data folder, or a function giving it when beforeAll runs; default: the fixture models on the CPU */
  settings?: Record<string, unknown> | (() => Record<string, unknown>);
  /** the page's viewport, set before the studio opens */
  viewport?: { width: number; height: number };
  /** open the studio (default true); false leaves the page blank */
  open?: boolean;
  /** the model to pick once the studio is open */
  model?: string;
  /** a failing test's picture shows the whole page */
  fullPage?: boolean;
}

/**
 * One browser-mode session for a test file: beforeAll starts it (startSession), sets the viewport,
 * opens the studio and picks the model; a failing test leaves a picture (screenshotOnFailure);
 * afterAll stops it. The object returned is filled in by beforeAll, so read its fields inside tests;
 * a test that restarts the server stores the new one in `reverie`. A file's own beforeAll hooks
 * registered before this call run before it, its own afterAll hooks after it (vitest's "stack" order).
 */
export function useStudioSession(opts: StudioSessionOptions = {}): Session {
  const session = {} as Session;
  beforeAll(async () => {
    const settings = typeof opts.settings === 'function' ? opts.settings() : (opts.settings ?? { modelsDirs: [FIXTURE_MODELS], provider: 'cpu' });
    Object.assign(session, await startSession(settings));
    if (opts.viewport) await session.page.setViewportSize(opts.viewport);
    if (opts.open ?? true) await openStudio(session.page, session.reverie);
    if (opts.model !== undefined) await pickModel(session.page, opts.model);
  });
  screenshotOnFailure(() => session.page, opts.fullPage ? { fullPage: true } : {});
  afterAll(() => stopSession(session.browser, session.reverie));
  return session;
}

/** A small PNG with the given text chunks (what A1111, ComfyUI or Reverie would write). */
export async function pngWith(text: PngText[], width = 64, height = 48): Promise<Buffer> {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 251;
  return encodePng({ width, height, data }, text);
}

interface PageDataTransfer {
  items: { add(file: unknown): void };
}
interface PageGlobals {
  DataTransfer: new () => PageDataTransfer;
  File: new (parts: unknown[], name: string, opts: { type: string }) => unknown;
  atob(b64: string): string;
}

/** Drops a file onto the page body (bubbles to the window, as a real drop would). */
export async function dropFile(page: Page, bytes: Buffer, name: string, type = 'image/png', selector = 'body'): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ b64, name, type }) => {
      const g = globalThis as unknown as PageGlobals;
      const bin = g.atob(b64);
      const arr = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
      const dt = new g.DataTransfer();
      dt.items.add(new g.File([arr], name, { type }));
      return dt;
    },
    { b64: bytes.toString('base64'), name, type },
  );
  await page.dispatchEvent(selector, 'dragenter', { dataTransfer });
  await page.dispatchEvent(selector, 'dragover', { dataTransfer });
  await page.dispatchEvent(selector, 'drop', { dataTransfer });
  await dataTransfer.dispose();
}

/** Pastes an image file on the page (a ClipboardEvent on the body, bubbling to the window as Ctrl+V would). */
export async function pasteFile(page: Page, bytes: Buffer, name: string): Promise<void> {
  await page.evaluate(
    ({ b64, name }) => {
      const g = globalThis as unknown as PageGlobals & {
        ClipboardEvent: new (type: string, init: { clipboardData: unknown; bubbles: boolean }) => unknown;
        document: { body: { dispatchEvent(e: unknown): void } };
      };
      const bytes = Uint8Array.from(g.atob(b64), (c) => c.charCodeAt(0));
      const dt = new g.DataTransfer();
      dt.items.add(new g.File([bytes], name, { type: 'image/png' }));
      g.document.body.dispatchEvent(new g.ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
    },
    { b64: bytes.toString('base64'), name },
  );
}

/**
 * The Generate form's prompt, by its label: a textbox, or a combobox for models with a vocabulary
 * (completions).
 */
export function promptField(page: Page) {
  return page.getByLabel('Prompt', { exact: true });
}

/** The value of a labelled field. */
export function field(page: Page, role: 'textbox' | 'spinbutton' | 'combobox' | 'slider', name: string) {
  return page.getByRole(role, { name, exact: true });
}
