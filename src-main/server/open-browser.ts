/**
 * Opens the studio in Chromium's app mode (a window without browser chrome), with its own
 * profile in the app data folder so it starts as a separate app window.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export function findChromium(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  const candidates: string[] = [];
  if (env.REVERIE_BROWSER) candidates.push(env.REVERIE_BROWSER);
  if (platform === 'linux') {
    candidates.push('/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/usr/bin/microsoft-edge');
  } else if (platform === 'darwin') {
    candidates.push('/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge');
  } else if (platform === 'win32') {
    for (const base of [env.ProgramFiles, env['ProgramFiles(x86)'], env.LOCALAPPDATA]) {
      if (!base) continue;
      candidates.push(path.join(base, 'Google', 'Chrome', 'Application', 'chrome.exe'), path.join(base, 'Chromium', 'Application', 'chrome.exe'), path.join(base, 'Microsoft', 'Edge', 'Application', 'msedge.exe'));
    }
  }
  return candidates.find((c) => existsSync(c)) ?? null;
}

export function hasDisplay(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  return platform !== 'linux' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** Returns a line for the terminal saying what happened. */
export function openInChromium(url: string, profileDir: string): string {
  if (!hasDisplay()) return 'No display found (DISPLAY/WAYLAND_DISPLAY unset): open the URL above in a browser.';
  const exe = findChromium();
  if (!exe) return 'Chromium/Chrome not found (set REVERIE_BROWSER to its path): open the URL above in a browser.';
  const child = spawn(exe, [`--app=${url}`, `--user-data-dir=${profileDir}`, '--no-first-run', '--no-default-browser-check'], {
    detached: true,
    stdio: 'ignore',
  });
  child.on('error', (err) => console.error(`Could not start ${exe}: ${err.message}. Open the URL above in a browser.`));
  child.unref();
  return `Opening it in ${path.basename(exe)} (app mode).`;
}
