import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildAll } from '../../../src-main/build/build.mjs';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');

interface BuilderConfig {
  appId: string;
  productName: string;
  directories: { output: string; buildResources: string };
  icon: string;
  fileAssociations: { ext: string; name: string; mimeType?: string; role?: string; rank?: string }[];
  files: string[];
  asarUnpack: string[];
  extraResources: { from: string; to: string; filter?: string[] }[];
  linux: { target: string[] };
  win: { target: string[] };
  mac: { target: string[] };
  npmRebuild?: boolean;
}

const config = parse(readFileSync(path.join(repo, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { main: string; productName: string; scripts: Record<string, string> };

/** electron-builder's own check of a configuration against its JSON schema (what `npm run dist` runs first). */
async function builderSchemaProblem(value: unknown): Promise<string | null> {
  const require = createRequire(path.join(repo, 'package.json'));
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as { validateConfiguration: (c: unknown, logger: unknown) => Promise<void> };
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
  return validateConfiguration(value, new DebugLogger(false)).then(() => null, (err: Error) => err.message);
}

describe('electron-builder.yml', () => {
  beforeAll(async () => {
    await buildAll({ quiet: true });
  }, 120_000);

  it('names the app and builds AppImage + deb, NSIS and dmg', () => {
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z]+)+$/);
    expect(config.productName).toBe('Reverie');
    expect(pkg.productName).toBe('Reverie');
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.win.target).toContain('nsis');
    expect(config.mac.target).toContain('dmg');
  });

  it('unpacks the native modules from the asar and ships models/ as extra resources', () => {
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['node_modules/onnxruntime-node/**', 'node_modules/sharp/**', 'node_modules/@img/**', 'dist/main/noise-worker.cjs', 'dist/main/preview-worker.cjs']));
    expect(config.extraResources).toContainEqual(expect.objectContaining({ from: 'models', to: 'models' }));
    expect(existsSync(path.join(repo, 'models'))).toBe(true);
    expect(config.npmRebuild).toBe(false);
  });

  it('packs the built files the app starts from', () => {
    expect(config.files).toEqual(expect.arrayContaining(['dist/**', 'package.json']));
    expect(pkg.main).toBe('dist/main/app.cjs');
    for (const file of ['dist/main/app.cjs', 'dist/main/preload.cjs', 'dist/main/engine-worker.cjs', 'dist/main/server.cjs', 'dist/renderer/index.html']) {
      expect(existsSync(path.join(repo, file)), file).toBe(true);
    }
    for (const native of ['onnxruntime-node', 'sharp']) expect(existsSync(path.join(repo, 'node_modules', native, 'package.json'))).toBe(true);
  });

  it("passes electron-builder's own schema check (and the check does catch mistakes)", async () => {
    expect(await builderSchemaProblem(config)).toBeNull();
    expect(await builderSchemaProblem({ ...config, fileAssociations: [{ ext: 'png', verb: 'open' }] })).toMatch(/fileAssociations/);
  });

  it('ships the models without the training work folders and resume points', () => {
    const models = config.extraResources.find((r) => r.from === 'models');
    expect(models?.filter).toEqual(expect.arrayContaining(['**/*', '!**/recipe/work/**', '!**/recipe/resume/**']));
  });

  it('has an app icon of at least 512×512 made from its SVG source', async () => {
    expect(config.directories.buildResources).toBe('build-resources');
    const icon = path.join(repo, config.directories.buildResources, config.icon);
    expect(existsSync(icon), icon).toBe(true);
    const meta = await sharp(icon).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(meta.height);
    expect(meta.width ?? 0).toBeGreaterThanOrEqual(512);
    expect(existsSync(path.join(repo, 'build-resources', 'icon.svg'))).toBe(true);
    expect(existsSync(path.join(repo, 'src-main', 'build', 'icon.mjs'))).toBe(true);
  });

  it('offers "Open in Reverie" for PNG files, and the app handles the file it is given', () => {
    expect(config.fileAssociations).toContainEqual(expect.objectContaining({ ext: 'png', mimeType: 'image/png', role: 'Viewer', rank: 'Alternate' }));
    const main = readFileSync(path.join(repo, 'src-main', 'app', 'main.ts'), 'utf8');
    expect(main).toContain("app.on('open-file'"); // macOS
    expect(main).toMatch(/openablePaths\(process\.argv/); // Windows and Linux, first instance
    expect(main).toMatch(/'second-instance', \(_event, argv, workingDirectory\)/); // …and a second one
  });

  it('is what npm run dist uses', () => {
    expect(pkg.scripts.dist).toMatch(/electron-builder --config electron-builder\.yml/);
  });
});
