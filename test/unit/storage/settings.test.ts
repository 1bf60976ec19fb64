import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../src-main/ipc/contract.ts';
import { SettingsStore, settingsFromJson } from '../../../src-main/storage/settings.ts';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'reverie-settings-'));
  file = path.join(dir, 'settings.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('settings store', () => {
  it('starts from defaults when there is no file', async () => {
    const store = await SettingsStore.open(file);
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    expect(store.problems).toEqual([]);
  });

  it('writes patches atomically and reads them back', async () => {
    const store = await SettingsStore.open(file);
    const next = await store.update({ provider: 'cpu', defaults: { steps: 33 } });
    expect(next.defaults).toEqual({ ...DEFAULT_SETTINGS.defaults, steps: 33 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(next);
    expect(readdirSync(dir)).toEqual(['settings.json']); // no temp files left behind
    expect((await SettingsStore.open(file)).get()).toEqual(next);
  });

  it('serialises concurrent updates', async () => {
    const store = await SettingsStore.open(file);
    await Promise.all([store.update({ previewEvery: 2 }), store.update({ provider: 'cpu' }), store.update({ defaults: { cfgScale: 4 } })]);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    expect(stored).toMatchObject({ previewEvery: 2, provider: 'cpu', defaults: { cfgScale: 4 } });
  });

  it('rejects invalid patches and leaves the file alone', async () => {
    const store = await SettingsStore.open(file);
    await expect(store.update({ previewEvery: -3 })).rejects.toThrow();
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps valid fields of a damaged file and resets the bad ones, saying which', () => {
    const { settings, problems } = settingsFromJson({ provider: 'tpu', previewEvery: 4, defaults: { steps: 'many', cfgScale: 5 } });
    expect(settings.provider).toBe('auto');
    expect(settings.previewEvery).toBe(4);
    expect(settings.defaults).toEqual(DEFAULT_SETTINGS.defaults);
    expect(problems.join('\n')).toMatch(/"provider" was invalid/);
    expect(problems.join('\n')).toMatch(/"defaults" was invalid/);
  });

  it('moves an unreadable file aside instead of losing it', async () => {
    writeFileSync(file, '{ not json');
    const store = await SettingsStore.open(file);
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    expect(store.problems[0]).toMatch(/not valid JSON/);
    const aside = readdirSync(dir).find((n) => n.startsWith('settings.json.unreadable-'));
    expect(aside && readFileSync(path.join(dir, aside), 'utf8')).toBe('{ not json');
  });
});
