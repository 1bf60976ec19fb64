/**
 * Assembles browser mode: app data folder, settings, gallery, the engine in a Node child process,
 * the backend behind the contract, and the HTTP/WebSocket server.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createChildProcessHost } from '../engine/hosting/child-process.ts';
import { ENGINE_CACHE_DIR_ENV } from '../engine/hosting/protocol.ts';
import type { Backend } from '../ipc/backend/backend.ts';
import { createBackend } from '../ipc/backend/backend.ts';
import { createDispatcher } from '../ipc/dispatch.ts';
import { GalleryStore } from '../storage/gallery.ts';
import { ensureDataLayout, resolveDataDir } from '../storage/paths.ts';
import type { DataLayout } from '../storage/paths.ts';
import { SettingsStore } from '../storage/settings.ts';
import { startServer } from './http.ts';
import type { RunningServer } from './http.ts';
import { newSessionToken } from './security.ts';

export interface BrowserModeOptions {
  /** the app root: package.json, models/, dist/renderer */
  rootDir: string;
  /** the engine worker script (dist/main/engine-worker.cjs) */
  workerEntry: string;
  workerExecArgv?: string[];
  host: string;
  port: number;
  portFallback: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface BrowserMode {
  server: RunningServer;
  backend: Backend;
  layout: DataLayout;
  warnings: string[];
  close(): Promise<void>;
}

export function readAppVersion(rootDir: string): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(rootDir, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export async function startBrowserMode(opts: BrowserModeOptions): Promise<BrowserMode> {
  const env = opts.env ?? process.env;
  const layout = ensureDataLayout(resolveDataDir({ env }));
  const settings = await SettingsStore.open(layout.settingsFile);
  const gallery = new GalleryStore(layout.galleryDir, layout.trashDir);
  // the engine's caches (LoRA-merged graphs) stay in the data folder too
  const workerEnv = { ...env, [ENGINE_CACHE_DIR_ENV]: path.join(layout.root, 'cache') };
  const host = createChildProcessHost({ entry: opts.workerEntry, execArgv: opts.workerExecArgv ?? [], env: workerEnv });
  const backend = createBackend({
    mode: 'browser',
    appName: 'Reverie',
    appVersion: readAppVersion(opts.rootDir),
    electronVersion: null,
    host,
    layout,
    bundledModelsDir: path.join(opts.rootDir, 'models'),
    settings,
    gallery,
    debugCalls: env.REVERIE_DEBUG_CALLS === '1',
  });
  let server: RunningServer;
  try {
    server = await startServer({
      dispatch: createDispatcher(backend.handlers),
      events: backend.events,
      gallery,
      rendererDir: path.join(opts.rootDir, 'dist', 'renderer'),
      token: newSessionToken(),
      host: opts.host,
      port: opts.port,
      portFallback: opts.portFallback,
    });
  } catch (err) {
    await backend.dispose();
    throw err;
  }
  return {
    server,
    backend,
    layout,
    warnings: settings.problems,
    close: async () => {
      await server.close();
      await backend.dispose();
    },
  };
}
