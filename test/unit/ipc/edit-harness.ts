/**
 * The backend of backend-harness.ts set up for the edit and process call tests (a preview every
 * step): call and unwrap, wait for a job, make test images.
 */
import path from 'node:path';
import { encodePng } from '../../../src-main/engine/imageio/png.ts';
import type { EventName, EventPayload, GalleryItem, JobSummary } from '../../../src-main/ipc/contract.ts';
import { FIXTURES, startBackend as startAnyBackend } from './backend-harness.ts';
import type { BackendHarness } from './backend-harness.ts';

export const SD15 = path.join(FIXTURES, 'sd15-script');
export const INPAINT = path.join(FIXTURES, 'sd15-inpaint');
export const LOWVAR = path.join(FIXTURES, 'sd15-lowvar');

export type EditHarness = BackendHarness;

export function startBackend(): Promise<EditHarness> {
  return startAnyBackend({ prefix: 'reverie-edit-calls-', settings: { modelsDirs: [FIXTURES], provider: 'cpu', previewEvery: 1 } });
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
