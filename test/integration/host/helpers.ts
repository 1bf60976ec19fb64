import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChildProcessHost } from '../../../src-main/engine/hosting/child-process.ts';
import type { ProcessHost } from '../../../src-main/engine/hosting/process-host.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { createBackend } from '../../../src-main/ipc/backend/backend.ts';
import type { Backend } from '../../../src-main/ipc/backend/backend.ts';
import type { EventName } from '../../../src-main/ipc/contract.ts';
import { createDispatcher } from '../../../src-main/ipc/dispatch.ts';
import type { Dispatch } from '../../../src-main/ipc/dispatch.ts';
import type { EngineHost } from '../../../src-main/engine/hosting/host.ts';
import { GalleryStore } from '../../../src-main/storage/gallery.ts';
import { ensureDataLayout } from '../../../src-main/storage/paths.ts';
import { SettingsStore } from '../../../src-main/storage/settings.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURE_MODELS = path.join(REPO, 'test', 'fixtures', 'models');
export const TINY_MODEL = path.join(FIXTURE_MODELS, 'reverie-tiny');

/** A real engine process: the TypeScript worker under tsx (no build needed), debug calls enabled. */
export function tsxChildHost(env: NodeJS.ProcessEnv = {}): ProcessHost {
  return createChildProcessHost({
    entry: path.join(REPO, 'src-main', 'engine', 'hosting', 'worker-main.ts'),
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, REVERIE_DEBUG_CALLS: '1', ...env },
  });
}

export interface TestBackend {
  backend: Backend;
  dispatch: Dispatch;
  /** every event sent, in order */
  events: { name: EventName; payload: unknown }[];
  dataDir: string;
  /** call and unwrap, throwing the envelope's error */
  call(name: string, request?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

/** The real backend over a real engine host, with a temp data dir whose settings add the fixture models. */
export async function makeTestBackend(host: EngineHost, opts: { debugCalls?: boolean } = {}): Promise<TestBackend> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'reverie-backend-'));
  const layout = ensureDataLayout(dataDir);
  const settings = await SettingsStore.open(layout.settingsFile);
  await settings.update({ modelsDirs: [FIXTURE_MODELS], provider: 'cpu' });
  const backend = createBackend({
    mode: 'browser',
    appName: 'Reverie',
    appVersion: '0.0.0-test',
    electronVersion: null,
    host,
    layout,
    bundledModelsDir: path.join(dataDir, 'no-bundled-models'),
    settings,
    gallery: new GalleryStore(layout.galleryDir),
    debugCalls: opts.debugCalls ?? true,
  });
  const events: { name: EventName; payload: unknown }[] = [];
  backend.events.subscribe((name, payload) => events.push({ name, payload }));
  const dispatch = createDispatcher(backend.handlers);
  return {
    backend,
    dispatch,
    events,
    dataDir,
    call: async (name, request = {}) => {
      const envelope = await dispatch(name, request);
      if (!envelope.ok) throw Object.assign(new Error(envelope.error.message), { code: envelope.error.code, details: envelope.error.details });
      return envelope.result;
    },
    close: async () => {
      await backend.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves when `predicate` holds for some event (polling the recorded list). */
export async function waitForEvent(t: TestBackend, predicate: (e: { name: EventName; payload: unknown }) => boolean, timeoutMs = 30_000): Promise<{ name: EventName; payload: unknown }> {
  const start = Date.now();
  for (;;) {
    const hit = t.events.find(predicate);
    if (hit) return hit;
    if (Date.now() - start > timeoutMs) throw new Error(`no matching event within ${timeoutMs} ms; got ${t.events.map((e) => e.name).join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
