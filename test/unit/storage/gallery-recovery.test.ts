/**
 * The gallery after a kill -9 in the middle of saves: the files such a process leaves (temporary files
 * of its atomic writes, a PNG whose sidecar never came, a PNG cut short) are written here by hand, as
 * the crashed process would have left them, and a fresh store opens the folder.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodePng } from '../../../src-main/engine/imageio/png.ts';
import { formatInfotext } from '../../../src-main/engine/imageio/metadata.ts';
import type { JobRequest } from '../../../src-main/ipc/contract.ts';
import { GalleryStore } from '../../../src-main/storage/gallery.ts';
import { createFileOnce, recoverGallery } from '../../../src-main/storage/gallery-recovery.ts';
import { STALE_TEMP_MS, processAlive } from '../../../src-main/storage/temp-leftovers.ts';

let dir: string;
beforeEach(() => {
  dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'reverie-gallery-recovery-')), 'gallery');
  mkdirSync(dir);
});
afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

const request: JobRequest = { kind: 'txt2img', params: { model: '/m', prompt: 'a cat', negativePrompt: '', seed: 5, batchSize: 1, batchCount: 1, provider: 'auto' } };

/** A real PNG as the engine writes it: pixels plus the A1111 "parameters" chunk. */
async function resultPng(width: number, height: number, infotext?: string): Promise<Buffer> {
  const data = new Uint8Array(width * height * 3).map((_, i) => (i * 37) % 256);
  return encodePng({ width, height, data }, infotext === undefined ? [] : [{ keyword: 'parameters', text: infotext }]);
}

const INFOTEXT = formatInfotext({
  prompt: 'a lighthouse at dusk',
  negativePrompt: 'blurry',
  steps: 12,
  sampler: 'DPM++ 2M',
  schedule: 'Karras',
  cfgScale: 6.5,
  seed: 424242,
  width: 64,
  height: 72,
  model: 'reverie-tiny',
});

/** A pid no process has: the largest pid the kernel hands out is far below this. */
const DEAD_PID = 4_000_000;

describe('the gallery after a killed save', () => {
  it('lists a PNG whose sidecar was never written, from what the PNG says, marked recovered', async () => {
    const id = '20260101-120000-abcdef';
    writeFileSync(path.join(dir, `${id}.png`), await resultPng(64, 72, INFOTEXT));
    const store = new GalleryStore(dir);
    const { items, total } = await store.list();
    expect(total).toBe(1);
    const [item] = items;
    expect(item).toMatchObject({ id, fileName: `${id}.png`, width: 64, height: 72, seed: 424242, modelName: 'reverie-tiny', parameters: INFOTEXT, recovered: true });
    expect(item.request).toEqual({
      kind: 'txt2img',
      params: { model: 'reverie-tiny', prompt: 'a lighthouse at dusk', negativePrompt: 'blurry', seed: 424242, batchSize: 1, batchCount: 1, provider: 'auto', steps: 12, cfgScale: 6.5, sampler: 'dpmpp_2m', schedule: 'karras', width: 64, height: 72 },
    });
    // the sidecar is on disk now: another store (the next start) lists it without recovering again
    expect(JSON.parse(readFileSync(path.join(dir, `${id}.json`), 'utf8'))).toMatchObject({ version: 1, id, recovered: true });
    expect((await new GalleryStore(dir).get(id))?.recovered).toBe(true);
  });

  it('lists a PNG without parameters with its size, and keeps its recording', async () => {
    const id = '20260101-120001-abcdef';
    writeFileSync(path.join(dir, `${id}.png`), await resultPng(24, 16));
    writeFileSync(path.join(dir, `${id}.rvrec`), 'recording');
    const item = await new GalleryStore(dir).get(id);
    expect(item).toMatchObject({ id, width: 24, height: 16, seed: 0, modelName: 'unknown', parameters: '', recovered: true, recording: true });
    expect(item?.request.params.prompt).toBe('');
  });

  it('moves a PNG cut short to damaged/ with a note, and the list still works', async () => {
    const whole = await resultPng(64, 72, INFOTEXT);
    const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
    const id = '20260101-120002-abcdef';
    writeFileSync(path.join(dir, `${id}.png`), cut);
    // and one that lost only its IEND chunk (every chunk before it whole)
    const noEnd = '20260101-120003-abcdef';
    writeFileSync(path.join(dir, `${noEnd}.png`), whole.subarray(0, whole.length - 12));
    const store = new GalleryStore(dir);
    const kept = await store.save({ png: whole, width: 64, height: 72, seed: 1, modelName: 'tiny', request, parameters: INFOTEXT });
    const { items } = await store.list();
    expect(items.map((i) => i.id)).toEqual([kept.id]);
    const damaged = path.join(dir, 'damaged');
    expect(readdirSync(damaged).sort()).toEqual([`${id}.png`, `${id}.txt`, `${noEnd}.png`, `${noEnd}.txt`]);
    expect(readFileSync(path.join(damaged, `${id}.png`))).toEqual(Buffer.from(cut)); // moved unchanged, never deleted
    expect(readFileSync(path.join(damaged, `${id}.txt`), 'utf8')).toMatch(/could not read it: PNG is truncated/);
    expect(readFileSync(path.join(damaged, `${noEnd}.txt`), 'utf8')).toMatch(/IEND/);
    expect(existsSync(path.join(dir, `${id}.png`))).toBe(false);
  });

  it('removes temporary files of dead writers and keeps those a live process may still be writing', async () => {
    const png = await resultPng(8, 8);
    const deadWriter = `.20260101-120004-abcdef.png.${DEAD_PID}.0badf00d.tmp`;
    const liveWriter = `.20260101-120005-abcdef.png.${process.ppid}.1badf00d.tmp`;
    const oldLive = `.20260101-120006-abcdef.json.${process.ppid}.2badf00d.tmp`;
    const notOurs = '.hidden-notes.tmp';
    for (const name of [deadWriter, liveWriter, oldLive, notOurs]) writeFileSync(path.join(dir, name), png);
    // a pid alive now but an hour-old file: the pid was reused, no write takes that long
    const old = new Date(Date.now() - STALE_TEMP_MS - 60_000);
    utimesSync(path.join(dir, oldLive), old, old);
    expect(processAlive(DEAD_PID)).toBe(false);
    expect(processAlive(process.ppid)).toBe(true);
    const store = new GalleryStore(dir);
    expect((await store.list()).total).toBe(0); // temporary files are never items
    expect(readdirSync(dir).sort()).toEqual([liveWriter, notOurs].sort());
  });

  it('does not list a sidecar whose PNG is gone, and keeps the sidecar file', async () => {
    const store = new GalleryStore(dir);
    const a = await store.save({ png: await resultPng(8, 8), width: 8, height: 8, seed: 1, modelName: 'tiny', request, parameters: 'p' });
    const b = await store.save({ png: await resultPng(8, 8), width: 8, height: 8, seed: 2, modelName: 'tiny', request, parameters: 'p' });
    rmSync(b.path);
    const fresh = new GalleryStore(dir);
    expect((await fresh.list()).items.map((i) => i.id)).toEqual([a.id]);
    expect(await fresh.get(b.id)).toBeNull();
    expect(existsSync(path.join(dir, `${b.id}.json`))).toBe(true);
  });

  it('leaves a PNG alone while its writer is saving it, and never replaces a sidecar that got there first', async () => {
    const id = '20260101-120007-abcdef';
    writeFileSync(path.join(dir, `${id}.png`), await resultPng(8, 8, INFOTEXT));
    expect((await recoverGallery(dir, { saving: new Set([id]) })).adopted).toEqual([]);
    expect(existsSync(path.join(dir, `${id}.json`))).toBe(false);
    // the writer's sidecar lands between the look at the folder and the recovered one's write
    const sidecar = path.join(dir, `${id}.json`);
    writeFileSync(sidecar, 'the writer');
    expect(await createFileOnce(sidecar, 'recovered')).toBe(false);
    expect(readFileSync(sidecar, 'utf8')).toBe('the writer');
    expect(await createFileOnce(path.join(dir, 'new.json'), 'recovered')).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([`${id}.json`, `${id}.png`, 'new.json']); // no temporary file left
  });
});
