/**
 * Electron main process (bundled as dist/main/app.cjs). Windows, protocol, IPC routing — never
 * heavy work: the engine runs in a utilityProcess behind the engine host.
 */
import { BrowserWindow, app, session, shell } from 'electron';
import path from 'node:path';
import { createBackend } from '../ipc/backend/backend.ts';
import type { Backend } from '../ipc/backend/backend.ts';
import { createDispatcher } from '../ipc/dispatch.ts';
import { GalleryStore } from '../storage/gallery.ts';
import { ensureDataLayout, resolveDataDir } from '../storage/paths.ts';
import { SettingsStore } from '../storage/settings.ts';
import { createUtilityProcessHost } from './engine-process.ts';
import { APP_ENTRY_URL, hardenSession, hardenWebContents, mainWindowOptions } from './hardening.ts';
import { registerIpc } from './ipc-bridge.ts';
import { handleAppProtocol, registerAppScheme } from './protocol.ts';

let mainWindow: BrowserWindow | null = null;
let backend: Backend | null = null;

function createWindow(rootDir: string): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions(path.join(rootDir, 'dist', 'main', 'preload.cjs')));
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(APP_ENTRY_URL);
  return win;
}

async function start(): Promise<void> {
  const rootDir = app.getAppPath();
  const layout = ensureDataLayout(resolveDataDir({ electronUserData: app.getPath('userData') }));
  const settings = await SettingsStore.open(layout.settingsFile);
  for (const problem of settings.problems) console.warn(`[reverie] ${problem}`);
  const gallery = new GalleryStore(layout.galleryDir, layout.trashDir);
  const host = createUtilityProcessHost(path.join(rootDir, 'dist', 'main', 'engine-worker.cjs'));
  backend = createBackend({
    mode: 'electron',
    appName: app.getName(),
    appVersion: app.getVersion(),
    electronVersion: process.versions.electron ?? null,
    host,
    layout,
    bundledModelsDir: app.isPackaged ? path.join(process.resourcesPath, 'models') : path.join(rootDir, 'models'),
    settings,
    gallery,
    debugCalls: process.env.REVERIE_DEBUG_CALLS === '1',
    revealFile: (file) => shell.showItemInFolder(file),
  });
  hardenSession(session.defaultSession);
  handleAppProtocol({ rendererDir: path.join(rootDir, 'dist', 'renderer'), galleryFile: (name) => gallery.resolveFile(name) });
  registerIpc(createDispatcher(backend.handlers), backend.events, () => mainWindow);
  mainWindow = createWindow(rootDir);
}

registerAppScheme();
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => void backend?.dispose());
  app.whenReady().then(start, (err: unknown) => {
    console.error('Reverie could not start:', err);
    app.exit(1);
  });
}
