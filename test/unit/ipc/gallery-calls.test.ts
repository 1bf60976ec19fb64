/**
 * The gallery and image calls over the real backend (in-process engine, tiny fixture model):
 * saves announced as they happen, delete to the trash with restore, reveal in both modes, and
 * parameters read back from our own PNG and from foreign ones.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodePng } from '../../../src-main/engine/imageio/png.ts';
import type { EventPayload, GalleryItem, JobSummary } from '../../../src-main/ipc/contract.ts';
import { FIXTURES, startBackend } from './backend-harness.ts';
import type { BackendHarness } from './backend-harness.ts';

const TINY = path.join(FIXTURES, 'reverie-tiny');

interface Harness extends BackendHarness {
  revealed: string[];
}

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function start(opts: { reveal?: boolean } = {}): Promise<Harness> {
  const revealed: string[] = [];
  const backend = await startBackend({
    prefix: 'reverie-gallery-calls-',
    mode: opts.reveal ? 'electron' : 'browser',
    ...(opts.reveal ? { revealFile: (file: string) => void revealed.push(file) } : {}),
  });
  return { ...backend, revealed };
}

async function generate(t: Harness, params: Record<string, unknown> = {}): Promise<GalleryItem[]> {
  const { job } = (await t.call('jobs.submit', { kind: 'txt2img', params: { model: TINY, prompt: 'a red square', steps: 2, seed: 5, ...params } })) as { job: JobSummary };
  for (let i = 0; i < 600; i++) {
    const done = t.events.find((e) => e.name === 'job.done' && (e.payload as { jobId: string }).jobId === job.id);
    if (done) return (done.payload as EventPayload<'job.done'>).items;
    const failed = t.events.find((e) => e.name === 'job.error' && (e.payload as { jobId: string }).jobId === job.id);
    if (failed) throw new Error(JSON.stringify(failed.payload));
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('job did not finish');
}

describe('gallery calls', () => {
  it('announces each saved image, deletes to the trash and restores it', async () => {
    h = await start();
    const items = await generate(h, { batchSize: 2 });
    expect(items).toHaveLength(2);
    const added = h.events.filter((e) => e.name === 'gallery.changed').flatMap((e) => (e.payload as EventPayload<'gallery.changed'>).added.map((i) => i.id));
    expect(added.sort()).toEqual(items.map((i) => i.id).sort());
    // the queue never lists a job twice (it used to show a finishing job as running and done)
    for (const e of h.events.filter((x) => x.name === 'jobs.changed')) {
      const ids = (e.payload as { jobs: JobSummary[] }).jobs.map((j) => j.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
    const [a] = items;
    expect(await h.call('gallery.delete', { id: a.id })).toEqual({ deleted: true });
    expect(h.events.at(-1)).toEqual({ name: 'gallery.changed', payload: { added: [], removed: [a.id] } });
    expect(((await h.call('gallery.list')) as { total: number }).total).toBe(1);
    expect(await h.call('gallery.restore', { id: a.id })).toEqual({ item: a });
    expect(h.events.at(-1)).toEqual({ name: 'gallery.changed', payload: { added: [a], removed: [] } });
    expect(await h.call('gallery.restore', { id: a.id })).toEqual({ item: null });
    expect(((await h.call('gallery.list')) as { total: number }).total).toBe(2);
  });

  it('searches, deletes and restores several at once (one event each), exports copies or says why not', async () => {
    h = await start();
    const [a, b] = await generate(h, { batchSize: 2 });
    const [c] = await generate(h, { prompt: 'a blue circle' });
    const found = (await h.call('gallery.list', { search: 'RED', kind: 'txt2img', model: 'reverie-tiny' })) as { items: GalleryItem[]; total: number; models: string[] };
    expect([found.total, found.models]).toEqual([2, ['reverie-tiny']]);
    expect(((await h.call('gallery.list', { kind: 'inpaint' })) as { total: number }).total).toBe(0);
    const before = h.events.length;
    expect(await h.call('gallery.deleteMany', { ids: [a.id, c.id] })).toEqual({ deleted: [a.id, c.id] });
    expect(h.events.slice(before)).toEqual([{ name: 'gallery.changed', payload: { added: [], removed: [a.id, c.id] } }]);
    expect(await h.call('gallery.restoreMany', { ids: [a.id, c.id] })).toEqual({ items: [a, c] });
    const out = path.join(path.dirname(h.dataDir), `${path.basename(h.dataDir)}-export`);
    const done = (await h.call('gallery.export', { ids: [b.id, c.id], folder: out })) as { files: string[] };
    expect(done.files.map((f) => path.basename(f))).toEqual([b.fileName, c.fileName]);
    await expect(h.call('gallery.export', { ids: [b.id], folder: 'relative/dir' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/not a full path/) });
    await expect(h.call('gallery.export', { ids: ['missing-id'], folder: out })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const { rmSync } = await import('node:fs');
    rmSync(out, { recursive: true, force: true });
  });

  it('reveals the file in Electron and gives the path in browser mode', async () => {
    h = await start();
    const [item] = await generate(h);
    expect(await h.call('gallery.reveal', { id: item.id })).toEqual({ revealed: false, path: item.path });
    await expect(h.call('gallery.reveal', { id: 'missing-id' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await h.close();
    h = await start({ reveal: true });
    const [other] = await generate(h);
    expect(await h.call('gallery.reveal', { id: other.id })).toEqual({ revealed: true, path: other.path });
    expect(h.revealed).toEqual([other.path]);
  });
});

describe('images.readParameters', () => {
  it('reads our own PNG back into the request that made it', async () => {
    h = await start();
    const [item] = await generate(h, { prompt: 'a lighthouse, oil painting', negativePrompt: 'blurry', steps: 3, cfgScale: 5.5, sampler: 'dpmpp_2m', schedule: 'exponential', seed: 77, width: 192, height: 128 });
    const { readFileSync } = await import('node:fs');
    const data = readFileSync(item.path).toString('base64');
    const out = (await h.call('images.readParameters', { data, name: item.fileName })) as { parameters: Record<string, unknown>; width: number; height: number; notes: string[] };
    expect(out.width).toBe(192);
    expect(out.height).toBe(128);
    expect(out.notes).toEqual([]);
    expect(out.parameters).toMatchObject({
      source: 'a1111',
      prompt: 'a lighthouse, oil painting',
      negativePrompt: 'blurry',
      steps: 3,
      cfgScale: 5.5,
      sampler: 'dpmpp_2m',
      schedule: 'exponential',
      seed: 77,
      width: 192,
      height: 128,
      model: 'reverie-tiny',
    });
  });

  it('answers foreign PNGs, refuses broken ones and oversized requests in plain words', async () => {
    h = await start();
    const png = await encodePng({ width: 2, height: 2, data: new Uint8Array(12) }, [{ keyword: 'parameters', text: 'cat\nSteps: 9, Sampler: Euler a, CFG scale: 3, Seed: 4, Size: 64x64' }]);
    const ok = (await h.call('images.readParameters', { data: png.toString('base64') })) as { parameters: { sampler: string; steps: number } };
    expect(ok.parameters).toMatchObject({ sampler: 'euler_ancestral', steps: 9 });
    await expect(h.call('images.readParameters', { data: png.subarray(0, 30).toString('base64'), name: 'cut.png' })).rejects.toMatchObject({ code: 'IMAGE_INVALID' });
    await expect(h.call('images.readParameters', { data: 'not base64!' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
