/**
 * A gallery save that fails mid-batch (disk full, read-only data folder) over the real backend and
 * job queue (in-process engine, tiny fixture model): the job ends with an error that names the
 * reason, the images saved before stay in the gallery, and the queue runs the next job.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventName, EventPayload, GalleryItem, JobSummary } from '../../../src-main/ipc/contract.ts';
import { GalleryStore } from '../../../src-main/storage/gallery.ts';
import type { NewGalleryImage } from '../../../src-main/storage/gallery.ts';
import { FIXTURES, startBackend } from './backend-harness.ts';
import type { BackendHarness } from './backend-harness.ts';

const TINY = path.join(FIXTURES, 'reverie-tiny');

/** A real gallery whose saves fail with `code` from the `failFrom`-th on, as a full or read-only disk does. */
class FailingGallery extends GalleryStore {
  saves = 0;
  constructor(
    dir: string,
    trash: string,
    private readonly failFrom: number,
    private readonly code: 'ENOSPC' | 'EROFS',
  ) {
    super(dir, trash);
  }
  override async save(image: NewGalleryImage): Promise<GalleryItem> {
    this.saves++;
    if (this.saves >= this.failFrom) {
      const message = this.code === 'ENOSPC' ? 'no space left on device' : 'read-only file system';
      throw Object.assign(new Error(`${this.code}: ${message}, write`), { code: this.code, errno: -28, syscall: 'write' });
    }
    return super.save(image);
  }
}

interface Harness extends BackendHarness {
  gallery: FailingGallery;
}

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function start(failFrom: number, code: 'ENOSPC' | 'EROFS'): Promise<Harness> {
  let gallery: FailingGallery | undefined;
  const backend = await startBackend({ prefix: 'reverie-save-failure-', gallery: (dir, trash) => (gallery = new FailingGallery(dir, trash, failFrom, code)) });
  if (!gallery) throw new Error('startBackend did not make the gallery');
  return { ...backend, gallery };
}

async function finished(t: Harness, jobId: string): Promise<{ name: EventName; payload: unknown }> {
  for (let i = 0; i < 1200; i++) {
    const hit = t.events.find((e) => (e.name === 'job.done' || e.name === 'job.error') && (e.payload as { jobId: string }).jobId === jobId);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${jobId} did not finish`);
}

const submit = async (t: Harness, params: Record<string, unknown>) =>
  ((await t.call('jobs.submit', { kind: 'txt2img', params: { model: TINY, prompt: 'a red square', steps: 2, seed: 5, ...params } })) as { job: JobSummary }).job;

describe('a gallery save that fails mid-batch', () => {
  for (const code of ['ENOSPC', 'EROFS'] as const) {
    it(`ends the job with ${code} and the reason, keeps the images saved before, and runs the next job`, async () => {
      h = await start(3, code);
      const job = await submit(h, { batchCount: 8 });
      const next = await submit(h, { seed: 6 });
      const end = await finished(h, job.id);
      expect(end.name).toBe('job.error');
      const { error, cancelled } = end.payload as EventPayload<'job.error'>;
      expect(cancelled).toBe(false);
      expect(error.code).toBe('SAVE_FAILED');
      expect(error.message).toContain(code);
      // the reason in words, not Node's "CODE: text, syscall" (which names temporary files)
      expect(error.message).toContain(code === 'ENOSPC' ? 'the disk is full (ENOSPC)' : 'the file system is read-only (EROFS)');
      expect(error.message).not.toContain(', write');
      expect(error.message).toMatch(/2 images? saved before (it|this) (are|is) kept/);
      expect(error.message).toMatch(code === 'ENOSPC' ? /free some space/i : /write access/i);
      // the batch stopped at the failure instead of generating (and failing) the rest
      expect(h.gallery.saves).toBeLessThan(8);
      const listed = (await h.call('gallery.list')) as { items: GalleryItem[]; total: number };
      expect(listed.total).toBe(2);
      for (const item of listed.items) expect(existsSync(item.path)).toBe(true);
      const summary = ((await h.call('jobs.list')) as { jobs: JobSummary[] }).jobs.find((j) => j.id === job.id);
      expect(summary?.status).toBe('error');
      expect([...(summary?.images ?? [])].sort()).toEqual(listed.items.map((i) => i.id).sort());
      // the queue lives on: the next job runs (its save fails too here, but as its own job error)
      const nextEnd = await finished(h, next.id);
      expect((nextEnd.payload as EventPayload<'job.error'>).error.code).toBe('SAVE_FAILED');
      expect(readdirSync(h.gallery.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    });
  }
});
