/**
 * The gallery's multi-selection and search/filter: the pure rules (gallery-selection.ts,
 * gallery-filter.ts), and GalleryState with GalleryDeletes over the real backend — a filtered list
 * asked of the main side, picks kept to what is shown, several deleted with one Undo.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GalleryDeletes } from '../../../src-renderer/src/lib/state/gallery-delete.svelte.ts';
import { isFullPath } from '../../../src-renderer/src/lib/state/gallery-export.svelte.ts';
import { NO_FILTER, dayOf, dayStart, isFiltered, listQuery } from '../../../src-renderer/src/lib/state/gallery-filter.ts';
import { NO_PICKS, keepPresent, pick, pickAll, pickedInOrder } from '../../../src-renderer/src/lib/state/gallery-selection.ts';
import { GalleryState } from '../../../src-renderer/src/lib/state/gallery.svelte.ts';
import { JobsState } from '../../../src-renderer/src/lib/state/jobs.svelte.ts';
import { ToastState } from '../../../src-renderer/src/lib/state/toasts.svelte.ts';
import { UiState } from '../../../src-renderer/src/lib/state/ui.svelte.ts';
import { cannotUpscale, upscaleRequest } from '../../../src-renderer/src/lib/state/upscale.ts';
import type { GalleryItem } from '../../../src-renderer/src/lib/api/types.ts';
import { TINY_MODEL, rendererBackend, until } from './backend.ts';
import type { RendererBackend } from './backend.ts';

const order = ['a', 'b', 'c', 'd', 'e'];

describe('gallery picks', () => {
  it('a click picks one, Ctrl adds or removes one, Shift picks the run from the anchor', () => {
    let p = pick(NO_PICKS, order, 'b');
    expect([...p.ids]).toEqual(['b']);
    p = pick(p, order, 'd', { toggle: true });
    expect(pickedInOrder(p, order)).toEqual(['b', 'd']);
    p = pick(p, order, 'b', { toggle: true });
    expect(pickedInOrder(p, order)).toEqual(['d']);
    expect(p.anchor).toBe('b');
    p = pick(p, order, 'e', { range: true });
    expect(pickedInOrder(p, order)).toEqual(['b', 'c', 'd', 'e']);
    p = pick(p, order, 'a', { range: true });
    expect(pickedInOrder(p, order)).toEqual(['a', 'b']);
    expect(pickedInOrder(pick(pick(NO_PICKS, order, 'e'), order, 'a', { range: true, toggle: true }), order)).toEqual(order);
    // no anchor yet: a Shift-click picks just that one
    expect([...pick(NO_PICKS, order, 'c', { range: true }).ids]).toEqual(['c']);
  });

  it('picks all, and drops ids that are no longer shown', () => {
    const all = pickAll(order);
    expect(all.ids.size).toBe(5);
    const kept = keepPresent(all, ['b', 'c']);
    expect(pickedInOrder(kept, order)).toEqual(['b', 'c']);
    expect(kept.anchor).toBeNull();
    const same = pick(NO_PICKS, order, 'b');
    expect(keepPresent(same, order)).toBe(same);
  });
});

describe('gallery filter', () => {
  it('sends only what is set; a day runs from local midnight to the next', () => {
    expect(listQuery(NO_FILTER)).toEqual({});
    expect(isFiltered(NO_FILTER)).toBe(false);
    expect(isFiltered({ ...NO_FILTER, search: '   ' })).toBe(false);
    const q = listQuery({ search: ' castle ', model: 'tiny', kind: 'img2img', from: '2025-03-01', to: '2025-03-02' });
    expect(q).toEqual({ search: 'castle', model: 'tiny', kind: 'img2img', from: new Date(2025, 2, 1).getTime(), to: new Date(2025, 2, 3).getTime() });
    expect(dayStart('2025-12-31', 1)).toBe(new Date(2026, 0, 1).getTime());
    expect(dayStart('31.12.2025')).toBeUndefined();
    expect(dayOf(new Date(2025, 0, 5, 23, 59).getTime())).toBe('2025-01-05');
  });

  it('knows a full export path on Linux, macOS and Windows', () => {
    expect(['/home/me/out', 'C:\\Users\\me', 'd:/pics', '\\\\server\\share'].map(isFullPath)).toEqual([true, true, true, true]);
    expect(['exports', './out', '~/Pictures', 'C:relative'].map(isFullPath)).toEqual([false, false, false, false]);
  });
});

describe('GalleryState with search, filter and several picked', () => {
  let r: RendererBackend;
  beforeAll(async () => {
    r = await rendererBackend();
  });
  afterAll(async () => {
    await r.close();
  });

  it('lists what matches, keeps picks to what is shown, deletes several with one Undo', async () => {
    const gallery = new GalleryState(r.api);
    const off = gallery.connect();
    const jobs = new JobsState(r.api);
    const offJobs = jobs.connect();
    await gallery.load();
    const before = gallery.total;
    await jobs.submit({ kind: 'txt2img', params: { model: TINY_MODEL, prompt: 'a red square', steps: 2, seed: 1, batchSize: 2 } });
    await jobs.submit({ kind: 'txt2img', params: { model: TINY_MODEL, prompt: 'a blue circle', steps: 2, seed: 2 } });
    await until('three new images', () => gallery.total === before + 3);
    expect(gallery.models).toEqual(['reverie-tiny']);

    gallery.setFilter({ kind: 'img2img' });
    await until('nothing matches', () => gallery.total === 0 && gallery.filtered && gallery.status === 'ready');
    gallery.setFilter({ kind: '', search: 'RED' });
    await until('the two red ones', () => gallery.total === 2);
    expect(gallery.items.every((i) => i.request.params.prompt === 'a red square')).toBe(true);

    gallery.select(gallery.items[0].id);
    gallery.select(gallery.items[1].id, { range: true });
    expect(gallery.picked).toHaveLength(2);
    gallery.clearFilter();
    await until('all listed again', () => gallery.total === before + 3);
    expect(gallery.picked).toHaveLength(2);

    const toasts = new ToastState();
    const deletes = new GalleryDeletes(gallery, new UiState(), toasts);
    const picked = gallery.picked.map((i) => i.id);
    await deletes.delete(gallery.picked);
    expect(gallery.total).toBe(before + 1);
    expect(gallery.picked).toEqual([]);
    expect(toasts.toasts.at(-1)?.message).toBe('Deleted 2 images.');
    expect(await deletes.undo()).toBe(true);
    expect(gallery.total).toBe(before + 3);
    expect(gallery.picked.map((i) => i.id).sort()).toEqual([...picked].sort());
    expect(toasts.toasts.at(-1)?.message).toBe('Restored 2 images.');
    expect(await deletes.undo()).toBe(false);
    off();
    offJobs();
  });
});

describe('upscale request', () => {
  const item = (over: Partial<GalleryItem> = {}, params: Record<string, unknown> = {}): GalleryItem =>
    ({
      id: 'x',
      createdAt: 0,
      url: '',
      fileName: 'x.png',
      path: '/x.png',
      width: 256,
      height: 192,
      seed: 12,
      modelName: 'tiny',
      parameters: '',
      request: { kind: 'txt2img', params: { model: '/m', prompt: 'a fox', negativePrompt: '', seed: 10, batchSize: 4, batchCount: 2, provider: 'auto', ...params } },
      ...over,
    }) as GalleryItem;

  it('runs the image again from its own seed, alone, with the hires fix by Lanczos at the chosen strength', () => {
    expect(upscaleRequest(item(), { scale: 2, strength: 0.35 })).toEqual({
      kind: 'txt2img',
      params: { model: '/m', prompt: 'a fox', negativePrompt: '', seed: 12, batchSize: 1, batchCount: 1, provider: 'auto', width: 256, height: 192, hires: { scale: 2, denoise: 0.35, upscaler: 'lanczos' } },
    });
  });

  it('says why not for other kinds, recovered images, ones already upscaled and sizes past the limit', () => {
    expect(cannotUpscale(item({ request: { kind: 'img2img' } as unknown as GalleryItem['request'] }), 2)).toMatch(/use Image to image/);
    expect(cannotUpscale(item({ recovered: true }), 2)).toMatch(/settings are not known/);
    expect(cannotUpscale(item({}, { hires: { scale: 2, denoise: 0.5 } }), 2)).toMatch(/already upscaled/);
    expect(cannotUpscale(item({ width: 2048 }), 4)).toMatch(/8192 pixels on a side is more than the 4096/);
    expect(upscaleRequest(item({ recovered: true }), { scale: 2, strength: 0.3 })).toBeNull();
  });
});
