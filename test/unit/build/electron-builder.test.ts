import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildAll } from '../../../src-main/build/build.mjs';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');

interface BuilderConfig {
  appId: string;
  productName: string;
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
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['node_modules/onnxruntime-node/**', 'node_modules/sharp/**', 'node_modules/@img/**']));
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

  it('is what npm run dist uses', () => {
    expect(pkg.scripts.dist).toMatch(/electron-builder --config electron-builder\.yml/);
  });
});
