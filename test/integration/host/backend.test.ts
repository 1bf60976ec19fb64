import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readPngTextMap } from '../../../src-main/engine/imageio/png-chunks.ts';
import type { EventPayload, GalleryItem, JobSummary, ModelReport } from '../../../src-main/ipc/contract.ts';
import { FIXTURE_MODELS, TINY_MODEL, makeTestBackend, tsxChildHost, waitForEvent } from './helpers.ts';
import type { TestBackend } from './helpers.ts';

let t: TestBackend | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const job = (over: Record<string, unknown> = {}) => ({ kind: 'txt2img', params: { model: TINY_MODEL, prompt: 'a red square', steps: 3, seed: 11, ...over } });
const submit = async (tb: TestBackend, over: Record<string, unknown> = {}) => ((await tb.call('jobs.submit', job(over))) as { job: JobSummary }).job;

describe('backend over a child-process engine', () => {
  it('lists models with reasons and reports providers', async () => {
    t = await makeTestBackend(tsxChildHost());
    const { models, roots } = (await t.call('models.list')) as { models: ModelReport[]; roots: string[] };
    expect(roots).toContain(FIXTURE_MODELS);
    expect(roots).toContain(path.join(t.dataDir, 'models'));
    expect(existsSync(path.join(t.dataDir, 'models'))).toBe(true);
    const tiny = models.find((m) => m.name === 'reverie-tiny');
    expect(tiny).toMatchObject({ valid: true, id: TINY_MODEL, root: FIXTURE_MODELS });
    const broken = models.find((m) => m.name === 'broken-missing-unet');
    expect(broken?.valid).toBe(false);
    expect(broken?.problems.join(' ')).toMatch(/unet/);
    const info = (await t.call('system.info')) as { providers: { id: string; works: boolean }[]; mode: string; dataDir: string };
    expect(info.mode).toBe('browser');
    expect(info.dataDir).toBe(t.dataDir);
    expect(info.providers.find((p) => p.id === 'cpu')?.works).toBe(true);
  });

  it('runs a job end to end: events in order, PNG + sidecar in the gallery, delete', async () => {
    t = await makeTestBackend(tsxChildHost());
    const queued = await submit(t);
    expect(queued.status).toBe('queued');
    const done = (await waitForEvent(t, (e) => e.name === 'job.done')).payload as EventPayload<'job.done'>;
    const names = t.events.filter((e) => (e.payload as { jobId?: string }).jobId === queued.id || e.name === 'job.queued').map((e) => e.name);
    expect(names[0]).toBe('job.queued');
    expect(names.indexOf('job.started')).toBeLessThan(names.indexOf('job.step'));
    expect(names.at(-1)).toBe('job.done');
    const steps = t.events.filter((e) => e.name === 'job.step').map((e) => e.payload as EventPayload<'job.step'>);
    expect(steps.map((s) => s.step).sort()).toEqual([1, 2, 3]);
    expect(steps[0].previewUrl).toMatch(/^data:image\/png;base64,/);
    expect(done.items).toHaveLength(1);
    const item = done.items[0];
    expect(item.url).toBe(`/media/gallery/${item.id}.png`);
    expect(item.seed).toBe(11);
    const png = readFileSync(item.path);
    expect(readPngTextMap(png).get('parameters')).toMatch(/a red square\nSteps: 3, .*Seed: 11/);
    expect(((await t.call('gallery.get', { id: item.id })) as { item: GalleryItem }).item.parameters).toBe(item.parameters);
    expect(((await t.call('jobs.list')) as { jobs: JobSummary[] }).jobs[0]).toMatchObject({ id: queued.id, status: 'done', images: [item.id] });
    expect(await t.call('gallery.delete', { id: item.id })).toEqual({ deleted: true });
    expect(existsSync(item.path)).toBe(false);
    await expect(t.call('gallery.get', { id: item.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reorders and removes queued jobs, cancels the running one', async () => {
    t = await makeTestBackend(tsxChildHost());
    const a = await submit(t, { steps: 400 });
    const b = await submit(t, { seed: 1 });
    const c = await submit(t, { seed: 2 });
    const d = await submit(t, { seed: 3 });
    await waitForEvent(t, (e) => e.name === 'job.step' && (e.payload as { jobId: string }).jobId === a.id);
    const order = ((await t.call('jobs.reorder', { jobId: d.id, toIndex: 0 })) as { jobs: JobSummary[] }).jobs.map((j) => j.id);
    expect(order.slice(0, 4)).toEqual([a.id, d.id, b.id, c.id]);
    expect(await t.call('jobs.remove', { jobId: b.id })).toEqual({ removed: true });
    await expect(t.call('jobs.remove', { jobId: a.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await t.call('jobs.cancel', { jobId: a.id })).toEqual({ cancelled: true });
    const cancelled = (await waitForEvent(t, (e) => e.name === 'job.error')).payload as EventPayload<'job.error'>;
    expect(cancelled).toMatchObject({ jobId: a.id, cancelled: true, error: { code: 'CANCELLED' } });
    await waitForEvent(t, (e) => e.name === 'job.done' && (e.payload as { jobId: string }).jobId === c.id);
    const started = t.events.filter((e) => e.name === 'job.started').map((e) => (e.payload as { jobId: string }).jobId);
    expect(started).toEqual([a.id, d.id, c.id]);
  });

  it('reports an engine crash during a job and runs the next job on a fresh engine', async () => {
    t = await makeTestBackend(tsxChildHost());
    const a = await submit(t, { steps: 500 });
    await waitForEvent(t, (e) => e.name === 'job.step');
    const { pid } = (await t.call('debug.crashEngine')) as { pid: number };
    const failed = (await waitForEvent(t, (e) => e.name === 'job.error')).payload as EventPayload<'job.error'>;
    expect(failed).toMatchObject({ jobId: a.id, cancelled: false, error: { code: 'ENGINE_CRASHED' } });
    const crashed = (await waitForEvent(t, (e) => e.name === 'engine.crashed')).payload as EventPayload<'engine.crashed'>;
    expect(crashed).toMatchObject({ pid, restarted: true });
    const b = await submit(t);
    await waitForEvent(t, (e) => e.name === 'job.done' && (e.payload as { jobId: string }).jobId === b.id);
    expect(t.backend.jobs.list().find((j) => j.id === a.id)?.status).toBe('error');
  });

  it('refuses bad jobs in plain words and keeps debug calls off unless enabled', async () => {
    t = await makeTestBackend(tsxChildHost(), { debugCalls: false });
    await expect(t.call('jobs.submit', job({ model: path.join(FIXTURE_MODELS, 'broken-missing-unet') }))).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    await expect(t.call('jobs.submit', job({ model: '/nowhere/model' }))).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    await expect(t.call('jobs.submit', job({ steps: 0 }))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(t.call('debug.crashEngine')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const settings = (await t.call('settings.set', { patch: { previewEvery: 3 } })) as { previewEvery: number };
    expect(settings.previewEvery).toBe(3);
    expect(t.events.some((e) => e.name === 'settings.changed')).toBe(true);
    expect(JSON.parse(readFileSync(path.join(t.dataDir, 'settings.json'), 'utf8')).previewEvery).toBe(3);
  });
});
