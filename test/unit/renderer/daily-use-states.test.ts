import { describe, expect, it } from 'vitest';
import { HISTORY_LIMIT, HISTORY_STORAGE_KEY, PromptHistory } from '../../../src-renderer/src/lib/state/prompt-history.svelte.ts';
import { STYLES_STORAGE_KEY, StylesState, applyStyle, mergeStyleText } from '../../../src-renderer/src/lib/state/styles.svelte.ts';
import { gridColumns, jobImages } from '../../../src-renderer/src/lib/state/batch.ts';
import type { GalleryItem } from '../../../src-renderer/src/lib/api/types.ts';
import { UiState } from '../../../src-renderer/src/lib/state/ui.svelte.ts';

function memory(): { getItem(k: string): string | null; setItem(k: string, v: string): void; data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}
const pair = (prompt: string, negativePrompt = '') => ({ prompt, negativePrompt });

describe('prompt history', () => {
  it('walks back through the submitted prompts and forward to the draft', () => {
    const h = new PromptHistory(memory());
    h.record(pair('a cat', 'blurry'));
    h.record(pair('a dog'));
    expect(h.back(pair('typing'))).toEqual(pair('a dog'));
    expect(h.back(pair('a dog'))).toEqual(pair('a cat', 'blurry'));
    expect(h.back(pair('a cat', 'blurry'))).toBeNull();
    expect(h.forward()).toEqual(pair('a dog'));
    expect(h.forward()).toEqual(pair('typing'));
    expect(h.browsing).toBe(false);
    expect(h.forward()).toBeNull();
  });

  it('skips the entry equal to the text in the box, keeps one entry per prompt, newest first, at most 100', () => {
    const store = memory();
    const h = new PromptHistory(store);
    h.record(pair('a cat'));
    h.record(pair('a dog'));
    h.record(pair('a cat', 'new negative'));
    expect(h.entries).toEqual([pair('a cat', 'new negative'), pair('a dog')]);
    expect(h.back(pair('a cat', 'new negative'))).toEqual(pair('a dog'));
    h.record(pair('', ''));
    expect(h.entries).toHaveLength(2);
    for (let i = 0; i < 150; i++) h.record(pair(`p${i}`));
    expect(h.entries).toHaveLength(HISTORY_LIMIT);
    expect(h.entries[0]).toEqual(pair('p149'));
    expect(new PromptHistory(store).entries).toEqual(h.entries);
  });

  it('starts empty from a damaged or foreign entry, and without storage', () => {
    const store = memory();
    store.setItem(HISTORY_STORAGE_KEY, '{not json');
    expect(new PromptHistory(store).entries).toEqual([]);
    store.setItem(HISTORY_STORAGE_KEY, JSON.stringify({ version: 99, items: [pair('x')] }));
    expect(new PromptHistory(store).entries).toEqual([]);
    store.setItem(HISTORY_STORAGE_KEY, JSON.stringify({ version: 1, items: [pair('x'), { prompt: 3 }] }));
    expect(new PromptHistory(store).entries).toEqual([pair('x')]);
    const none = new PromptHistory(null);
    none.record(pair('kept in memory'));
    expect(none.entries).toEqual([pair('kept in memory')]);
  });
});

describe('styles', () => {
  it("merges as A1111 does: {prompt} takes the text, otherwise ', ' joins the non-empty parts", () => {
    expect(mergeStyleText('a fox', 'cinematic still of {prompt}, film grain')).toBe('cinematic still of a fox, film grain');
    expect(mergeStyleText('a fox', 'oil painting')).toBe('a fox, oil painting');
    expect(mergeStyleText('', 'oil painting')).toBe('oil painting');
    expect(mergeStyleText('a fox ', '')).toBe('a fox');
    expect(applyStyle(pair('a fox', 'blurry'), pair('{prompt}, 4k', 'cartoon'))).toEqual(pair('a fox, 4k', 'blurry, cartoon'));
  });

  it('saves, replaces by name, deletes, and keeps them under a versioned key', () => {
    const store = memory();
    const s = new StylesState(store);
    expect(s.save('  ', pair('x'))).toMatch(/name/);
    expect(s.save('Empty', pair('', ' '))).toMatch(/empty/);
    expect(s.save('x'.repeat(61), pair('x'))).toMatch(/61 characters/);
    expect(s.save('Zebra', pair('stripes'))).toBeNull();
    expect(s.save(' anime ', pair('anime style', 'photo'))).toBeNull();
    expect(s.save('Zebra', pair('more stripes'))).toBeNull();
    expect(s.list.map((x) => x.name)).toEqual(['anime', 'Zebra']);
    expect(s.get('Zebra')?.prompt).toBe('more stripes');
    expect(JSON.parse(store.getItem(STYLES_STORAGE_KEY) ?? '')).toMatchObject({ version: 1, items: [{ name: 'anime' }, { name: 'Zebra' }] });
    expect(s.delete('anime')).toBe(true);
    expect(s.delete('anime')).toBe(false);
    expect(new StylesState(store).list.map((x) => x.name)).toEqual(['Zebra']);
  });
});

describe('batch', () => {
  it("lists one job's images by seed, and lays them out near square", () => {
    const item = (id: string, jobId: string, seed: number, createdAt: number) => ({ id, jobId, seed, createdAt }) as GalleryItem;
    const items = [item('a', 'j1', 12, 3), item('b', 'j2', 5, 2), item('c', 'j1', 10, 4), item('d', 'j1', 11, 1)];
    expect(jobImages(items, 'j1').map((i) => i.id)).toEqual(['c', 'd', 'a']);
    expect(jobImages(items, undefined)).toEqual([]);
    expect([1, 2, 3, 4, 5, 9, 10].map(gridColumns)).toEqual([1, 2, 2, 2, 3, 3, 4]);
  });

  it('a finished job with several images hands the canvas to its grid', () => {
    const ui = new UiState();
    ui.showJob('j1');
    ui.jobFinished('j1', 'img-1', 4);
    expect(ui.canvas).toEqual({ kind: 'batch', jobId: 'j1' });
    ui.showImage('img-2');
    ui.jobFinished('j2', 'img-3', 2);
    expect(ui.canvas).toEqual({ kind: 'image', id: 'img-2' });
  });
});
