/**
 * The real backend over an in-process engine with the fixture models, for the edit and process
 * call tests: call and unwrap, wait for a job, make test images.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

export const FIXTURES = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'models');
export const SD15 = path.join(FIXTURES, 'sd15-script');
export const INPAINT = path.join(FIXTURES, 'sd15-inpaint');
export const LOWVAR = path.join(FIXTURES, 'sd15-lowvar');

export interface EditHarness {
  backend: Backend;
  dataDir: string;
  call: <T = unknown>(name: string, request?: unknown) => Promise<T>;
  events: { name: EventName; payload: unknown }[];
  close: () => Promise<void>;
}

export async function startBackend(): Promise<EditHarness> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'reverie-edit-calls-'));
  const layout = ensureDataLayout(dataDir);
  const settings = await SettingsStore.open(layout.settingsFile);
  await settings.update({ modelsDirs: [FIXTURES], provider: 'cpu', previewEvery: 1 });
  const backend = createBackend({
    mode: 'browser',
    appName: 'Reverie',
    appVersion: '0.0.0-test',
    electronVersion: null,
    host: new InProcessHost(createEngineService({ isolated: false })),
    layout,
    bundledModelsDir: path.join(dataDir, 'none'),
    settings,
    gallery: new GalleryStore(layout.galleryDir, layout.trashDir),
    debugCalls: false,
  });
  const events: { name: EventName; payload: unknown }[] = [];
  backend.events.subscribe((name, payload) => events.push({ name, payload }));
  const dispatch = createDispatcher(backend.handlers);
  return {
    backend,
    dataDir,
    events,
    call: async <T,>(name: string, request: unknown = {}): Promise<T> => {
      const envelope = await dispatch(name, request);
      if (!envelope.ok) throw Object.assign(new Error(envelope.error.message), { code: envelope.error.code });
      return envelope.result as T;
    },
    close: async () => {
      await backend.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Finished {
  job: JobSummary;
  items: GalleryItem[];
  /** this job's events, in order */
  events: { name: EventName; payload: unknown }[];
}

/** Submits a job and waits for it to finish; rejects with the job's error. */
export async function runJob(h: EditHarness, request: unknown): Promise<Finished> {
  const { job } = await h.call<{ job: JobSummary }>('jobs.submit', request);
  return waitJob(h, job);
}

export async function waitJob(h: EditHarness, job: JobSummary): Promise<Finished> {
  const mine = () => h.events.filter((e) => (e.payload as { jobId?: string }).jobId === job.id);
  for (let i = 0; i < 2400; i++) {
    const done = mine().find((e) => e.name === 'job.done');
    if (done) return { job, items: (done.payload as EventPayload<'job.done'>).items, events: mine() };
    const failed = mine().find((e) => e.name === 'job.error');
    if (failed) throw Object.assign(new Error((failed.payload as EventPayload<'job.error'>).error.message), { code: (failed.payload as EventPayload<'job.error'>).error.code });
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${job.id} did not finish`);
}

/** A smooth test picture (a diagonal colour ramp with a disc), as PNG base64. */
export async function testImage(width = 64, height = 64): Promise<string> {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const inDisc = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (width / 4) ** 2;
      data[i] = inDisc ? 220 : Math.round((255 * x) / width);
      data[i + 1] = inDisc ? 60 : Math.round((255 * y) / height);
      data[i + 2] = 128;
    }
  }
  return (await encodePng({ width, height, data })).toString('base64');
}

/** A mask: white (repaint) in a centred square of half the size, black elsewhere. */
export async function testMask(width = 64, height = 64): Promise<string> {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = x >= width / 4 && x < (3 * width) / 4 && y >= height / 4 && y < (3 * height) / 4;
      data.fill(inside ? 255 : 0, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  return (await encodePng({ width, height, data })).toString('base64');
}
