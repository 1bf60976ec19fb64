/**
 * The real backend over an in-process engine with the fixture models, for the call tests: a fresh
 * data folder, the dispatcher, every event kept, call and unwrap, and close (dispose and remove).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InProcessHost } from '../../../src-main/engine/hosting/host.ts';
import { createEngineService } from '../../../src-main/engine/service.ts';
import { createBackend } from '../../../src-main/ipc/backend/backend.ts';
import type { Backend } from '../../../src-main/ipc/backend/backend.ts';
import type { SettingsPatch } from '../../../src-main/ipc/schemas/settings.ts';
import type { EventName } from '../../../src-main/ipc/contract.ts';
import { createDispatcher } from '../../../src-main/ipc/dispatch.ts';
import { GalleryStore } from '../../../src-main/storage/gallery.ts';
import { ensureDataLayout } from '../../../src-main/storage/paths.ts';
import { SettingsStore } from '../../../src-main/storage/settings.ts';

export const FIXTURES = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'models');

export interface BackendOptions {
  /** the temporary data folder's name prefix */
  prefix: string;
  /** an existing data folder instead of a new one (a restart over what an earlier backend left) */
  dataDir?: string;
  /** saved to settings.json before the backend starts; default: the fixture models on the CPU */
  settings?: SettingsPatch;
  /** default 'browser' */
  mode?: 'browser' | 'electron';
  /** the gallery over the data folder's gallery and trash folders; default: a plain GalleryStore */
  gallery?: (dir: string, trash: string) => GalleryStore;
  revealFile?: (file: string) => void;
  /** default: a folder that does not exist, so only the fixture models are listed */
  bundledModelsDir?: string;
}

export interface BackendHarness {
  backend: Backend;
  dataDir: string;
  call: <T = unknown>(name: string, request?: unknown) => Promise<T>;
  events: { name: EventName; payload: unknown }[];
  close: () => Promise<void>;
}

export async function startBackend(opts: BackendOptions): Promise<BackendHarness> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), opts.prefix));
  const layout = ensureDataLayout(dataDir);
  const settings = await SettingsStore.open(layout.settingsFile);
  await settings.update(opts.settings ?? { modelsDirs: [FIXTURES], provider: 'cpu' });
  const backend = createBackend({
    mode: opts.mode ?? 'browser',
    appName: 'Reverie',
    appVersion: '0.0.0-test',
    electronVersion: null,
    host: new InProcessHost(createEngineService({ isolated: false })),
    layout,
    bundledModelsDir: opts.bundledModelsDir ?? path.join(dataDir, 'none'),
    settings,
    gallery: (opts.gallery ?? ((dir, trash) => new GalleryStore(dir, trash)))(layout.galleryDir, layout.trashDir),
    debugCalls: false,
    ...(opts.revealFile ? { revealFile: opts.revealFile } : {}),
  });
  const events: { name: EventName; payload: unknown }[] = [];
  backend.events.subscribe((name, payload) => events.push({ name, payload }));
  const dispatch = createDispatcher(backend.handlers);
  return {
    backend,
    dataDir,
    events,
    call: async <T,>(name: string, request: unknown = {}): Promise<T> => {
      const envelope = await dispatch(name, request);
      if (!envelope.ok) throw Object.assign(new Error(envelope.error.message), { code: envelope.error.code });
      return envelope.result as T;
    },
    close: async () => {
      await backend.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
