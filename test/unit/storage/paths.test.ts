import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureDataLayout, resolveDataDir } from '../../../src-main/storage/paths.ts';

describe('app data folder', () => {
  it('follows REVERIE_DATA_DIR first, then Electron userData, then the platform convention', () => {
    expect(resolveDataDir({ env: { REVERIE_DATA_DIR: '/tmp/x' }, platform: 'linux', homedir: '/home/u', electronUserData: '/e' })).toBe('/tmp/x');
    expect(resolveDataDir({ env: {}, platform: 'linux', homedir: '/home/u', electronUserData: '/e' })).toBe('/e');
    expect(resolveDataDir({ env: {}, platform: 'linux', homedir: '/home/u' })).toBe('/home/u/.config/Reverie');
    expect(resolveDataDir({ env: { XDG_CONFIG_HOME: '/cfg' }, platform: 'linux', homedir: '/home/u' })).toBe('/cfg/Reverie');
    expect(resolveDataDir({ env: { XDG_CONFIG_HOME: 'relative' }, platform: 'linux', homedir: '/home/u' })).toBe('/home/u/.config/Reverie');
    expect(resolveDataDir({ env: {}, platform: 'darwin', homedir: '/Users/u' })).toBe('/Users/u/Library/Application Support/Reverie');
    expect(resolveDataDir({ env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, platform: 'win32', homedir: 'C:\\Users\\u' })).toBe('C:\\Users\\u\\AppData\\Roaming\\Reverie');
  });

  it('creates the gallery and the user models folder', () => {
    const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'reverie-paths-')), 'nested', 'Reverie');
    const layout = ensureDataLayout(root);
    expect(existsSync(layout.galleryDir)).toBe(true);
    expect(existsSync(layout.modelsDir)).toBe(true);
    expect(layout.settingsFile).toBe(path.join(root, 'settings.json'));
    rmSync(path.dirname(path.dirname(root)), { recursive: true, force: true });
  });
});
