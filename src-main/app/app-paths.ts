/**
 * Where the Electron app reads and writes, worked out from what Electron reports (no electron
 * import, so a unit test can check packaged layouts without the runtime).
 *
 * Read-only: the installation — the code in `resources/app.asar`, the native modules unpacked
 * beside it, the bundled models in `process.resourcesPath/models` (electron-builder.yml). It is
 * replaced by every update, lies on a read-only mount in an AppImage and belongs to the
 * administrator in per-machine installs, so nothing is ever written there.
 *
 * Written: only the user's data folder (storage/paths.ts: Electron's userData, or REVERIE_DATA_DIR)
 * — settings, gallery, trash, edit inputs, models, LoRAs, and `cache/` for the engine's
 * LoRA-merged graphs (which would otherwise go to the shared system temp folder). Chromium's own
 * files (HTTP cache, local storage, crash reports) go to userData as well, Electron's default.
 */
import path from 'node:path';
import { dataLayout, resolveDataDir } from '../storage/paths.ts';
import type { DataLayout } from '../storage/paths.ts';

export interface AppPathInputs {
  isPackaged: boolean;
  /** app.getAppPath(): the repository in development, `<resources>/app.asar` when installed */
  appPath: string;
  /** process.resourcesPath */
  resourcesPath: string;
  /** app.getPath('userData') */
  userData: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

export interface AppPaths {
  /** the built renderer, preload and engine worker (inside app.asar when installed) */
  rendererDir: string;
  preload: string;
  engineWorker: string;
  /** the models shipped with the app: read, never written */
  bundledModelsDir: string;
  /** the user's data folder and its layout: the only place the app writes */
  layout: DataLayout;
  /** the engine's caches (its process gets it as REVERIE_CACHE_DIR) */
  cacheDir: string;
  /** the installation (packaged only): never written */
  readOnlyRoots: string[];
  /** what was overridden and why, for the log */
  warnings: string[];
}

function pathApi(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** Whether `child` is `parent` or lies below it (case-insensitively on Windows). */
export function isInside(child: string, parent: string, platform: NodeJS.Platform = process.platform): boolean {
  const p = pathApi(platform);
  const fold = (s: string): string => (platform === 'win32' ? s.toLowerCase() : s);
  const rel = p.relative(fold(p.resolve(parent)), fold(p.resolve(child)));
  return rel === '' || (!rel.startsWith('..') && !p.isAbsolute(rel));
}

/**
 * The installation folder that holds `resourcesPath`: `<install>/resources` on Windows and Linux
 * (AppImage: its read-only mount), `Reverie.app/Contents/Resources` on macOS.
 */
export function installRoot(resourcesPath: string, platform: NodeJS.Platform): string {
  const p = pathApi(platform);
  const up = p.dirname(resourcesPath);
  return platform === 'darwin' ? p.dirname(up) : up;
}

export function appPaths(inputs: AppPathInputs): AppPaths {
  const platform = inputs.platform ?? process.platform;
  const env = inputs.env ?? process.env;
  const p = pathApi(platform);
  const readOnlyRoots = inputs.isPackaged ? [installRoot(inputs.resourcesPath, platform)] : [];
  const warnings: string[] = [];
  let dataDir = resolveDataDir({ env, platform, electronUserData: inputs.userData });
  const inInstall = readOnlyRoots.find((root) => isInside(dataDir, root, platform));
  if (inInstall) {
    warnings.push(
      `REVERIE_DATA_DIR (${dataDir}) lies inside the installed app (${inInstall}), which is read-only and replaced by updates; ` +
        `using ${inputs.userData} instead. Point REVERIE_DATA_DIR at a folder outside the installation.`,
    );
    dataDir = inputs.userData;
  }
  const dist = p.join(inputs.appPath, 'dist');
  return {
    rendererDir: p.join(dist, 'renderer'),
    preload: p.join(dist, 'main', 'preload.cjs'),
    engineWorker: p.join(dist, 'main', 'engine-worker.cjs'),
    bundledModelsDir: inputs.isPackaged ? p.join(inputs.resourcesPath, 'models') : p.join(inputs.appPath, 'models'),
    layout: dataLayout(dataDir),
    cacheDir: p.join(dataDir, 'cache'),
    readOnlyRoots,
    warnings,
  };
}

/**
 * Every folder and file the app writes (the test that pins them inside the data folder reads this):
 * the data layout, the edit inputs (ipc/backend: `<data>/inputs`) and the engine cache.
 */
export function writtenPaths(paths: AppPaths): string[] {
  const { layout } = paths;
  return [layout.root, layout.settingsFile, layout.galleryDir, layout.trashDir, layout.modelsDir, layout.lorasDir, path.join(layout.root, 'inputs'), paths.cacheDir];
}
