import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GalleryState } from '../../../src-renderer/src/lib/state/gallery.svelte.ts';
import { JobsState, jobFraction } from '../../../src-renderer/src/lib/state/jobs.svelte.ts';
import { TINY_MODEL, rendererBackend, until } from './backend.ts';
import type { RendererBackend } from './backend.ts';

let r: RendererBackend;
beforeAll(async () => {
  r = await rendererBackend();
});
afterAll(async () => {
  await r.close();
});

const request = (over: Record<string, unknown> = {}) => ({ kind: 'txt2img' as const, params: { model: TINY_MODEL, prompt: 'a red square', steps: 3, seed: 11, ...over } });

describe('JobsState', () => {
  it('follows a job: queued, started, step progress with previews, done with its images', async () => {
    const started: string[] = [];
    const done: string[][] = [];
    const jobs = new JobsState(r.api, { onStarted: (id) => started.push(id), onDone: (_id, items) => done.push(items.map((i) => i.id)) });
    const off = jobs.connect();
    const job = await jobs.submit(request({ steps: 4, batchSize: 2 }));
    expect(job?.status).toBe('queued');
    expect(jobs.lastSeed).toBe(11);
    const id = job?.id ?? '';
    await until('job done', () => jobs.live(id)?.finished === true);
    const live = jobs.live(id);
    expect(live?.error).toBeNull();
    expect(live?.steps).toBe(4);
    expect(live?.previewStep).toBe(4);
    expect(live?.previewUrl).toMatch(/^data:image\/png;base64,/);
    expect(live?.items).toHaveLength(2);
    expect(live && jobFraction(live)).toBe(1);
    expect(started).toEqual([id]);
    expect(done).toEqual([live?.items.map((i) => i.id)]);
    await until('list updated', () => jobs.job(id)?.status === 'done');
    expect(jobs.running).toBeNull();
    expect(jobs.finished.map((j) => j.id)).toContain(id);
    off();
  });

  it('shows a provider note with the first job only, not with every job after it', async () => {
    const jobs = new JobsState(r.api);
    const off = jobs.connect();
    // DirectML exists only on Windows: elsewhere every job falls back to the CPU with the same note
    const first = await jobs.submit(request({ provider: 'dml', steps: 1 }));
    await until('first done', () => jobs.live(first?.id ?? null)?.finished === true);
    const second = await jobs.submit(request({ provider: 'dml', steps: 1, seed: 12 }));
    await until('second done', () => jobs.live(second?.id ?? null)?.finished === true);
    if (process.platform !== 'win32') {
      expect(jobs.live(first?.id ?? null)?.providerNote).toMatch(/dml .*using cpu/);
      expect(jobs.live(second?.id ?? null)?.providerNote).toBeNull();
    }
    off();
  });

  it('reorders and removes waiting jobs, cancels the running one and keeps its last preview', async () => {
    const jobs = new JobsState(r.api);
    const off = jobs.connect();
    const a = await jobs.submit(request({ prompt: 'A', steps: 1000, width: 512, height: 512 }));
    const b = await jobs.submit(request({ prompt: 'B' }));
    const c = await jobs.submit(request({ prompt: 'C' }));
    await until('A running', () => jobs.running?.id === a?.id && (jobs.live(a?.id ?? null)?.previewStep ?? 0) > 0);
    expect(jobs.queued.map((j) => j.request.params.prompt)).toEqual(['B', 'C']);
    await jobs.move(c?.id ?? '', 0);
    expect(jobs.queued.map((j) => j.request.params.prompt)).toEqual(['C', 'B']);
    await jobs.remove(b?.id ?? '');
    await until('B removed', () => jobs.queued.length === 1);
    expect(await jobs.cancelRunning()).toBe(true);
    await until('A cancelled', () => jobs.live(a?.id ?? null)?.cancelled === true);
    const liveA = jobs.live(a?.id ?? null);
    expect(liveA?.error?.code).toBe('CANCELLED');
    expect(liveA?.previewUrl).toMatch(/^data:image\/png/);
    expect(liveA?.previewStep).toBeLessThan(1000);
    await until('C done', () => jobs.live(c?.id ?? null)?.finished === true);
    expect(jobs.actionError).toBeNull();
    // moving a job that is not waiting fails in plain words, without throwing
    await jobs.move(a?.id ?? '', 0);
    expect(jobs.actionError).toMatch(/not waiting in the queue/);
    off();
  });

  it('reports a refused submit in plain words', async () => {
    const jobs = new JobsState(r.api);
    expect(await jobs.submit(request({ model: '/no/such/model' }))).toBeNull();
    expect(jobs.submitError).toMatch(/No model folder "\/no\/such\/model"/);
  });
});

describe('GalleryState', () => {
  it('loads, follows saves and deletes, restores, and moves the selection', async () => {
    const gallery = new GalleryState(r.api);
    await gallery.load();
    const before = gallery.total;
    const off = gallery.connect();
    const jobs = new JobsState(r.api);
    const offJobs = jobs.connect();
    const job = await jobs.submit(request({ batchSize: 3, seed: 100 }));
    await until('three new images', () => gallery.total === before + 3);
    const newest = gallery.items.slice(0, 3);
    expect(newest.every((i) => i.jobId === job?.id)).toBe(true);
    gallery.select(newest[1].id);
    gallery.step(1);
    expect(gallery.selectedId).toBe(newest[2].id);
    gallery.step(-10);
    expect(gallery.selectedId).toBe(gallery.items[0].id);
    gallery.select(newest[1].id);
    expect(await gallery.delete(newest[1].id)).toBe(true);
    expect(gallery.total).toBe(before + 2);
    // the selection moved to the neighbour
    expect(gallery.selectedId).toBe(newest[2].id);
    const restored = await gallery.restore(newest[1].id);
    expect(restored?.id).toBe(newest[1].id);
    expect(gallery.items.slice(0, 3).map((i) => i.id)).toEqual(newest.map((i) => i.id));
    expect(await gallery.reveal(newest[0].id)).toEqual({ revealed: false, path: newest[0].path });
    // a second state (another window) sees the same through the events
    const other = new GalleryState(r.api);
    await other.load();
    const offOther = other.connect();
    await gallery.delete(newest[0].id);
    await until('other window updated', () => !other.items.some((i) => i.id === newest[0].id));
    expect(await gallery.delete(newest[0].id)).toBe(false);
    off();
    offJobs();
    offOther();
  });
});
