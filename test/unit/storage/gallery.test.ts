import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRequest } from '../../../src-main/ipc/contract.ts';
import { GalleryStore, newGalleryId } from '../../../src-main/storage/gallery.ts';

let dir: string;
beforeEach(() => {
  dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'reverie-gallery-')), 'gallery');
});
afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

const request: JobRequest = { kind: 'txt2img', params: { model: '/m', prompt: 'a cat', negativePrompt: '', seed: 5, batchSize: 1, batchCount: 1, provider: 'auto' } };
const image = (seed: number) => ({ png: new Uint8Array([0x89, 0x50, 0x4e, 0x47, seed]), width: 64, height: 32, seed, modelName: 'tiny', request, parameters: `a cat\nSeed: ${seed}` });

describe('gallery store', () => {
  it('saves PNG and sidecar, lists newest first, gets and deletes', async () => {
    const store = new GalleryStore(dir);
    const a = await store.save(image(1));
    await new Promise((r) => setTimeout(r, 5));
    const b = await store.save({ ...image(2), jobId: 'job-1' });
    expect(readFileSync(a.path)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 1]));
    expect(a.url).toBe(`/media/gallery/${a.id}.png`);
    expect(JSON.parse(readFileSync(path.join(dir, `${a.id}.json`), 'utf8'))).toMatchObject({ version: 1, id: a.id, seed: 1, parameters: 'a cat\nSeed: 1' });
    const { items, total } = await store.list();
    expect(total).toBe(2);
    expect(items.map((i) => i.id)).toEqual([b.id, a.id]);
    expect(await store.get(b.id)).toEqual(b);
    expect(await store.delete(a.id)).toBe(true);
    expect(await store.delete(a.id)).toBe(false);
    expect(existsSync(a.path)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual([`${b.id}.json`, `${b.id}.png`]);
  });

  it('sees items written by another process and skips foreign or damaged sidecars', async () => {
    const writer = new GalleryStore(dir);
    const reader = new GalleryStore(dir);
    expect((await reader.list()).total).toBe(0);
    const a = await writer.save(image(3));
    writeFileSync(path.join(dir, 'notes.json'), '{"hello":1}');
    writeFileSync(path.join(dir, 'broken.json'), '{');
    const { items } = await reader.list();
    expect(items.map((i) => i.id)).toEqual([a.id]);
  });

  it('pages', async () => {
    const store = new GalleryStore(dir);
    for (let i = 0; i < 5; i++) await store.save(image(i));
    const page = await store.list(1, 2);
    expect(page.total).toBe(5);
    expect(page.items).toHaveLength(2);
  });

  it('never resolves names outside its folder', () => {
    const store = new GalleryStore(dir);
    expect(store.resolveFile('../settings.png')).toBeNull();
    expect(store.resolveFile('a/b.png')).toBeNull();
    expect(store.resolveFile('x.json')).toBeNull();
    expect(store.resolveFile('20250101-000000-abcdef.png')).toBe(path.join(dir, '20250101-000000-abcdef.png'));
  });

  it('deletes to the trash next to the gallery, restores from it, and empties it after a week', async () => {
    const store = new GalleryStore(dir);
    const a = await store.save(image(7));
    const trash = path.join(path.dirname(dir), 'trash');
    expect(store.trashDir).toBe(trash);
    expect(await store.delete(a.id)).toBe(true);
    expect(readdirSync(trash).sort()).toEqual([`${a.id}.json`, `${a.id}.png`]);
    expect((await store.list()).total).toBe(0);
    // another store instance (a restart) can restore it: the trash is on disk
    const again = new GalleryStore(dir);
    expect(await again.restore(a.id)).toEqual(a);
    expect(readFileSync(a.path)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 7]));
    expect((await again.list()).items.map((i) => i.id)).toEqual([a.id]);
    expect(readdirSync(trash)).toEqual([]);
    expect(await again.restore(a.id)).toBeNull();
    expect(await again.restore('../settings')).toBeNull();
    // purge: only what lay in the trash longer than the limit
    await again.delete(a.id);
    expect(await again.purgeTrash(7 * 24 * 3600 * 1000)).toBe(0);
    expect(await again.purgeTrash(7 * 24 * 3600 * 1000, Date.now() + 8 * 24 * 3600 * 1000)).toBe(2);
    expect(await again.restore(a.id)).toBeNull();
  });

  it('makes sortable, file-name-safe ids', () => {
    expect(newGalleryId(new Date('2026-01-02T03:04:05.678Z'))).toMatch(/^20260102-030405-[0-9a-f]{6}$/);
  });
});
