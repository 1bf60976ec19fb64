/**
 * Where Reverie keeps its data: settings.json, queue.json (the waiting jobs, ipc/backend/queue-store.ts),
 * gallery/ (gallery/damaged/: unreadable PNGs moved aside at start), trash/ (deleted results, kept a
 * week), models/ (the user's models folder), loras/ (LoRA files).
 *
 *  1. REVERIE_DATA_DIR, when set (tests, portable installs);
 *  2. in Electron, app.getPath('userData') (passed in by the app);
 *  3. otherwise the same folder Electron would pick for productName "Reverie":
 *     Linux $XDG_CONFIG_HOME/Reverie or ~/.config/Reverie, Windows %APPDATA%\Reverie,
 *     macOS ~/Library/Application Support/Reverie — so browser mode and the app share one gallery.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const APP_DIR_NAME = 'Reverie';

export interface DataDirInputs {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  homedir?: string;
  /** Electron's app.getPath('userData') */
  electronUserData?: string;
}

export function resolveDataDir(inputs: DataDirInputs = {}): string {
  const env = inputs.env ?? process.env;
  const platform = inputs.platform ?? process.platform;
  const home = inputs.homedir ?? os.homedir();
  const p = platform === 'win32' ? path.win32 : path.posix;
  const override = env.REVERIE_DATA_DIR?.trim();
  if (override) return p.resolve(override);
  if (inputs.electronUserData) return inputs.electronUserData;
  if (platform === 'win32') return p.join(env.APPDATA ?? p.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return p.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  const xdg = env.XDG_CONFIG_HOME?.trim();
  return p.join(xdg && p.isAbsolute(xdg) ? xdg : p.join(home, '.config'), APP_DIR_NAME);
}

export interface DataLayout {
  root: string;
  settingsFile: string;
  galleryDir: string;
  /** deleted gallery items, restorable for a week */
  trashDir: string;
  /** the user's models folder, scanned after the bundled models/ */
  modelsDir: string;
  /** LoRA files (<lora:NAME:weight> finds NAME.safetensors here) */
  lorasDir: string;
  /** the engine's caches: LoRA-merged graphs (lora/), ONNX Runtime's optimized graphs (ort/) */
  cacheDir: string;
}

export function dataLayout(root: string): DataLayout {
  return {
    root,
    settingsFile: path.join(root, 'settings.json'),
    galleryDir: path.join(root, 'gallery'),
    trashDir: path.join(root, 'trash'),
    modelsDir: path.join(root, 'models'),
    lorasDir: path.join(root, 'loras'),
    cacheDir: path.join(root, 'cache'),
  };
}

/** Creates the data folder and its subfolders (the user models folder included) if missing. */
export function ensureDataLayout(root: string): DataLayout {
  const layout = dataLayout(root);
  for (const dir of [layout.root, layout.galleryDir, layout.modelsDir, layout.lorasDir]) mkdirSync(dir, { recursive: true });
  return layout;
}
