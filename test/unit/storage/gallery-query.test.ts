/**
 * The gallery's search and filter (storage/gallery-query.ts), and the store's list, deleteMany,
 * restoreMany and export that use it: every word of the search in the prompt or negative prompt,
 * model, kind and time bounds; several items to the trash and back; copies that never overwrite.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRequest } from '../../../src-main/ipc/contract.ts';
import { GalleryStore } from '../../../src-main/storage/gallery.ts';
import { exportCopies, exportFolder, numberedName } from '../../../src-main/storage/gallery-export.ts';
import { galleryMatcher, modelNames, searchTerms } from '../../../src-main/storage/gallery-query.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'reverie-gallery-query-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const txt = (prompt: string, negativePrompt = ''): JobRequest => ({
  kind: 'txt2img',
  params: { model: '/m', prompt, negativePrompt, seed: 5, batchSize: 1, batchCount: 1, provider: 'auto' },
});
const item = (prompt: string, over: { modelName?: string; createdAt?: number; negativePrompt?: string; kind?: 'img2img' } = {}) => {
  const request = txt(prompt, over.negativePrompt);
  return { createdAt: over.createdAt ?? 1000, modelName: over.modelName ?? 'tiny', request: over.kind ? ({ ...request, kind: over.kind } as unknown as JobRequest) : request };
};

describe('gallery search and filter', () => {
  it('splits the search into lower-case words, quotes keep a phrase', () => {
    expect(searchTerms('  Red   HAT ')).toEqual(['red', 'hat']);
    expect(searchTerms('"red hat" castle')).toEqual(['red hat', 'castle']);
    expect(searchTerms(undefined)).toEqual([]);
    expect(searchTerms('""')).toEqual([]);
  });

  it('keeps items with every word in the prompt or negative prompt', () => {
    const match = galleryMatcher({ search: 'castle FOG' });
    expect(match(item('a castle on a hill', { negativePrompt: 'fog' }))).toBe(true);
    expect(match(item('a castle on a hill'))).toBe(false);
    expect(galleryMatcher({ search: '"on a hill"' })(item('a castle on a hill'))).toBe(true);
    expect(galleryMatcher({ search: '"hill on"' })(item('a castle on a hill'))).toBe(false);
    expect(galleryMatcher({})(item('anything'))).toBe(true);
  });

  it('filters by model name, kind and time (from included, to not)', () => {
    expect(galleryMatcher({ model: 'tiny' })(item('x'))).toBe(true);
    expect(galleryMatcher({ model: 'sd15' })(item('x'))).toBe(false);
    expect(galleryMatcher({ kind: 'img2img' })(item('x'))).toBe(false);
    expect(galleryMatcher({ kind: 'img2img' })(item('x', { kind: 'img2img' }))).toBe(true);
    const day = galleryMatcher({ from: 1000, to: 2000 });
    expect([999, 1000, 1999, 2000].map((createdAt) => day(item('x', { createdAt })))).toEqual([false, true, true, false]);
  });

  it('names each model once, sorted', () => {
    expect(modelNames([item('a', { modelName: 'sd15' }), item('b'), item('c', { modelName: 'sd15' })])).toEqual(['sd15', 'tiny']);
  });
});

describe('gallery store: filtered list, several items at once, export', () => {
  const png = (n: number) => new Uint8Array([0x89, 0x50, 0x4e, 0x47, n]);
  async function filled(): Promise<{ store: GalleryStore; ids: string[] }> {
    const store = new GalleryStore(path.join(root, 'gallery'));
    const ids: string[] = [];
    for (const [n, prompt, modelName] of [[1, 'a red castle', 'tiny'], [2, 'a blue sea', 'sd15'], [3, 'a red sea', 'tiny']] as const) {
      ids.push((await store.save({ png: png(n), width: 64, height: 32, seed: n, modelName, request: txt(prompt), parameters: prompt })).id);
    }
    return { store, ids };
  }

  it('lists the matches only, counts them, and names every model', async () => {
    const { store, ids } = await filled();
    const red = await store.list(0, 200, { search: 'red' });
    expect(red.items.map((i) => i.id).sort()).toEqual([ids[0], ids[2]].sort());
    expect(red.total).toBe(2);
    expect(red.models).toEqual(['sd15', 'tiny']);
    expect((await store.list(0, 200, { search: 'red', model: 'sd15' })).total).toBe(0);
    expect((await store.list(0, 1, { model: 'tiny' })).items).toHaveLength(1);
  });

  it('deletes several to the trash and restores them all', async () => {
    const { store, ids } = await filled();
    expect(await store.deleteMany([ids[0], ids[1], ids[1], 'gone-123'])).toEqual([ids[0], ids[1]]);
    expect((await store.list()).total).toBe(1);
    expect((await store.restoreMany([ids[0], ids[1], 'gone-123'])).map((i) => i.id)).toEqual([ids[0], ids[1]]);
    expect((await store.list()).total).toBe(3);
  });

  it('exports copies into a new folder and never overwrites a file there', async () => {
    const { store, ids } = await filled();
    const items = await Promise.all(ids.map(async (id) => (await store.get(id))!));
    const dir = await exportFolder(path.join(root, 'out', 'picked'), [store.dir, store.trashDir]);
    writeFileSync(path.join(dir, items[0].fileName), 'mine');
    const files = await exportCopies(items, dir);
    expect(files.map((f) => path.basename(f))).toEqual([numberedName(items[0].fileName, 2), items[1].fileName, items[2].fileName]);
    expect(readFileSync(path.join(dir, items[0].fileName), 'utf8')).toBe('mine');
    expect([...readFileSync(files[0])]).toEqual([...png(1)]);
    expect(readdirSync(store.dir)).toHaveLength(6); // the gallery is left as it was
    expect(numberedName('a.png', 3)).toBe('a (3).png');
  });

  it('refuses a relative path, a file, and the gallery folder, saying what to do', async () => {
    const { store } = await filled();
    await expect(exportFolder('pictures/out', [store.dir])).rejects.toThrow(/"pictures\/out" is not a full path\. Give the whole path/);
    await expect(exportFolder(store.dir, [store.dir])).rejects.toThrow(/gallery's own folder.*Choose another folder/);
    mkdirSync(path.join(root, 'x'));
    writeFileSync(path.join(root, 'x', 'f'), '');
    await expect(exportFolder(path.join(root, 'x', 'f'), [store.dir])).rejects.toThrow(/is a file, not a folder/);
  });
});
