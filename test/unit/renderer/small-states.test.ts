import { describe, expect, it } from 'vitest';
import { InputImageState, blobToBase64 } from '../../../src-renderer/src/lib/state/input-image.svelte.ts';
import { HELP_SHORTCUTS, SHORTCUTS, matchShortcut } from '../../../src-renderer/src/lib/state/shortcuts.ts';
import type { KeyInput } from '../../../src-renderer/src/lib/state/shortcuts.ts';
import { ToastState } from '../../../src-renderer/src/lib/state/toasts.svelte.ts';
import { UiState } from '../../../src-renderer/src/lib/state/ui.svelte.ts';

const key = (k: string, mods: Partial<KeyInput> = {}): KeyInput => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, inTextField: false, ...mods });

describe('shortcuts', () => {
  it('match the table, and leave plain keys alone in text fields', () => {
    expect(matchShortcut(key('Enter', { ctrlKey: true, inTextField: true }))).toBe('generate');
    expect(matchShortcut(key('Enter', { metaKey: true }))).toBe('generate');
    expect(matchShortcut(key('Enter'))).toBeNull();
    expect(matchShortcut(key('Escape', { inTextField: true }))).toBe('cancel');
    expect(matchShortcut(key('6', { altKey: true }))).toBe('tab-6');
    expect(matchShortcut(key('7', { altKey: true }))).toBe('tab-7');
    expect(matchShortcut(key('8', { altKey: true }))).toBeNull();
    expect(matchShortcut(key(',', { ctrlKey: true }))).toBe('settings');
    expect(matchShortcut(key('?', { shiftKey: true }))).toBe('help');
    expect(matchShortcut(key('?', { shiftKey: true, inTextField: true }))).toBeNull();
    expect(matchShortcut(key('z', { ctrlKey: true }))).toBe('undo-delete');
    expect(matchShortcut(key('z', { ctrlKey: true, inTextField: true }))).toBeNull(); // text undo stays the field's
    expect(matchShortcut(key('z', { ctrlKey: true, shiftKey: true }))).toBeNull();
  });

  it('are all listed in the help, the seven tab keys as one row', () => {
    const listed = HELP_SHORTCUTS.map((s) => s.description);
    for (const s of SHORTCUTS.filter((x) => !x.id.startsWith('tab-'))) expect(listed).toContain(s.description);
    expect(HELP_SHORTCUTS.filter((s) => s.keys[0] === 'Alt')).toHaveLength(1);
  });
});

describe('ToastState', () => {
  it('times out notices, keeps errors, caps the stack, runs an action once', async () => {
    const timers: { fn: () => void; ms: number; cleared: boolean }[] = [];
    const toasts = new ToastState({
      setTimeout: (fn, ms) => timers.push({ fn, ms, cleared: false }) - 1,
      clearTimeout: (h) => void (timers[h as number].cleared = true),
    });
    const info = toasts.show({ message: 'saved' });
    toasts.show({ kind: 'error', message: 'broken' });
    let undone = 0;
    const undo = toasts.show({ message: 'deleted', action: { label: 'Undo', run: () => void undone++ } });
    expect(timers.map((t) => t.ms)).toEqual([6000, 10_000]);
    timers[0].fn();
    expect(toasts.toasts.map((t) => t.message)).toEqual(['broken', 'deleted']);
    await toasts.act(undo);
    await toasts.act(undo);
    expect(undone).toBe(1);
    expect(timers[1].cleared).toBe(true);
    for (let i = 0; i < 6; i++) toasts.show({ kind: 'error', message: `e${i}` });
    expect(toasts.toasts.map((t) => t.message)).toEqual(['e2', 'e3', 'e4', 'e5']);
    expect(info).toBeGreaterThan(0);
  });
});

describe('UiState', () => {
  it('hands the canvas from a finished job to its image, unless the user looked elsewhere', () => {
    const ui = new UiState();
    ui.showJob('j1');
    ui.jobFinished('j1', 'img-1');
    expect(ui.canvas).toEqual({ kind: 'image', id: 'img-1' });
    ui.showJob('j2');
    ui.showImage('img-0');
    ui.jobFinished('j2', 'img-2');
    expect(ui.canvas).toEqual({ kind: 'image', id: 'img-0' });
    ui.imageRemoved('img-0', 'img-2');
    expect(ui.canvas).toEqual({ kind: 'image', id: 'img-2' });
    ui.imageRemoved('img-2', null);
    expect(ui.canvas).toEqual({ kind: 'empty' });
    ui.tab = 'inpaint';
    expect(ui.isEditTab).toBe(true);
    ui.helpOpen = true;
    ui.settingsOpen = true;
    expect([ui.helpOpen, ui.overlayOpen]).toEqual([false, true]);
  });
});

describe('InputImageState', () => {
  it('keeps one image, revokes the URL it replaces, refuses what is not an image or too big', async () => {
    const revoked: string[] = [];
    let n = 0;
    const input = new InputImageState({
      decodeSize: async (b) => {
        if ((await b.text()).startsWith('broken')) throw new Error('unsupported image format');
        return { width: 3, height: 2 };
      },
      createUrl: () => `blob:${++n}`,
      revokeUrl: (u) => void revoked.push(u),
    });
    expect(await input.setFile(new Blob(['png-bytes'], { type: 'image/png' }), 'a.png', 'file')).toBe(true);
    expect(await input.setFile(new Blob(['jpg-bytes'], { type: 'image/jpeg' }), 'b.jpg', 'paste')).toBe(true);
    expect(input.image).toMatchObject({ url: 'blob:2', name: 'b.jpg', type: 'image/jpeg', width: 3, height: 2, source: 'paste', galleryId: null });
    expect(revoked).toEqual(['blob:1']);
    expect(await input.setFile(new Blob(['broken'], { type: 'image/png' }), 'c.png', 'drop')).toBe(false);
    expect(input.error).toBe('"c.png" could not be read as an image (unsupported image format).');
    expect(input.image?.name).toBe('b.jpg');
    expect(await input.setFile(new Blob([new Uint8Array(33 * 1024 * 1024)], { type: 'image/png' }), 'huge.png', 'drop')).toBe(false);
    expect(input.error).toMatch(/"huge.png" is 33.0 MiB; images up to 32 MiB/);
    expect(await input.base64()).toBe(Buffer.from('jpg-bytes').toString('base64'));
    input.clear();
    expect(input.image).toBeNull();
    expect(revoked).toEqual(['blob:1', 'blob:2']);
    expect(await input.base64()).toBeNull();
  });

  it('encodes large blobs to base64 exactly', async () => {
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 7919) % 256);
    expect(await blobToBase64(new Blob([bytes]))).toBe(Buffer.from(bytes).toString('base64'));
  });
});
