/**
 * The gallery and image calls over the real backend (in-process engine, tiny fixture model):
 * saves announced as they happen, delete to the trash with restore, reveal in both modes, and
 * parameters read back from our own PNG and from foreign ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessHost } from '../../../src-main/engine/hosting/host.ts';
import { encodePng } from '../../../src-main/engine/imageio/png.ts';
import { createEngineService } from '../../../src-main/engine/service.ts';
import { createBackend } from '../../../src-main/ipc/backend/backend.ts';
import type { Backend } from '../../../src-main/ipc/backend/backend.ts';
import type { EventName, EventPayload, GalleryItem, JobSummary } from '../../../src-main/ipc/contract.ts';
import { createDispatcher } from '../../../src-main/ipc/dispatch.ts';
import { GalleryStore } from '../../../src-main/storage/gallery.ts';
import { ensureDataLayout } from '../../../src-main/storage/paths.ts';
import { SettingsStore } from '../../../src-main/storage/settings.ts';

const FIXTURES = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'models');
const TINY = path.join(FIXTURES, 'reverie-tiny');

interface Harness {
  backend: Backend;
  call: (name: string, request?: unknown) => Promise<unknown>;
  events: { name: EventName; payload: unknown }[];
  revealed: string[];
  close: () => Promise<void>;
}

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function start(opts: { reveal?: boolean } = {}): Promise<Harness> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'reverie-gallery-calls-'));
  const layout = ensureDataLayout(dataDir);
  const settings = await SettingsStore.open(layout.settingsFile);
  await settings.update({ modelsDirs: [FIXTURES], provider: 'cpu' });
  const revealed: string[] = [];
  const backend = createBackend({
    mode: opts.reveal ? 'electron' : 'browser',
    appName: 'Reverie',
    appVersion: '0.0.0-test',
    electronVersion: null,
    host: new InProcessHost(createEngineService({ isolated: false })),
    layout,
    bundledModelsDir: path.join(dataDir, 'none'),
    settings,
    gallery: new GalleryStore(layout.galleryDir, layout.trashDir),
    debugCalls: false,
    ...(opts.reveal ? { revealFile: (file: string) => void revealed.push(file) } : {}),
  });
  const events: { name: EventName; payload: unknown }[] = [];
  backend.events.subscribe((name, payload) => events.push({ name, payload }));
  const dispatch = createDispatcher(backend.handlers);
  return {
    backend,
    events,
    revealed,
    call: async (name, request = {}) => {
      const envelope = await dispatch(name, request);
      if (!envelope.ok) throw Object.assign(new Error(envelope.error.message), { code: envelope.error.code });
      return envelope.result;
    },
    close: async () => {
      await backend.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
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
