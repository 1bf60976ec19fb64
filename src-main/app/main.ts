/**
 * Electron main process (bundled as dist/main/app.cjs). Windows, protocol, IPC routing — never
 * heavy work: the engine runs in a utilityProcess behind the engine host.
 */
import { BrowserWindow, app, session, shell } from 'electron';
import { ENGINE_CACHE_DIR_ENV } from '../engine/hosting/protocol.ts';
import { createBackend } from '../ipc/backend/backend.ts';
import type { Backend } from '../ipc/backend/backend.ts';
import { openablePaths } from '../ipc/backend/opened-files.ts';
import { createDispatcher } from '../ipc/dispatch.ts';
import { GalleryStore } from '../storage/gallery.ts';
import { ensureDataLayout } from '../storage/paths.ts';
import { SettingsStore } from '../storage/settings.ts';
import { appPaths } from './app-paths.ts';
import { createUtilityProcessHost } from './engine-process.ts';
import { APP_ENTRY_URL, hardenSession, hardenWebContents, mainWindowOptions } from './hardening.ts';
import { registerIpc } from './ipc-bridge.ts';
import { handleAppProtocol, registerAppScheme } from './protocol.ts';

/** how long quitting waits for the backend to save the queue and stop the engine */
const QUIT_WAIT_MS = 5000;

let mainWindow: BrowserWindow | null = null;
let backend: Backend | null = null;
/** PNGs opened before the backend exists ("Open in Reverie" at launch): handed over in start() */
const openedEarly: string[] = [];

function openFiles(paths: readonly string[]): void {
  if (backend) void backend.openedFiles.open(paths);
  else openedEarly.push(...paths);
}

function createWindow(preload: string): BrowserWindow {
  // Electronegativity cannot follow mainWindowOptions() into hardening.ts, where contextIsolation and
  // sandbox are true and Auxclick is disabled (test/unit/app/hardening.test.ts pins them): false positives.
  const win = new BrowserWindow(mainWindowOptions(preload)); // eng-disable CONTEXT_ISOLATION_JS_CHECK SANDBOX_JS_CHECK AUXCLICK_JS_CHECK
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(APP_ENTRY_URL);
  return win;
}

async function start(): Promise<void> {
  // the installation is read-only: everything written goes to the user's data folder (app-paths.ts)
  const paths = appPaths({ isPackaged: app.isPackaged, appPath: app.getAppPath(), resourcesPath: process.resourcesPath, userData: app.getPath('userData') });
  for (const warning of paths.warnings) console.warn(`[reverie] ${warning}`);
  const layout = ensureDataLayout(paths.layout.root);
  const settings = await SettingsStore.open(layout.settingsFile);
  for (const problem of settings.problems) console.warn(`[reverie] ${problem}`);
  const gallery = new GalleryStore(layout.galleryDir, layout.trashDir);
  const host = createUtilityProcessHost(paths.engineWorker, { ...process.env, [ENGINE_CACHE_DIR_ENV]: paths.cacheDir });
  backend = createBackend({
    mode: 'electron',
    appName: app.getName(),
    appVersion: app.getVersion(),
    electronVersion: process.versions.electron ?? null,
    host,
    layout,
    bundledModelsDir: paths.bundledModelsDir,
    settings,
    gallery,
    debugCalls: process.env.REVERIE_DEBUG_CALLS === '1',
    revealFile: (file) => shell.showItemInFolder(file),
  });
  hardenSession(session.defaultSession);
  handleAppProtocol({ rendererDir: paths.rendererDir, galleryFile: (name) => gallery.resolveFile(name) });
  registerIpc(createDispatcher(backend.handlers), backend.events, () => mainWindow);
  // the renderer takes them with app.openedFiles once it has started
  void backend.openedFiles.open(openedEarly.splice(0));
  mainWindow = createWindow(paths.preload);
}

registerAppScheme();
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // "Open in Reverie" (fileAssociations in electron-builder.yml): Windows and Linux pass the file on
  // the command line, of this instance or of a second one; macOS sends open-file (also before ready)
  openFiles(openablePaths(process.argv.slice(1), process.cwd()));
  app.on('open-file', (event, file) => {
    event.preventDefault();
    openFiles(openablePaths([file], process.cwd()));
  });
  app.on('second-instance', (_event, argv, workingDirectory) => {
    openFiles(openablePaths(argv.slice(1), workingDirectory));
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('window-all-closed', () => app.quit());
  // the backend saves the waiting jobs (queue.json) and stops the engine; Electron does not wait for
  // a promise, so the quit is held until that is done (at most QUIT_WAIT_MS), then goes on
  app.on('will-quit', (event) => {
    const closing = backend;
    if (!closing) return;
    backend = null;
    event.preventDefault();
    const waited = new Promise<void>((resolve) => setTimeout(resolve, QUIT_WAIT_MS).unref());
    Promise.race([closing.dispose(), waited])
      .catch((err: unknown) => console.warn(`[reverie] could not close cleanly: ${String(err)}`))
      .finally(() => app.quit());
  });
  app.whenReady().then(start, (err: unknown) => {
    console.error('Reverie could not start:', err);
    app.exit(1);
  });
}
