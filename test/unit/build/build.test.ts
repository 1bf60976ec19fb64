import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAIN_ENTRIES, buildAll } from '../../../src-main/build/build.mjs';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const read = (file: string) => readFileSync(path.join(repo, file), 'utf8');
const requires = (code: string) => new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).filter((m) => !m.startsWith('node:') && !m.startsWith('.')));

describe('build', () => {
  beforeAll(async () => {
    await buildAll({ quiet: true });
  }, 120_000);

  it('bundles the main-side entries as CommonJS', () => {
    expect(Object.keys(MAIN_ENTRIES).sort()).toEqual(['app', 'engine-worker', 'noise-worker', 'ort-build-script', 'preload', 'preview-worker', 'probe-script', 'server']);
    for (const name of Object.keys(MAIN_ENTRIES)) expect(read(`dist/main/${name}.cjs`)).not.toMatch(/import\.meta/);
  });

  it('keeps electron out of what runs in plain Node, and natives external', () => {
    expect(requires(read('dist/main/server.cjs')).has('electron')).toBe(false);
    expect(requires(read('dist/main/engine-worker.cjs')).has('electron')).toBe(false);
    expect(requires(read('dist/main/app.cjs')).has('electron')).toBe(true);
    expect([...requires(read('dist/main/preload.cjs'))]).toEqual(['electron']);
    expect(requires(read('dist/main/engine-worker.cjs')).has('onnxruntime-node')).toBe(true);
  });

  it('emits a renderer page without inline scripts, with the CSP meta tag', () => {
    const html = read('dist/renderer/index.html');
    expect(html).toMatch(/http-equiv="Content-Security-Policy"/);
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/\bsrc="\.\/assets\/[^"]+\.js"/);
  });
});
