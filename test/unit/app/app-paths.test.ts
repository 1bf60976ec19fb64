import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appPaths, installRoot, isInside, writtenPaths } from '../../../src-main/app/app-paths.ts';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');

/** Installed layouts as electron-builder lays them out (resourcesPath, app.asar, userData). */
const PACKAGED = [
  { what: 'deb', resourcesPath: '/opt/Reverie/resources', userData: '/home/u/.config/Reverie' },
  { what: 'AppImage', resourcesPath: '/tmp/.mount_ReverixYz12/resources', userData: '/home/u/.config/Reverie' },
  { what: 'dmg', resourcesPath: '/Applications/Reverie.app/Contents/Resources', userData: '/Users/u/Library/Application Support/Reverie', platform: 'darwin' as const },
];

describe('where the packaged app writes', () => {
  for (const layout of PACKAGED) {
    it(`${layout.what}: only into the user's data folder, never into the installation`, () => {
      const platform = layout.platform ?? 'linux';
      const paths = appPaths({ isPackaged: true, appPath: path.posix.join(layout.resourcesPath, 'app.asar'), resourcesPath: layout.resourcesPath, userData: layout.userData, env: {}, platform });
      expect(paths.layout.root).toBe(layout.userData);
      expect(paths.cacheDir).toBe(path.posix.join(layout.userData, 'cache'));
      expect(paths.readOnlyRoots).toEqual([installRoot(layout.resourcesPath, platform)]);
      const written = writtenPaths(paths);
      expect(written.length).toBeGreaterThanOrEqual(8);
      for (const file of written) {
        expect(isInside(file, layout.userData, platform), file).toBe(true);
        expect(isInside(file, layout.resourcesPath, platform), file).toBe(false);
        for (const root of paths.readOnlyRoots) expect(isInside(file, root, platform), file).toBe(false);
      }
      // what the app reads from the installation
      expect(paths.bundledModelsDir).toBe(path.posix.join(layout.resourcesPath, 'models'));
      expect(paths.preload).toBe(path.posix.join(layout.resourcesPath, 'app.asar', 'dist', 'main', 'preload.cjs'));
      expect(isInside(paths.bundledModelsDir, paths.readOnlyRoots[0], platform)).toBe(true);
      expect(paths.warnings).toEqual([]);
    });
  }

  it('macOS: the whole Reverie.app bundle is read-only', () => {
    expect(installRoot('/Applications/Reverie.app/Contents/Resources', 'darwin')).toBe('/Applications/Reverie.app');
    expect(installRoot('/opt/Reverie/resources', 'linux')).toBe('/opt/Reverie');
    expect(installRoot('C:\\Program Files\\Reverie\\resources', 'win32')).toBe('C:\\Program Files\\Reverie');
  });

  it('honours REVERIE_DATA_DIR outside the installation, and refuses one inside it', () => {
    const base = { isPackaged: true, appPath: '/opt/Reverie/resources/app.asar', resourcesPath: '/opt/Reverie/resources', userData: '/home/u/.config/Reverie', platform: 'linux' as const };
    expect(appPaths({ ...base, env: { REVERIE_DATA_DIR: '/mnt/usb/reverie' } }).layout.root).toBe('/mnt/usb/reverie');
    for (const inside of ['/opt/Reverie/data', '/opt/Reverie/resources/models', '/opt/Reverie']) {
      const paths = appPaths({ ...base, env: { REVERIE_DATA_DIR: inside } });
      expect(paths.layout.root).toBe('/home/u/.config/Reverie');
      expect(paths.cacheDir).toBe('/home/u/.config/Reverie/cache');
      expect(paths.warnings[0]).toContain(`REVERIE_DATA_DIR (${inside}) lies inside the installed app (/opt/Reverie)`);
    }
    // a sibling that only shares a prefix is not inside
    expect(appPaths({ ...base, env: { REVERIE_DATA_DIR: '/opt/Reverie-data' } }).layout.root).toBe('/opt/Reverie-data');
  });

  it('Windows: per-user data under %APPDATA%, the install folder compared case-insensitively', () => {
    const base = { isPackaged: true, appPath: 'C:\\Program Files\\Reverie\\resources\\app.asar', resourcesPath: 'C:\\Program Files\\Reverie\\resources', userData: 'C:\\Users\\u\\AppData\\Roaming\\Reverie', platform: 'win32' as const };
    const paths = appPaths({ ...base, env: {} });
    expect(paths.layout.root).toBe('C:\\Users\\u\\AppData\\Roaming\\Reverie');
    expect(paths.cacheDir).toBe('C:\\Users\\u\\AppData\\Roaming\\Reverie\\cache');
    expect(paths.bundledModelsDir).toBe('C:\\Program Files\\Reverie\\resources\\models');
    expect(isInside(paths.cacheDir, paths.readOnlyRoots[0], 'win32')).toBe(false);
    const refused = appPaths({ ...base, env: { REVERIE_DATA_DIR: 'c:\\program files\\reverie\\data' } });
    expect(refused.layout.root).toBe('C:\\Users\\u\\AppData\\Roaming\\Reverie');
    expect(refused.warnings).toHaveLength(1);
  });

  it('in development reads the checkout and writes to userData', () => {
    const paths = appPaths({ isPackaged: false, appPath: '/src/reverie', resourcesPath: '/src/reverie/node_modules/electron/dist/resources', userData: '/home/u/.config/Reverie', env: {}, platform: 'linux' });
    expect(paths.bundledModelsDir).toBe('/src/reverie/models');
    expect(paths.engineWorker).toBe('/src/reverie/dist/main/engine-worker.cjs');
    expect(paths.layout.root).toBe('/home/u/.config/Reverie');
    expect(paths.readOnlyRoots).toEqual([]);
  });

  it('the Electron layer writes no file itself: data goes through storage/ and the backend, rooted at appPaths()', () => {
    const dir = path.join(repo, 'src-main', 'app');
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const source = readFileSync(path.join(dir, name), 'utf8');
      expect(source, name).not.toMatch(/\b(writeFile|writeFileSync|appendFile|mkdir|mkdirSync|mkdtemp|createWriteStream|rename|copyFile|tmpdir)\b/);
      expect(source, name).not.toMatch(/getPath\('(temp|exe|module|home|desktop|documents|downloads)'\)/);
    }
    const main = readFileSync(path.join(dir, 'main.ts'), 'utf8');
    expect(main).toContain('appPaths({');
    expect(main).toContain('[ENGINE_CACHE_DIR_ENV]: paths.cacheDir');
    expect(main).not.toMatch(/resolveDataDir|getAppPath\(\), 'models'|process\.resourcesPath, 'models'/);
  });
});
