/**
 * Waiting jobs survive a restart, over the real backend and job queue (in-process engine, the tiny
 * fixture model). A kill -9 is a copy of the data folder taken while jobs wait: exactly the files a
 * process killed at that moment leaves. A clean quit is the backend's dispose. The queue file is
 * also written by hand, as a damaged disk or an older run might have left it.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QUEUE_FILE } from '../../../src-main/ipc/backend/queue-store.ts';
import type { StoredJob } from '../../../src-main/ipc/backend/queue-store.ts';
import type { JobRequest, JobSummary } from '../../../src-main/ipc/contract.ts';
import { FIXTURES, startBackend } from './backend-harness.ts';
import type { BackendHarness } from './backend-harness.ts';

const TINY = path.join(FIXTURES, 'reverie-tiny');
const open: BackendHarness[] = [];

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

async function start(dataDir?: string): Promise<BackendHarness> {
  const h = await startBackend({ prefix: 'reverie-queue-restore-', ...(dataDir ? { dataDir } : {}) });
  open.push(h);
  return h;
}

async function until<T>(what: string, probe: () => T | undefined | null | false): Promise<T> {
  for (let i = 0; i < 1200; i++) {
    const hit = probe();
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const stored = (dataDir: string): StoredJob[] | null => {
  try {
    return (JSON.parse(readFileSync(path.join(dataDir, QUEUE_FILE), 'utf8')) as { jobs: StoredJob[] }).jobs;
  } catch {
    return null;
  }
};

const submit = async (h: BackendHarness, params: Record<string, unknown>): Promise<JobSummary> =>
  (await h.call<{ job: JobSummary }>('jobs.submit', { kind: 'txt2img', params: { model: TINY, prompt: 'a red square', steps: 2, ...params } })).job;

/** A job that keeps the engine busy for the whole test (cancelled when the backend closes). */
const LONG = { prompt: 'a long one', steps: 200, batchCount: 100, seed: 1 };

/** Starts a long job and queues two behind it; resolves once the queue file shows all three. */
async function busyWithTwoWaiting(h: BackendHarness): Promise<JobRequest[]> {
  const long = await submit(h, LONG);
  await until('the long job to start', () => h.events.some((e) => e.name === 'job.started' && (e.payload as { jobId: string }).jobId === long.id));
  const b = await submit(h, { seed: 6, prompt: 'a blue circle' });
  const c = await submit(h, { seed: 7, prompt: 'a green triangle', negativePrompt: 'blur' });
  await until('the queue file to hold three jobs', () => stored(h.dataDir)?.length === 3);
  return [long.request, b.request, c.request];
}

const waiting = (jobs: readonly JobSummary[]): JobSummary[] => jobs.filter((j) => j.status === 'queued' || j.status === 'running');

describe('the job queue across a restart', () => {
  it('brings back the waiting jobs and the running one after a kill -9, the running one counted as interrupted', async () => {
    const before = await start();
    const requests = await busyWithTwoWaiting(before);
    expect(stored(before.dataDir)?.map((j) => [j.running, j.interruptions])).toEqual([[true, 0], [false, 0], [false, 0]]);
    // kill -9 now: what is on disk is all the next start has
    const afterKill = mkdtempSync(path.join(os.tmpdir(), 'reverie-queue-killed-'));
    cpSync(before.dataDir, afterKill, { recursive: true });
    await before.close();
    open.splice(0);

    const after = await start(afterKill);
    const report = await after.backend.queueRestored;
    expect(report.restored).toHaveLength(3);
    expect(report.failed).toEqual([]);
    const jobs = waiting(after.backend.jobs.list());
    expect(jobs.map((j) => j.request)).toEqual(requests); // same requests, same order, seeds as resolved
    // running again: if Reverie dies once more during it, it will not be started a third time
    await until('the restored queue on disk', () => stored(afterKill)?.[0]?.running === true && stored(afterKill));
    expect(stored(afterKill)?.map((j) => j.interruptions)).toEqual([1, 0, 0]);
  });

  it('keeps the queue over a clean quit, the running job back as waiting and not counted as interrupted', async () => {
    const before = await start();
    const requests = await busyWithTwoWaiting(before);
    await before.backend.dispose();
    open.splice(0);
    expect(stored(before.dataDir)?.map((j) => [j.running, j.interruptions])).toEqual([[false, 0], [false, 0], [false, 0]]);

    const after = await start(before.dataDir);
    await after.backend.queueRestored;
    expect(waiting(after.backend.jobs.list()).map((j) => j.request)).toEqual(requests);
  });

  it('checks restored jobs like new submits: a gone model or a bad request is not queued, and the file is kept aside', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'reverie-queue-hand-'));
    const request = (prompt: string, model = TINY): unknown => ({ kind: 'txt2img', params: { model, prompt, negativePrompt: '', seed: 3, steps: 2, batchSize: 1, batchCount: 1, provider: 'cpu' } });
    const file = JSON.stringify({
      version: 1,
      jobs: [
        { request: request('died twice during me'), createdAt: 1, running: true, interruptions: 1 },
        { request: request('my model is gone', path.join(dataDir, 'no-such-model')), createdAt: 2, running: false, interruptions: 0 },
        { request: { kind: 'txt2img', params: { model: TINY, prompt: 'zero steps', steps: 0 } }, createdAt: 3, running: false, interruptions: 0 },
        { request: { kind: 'paint-by-numbers' }, createdAt: 4, running: false, interruptions: 0 },
        { request: request('fine'), createdAt: 5, running: false, interruptions: 0 },
      ],
    });
    writeFileSync(path.join(dataDir, QUEUE_FILE), file);
    const h = await start(dataDir);
    const report = await h.backend.queueRestored;
    expect(report.restored.map((j) => j.request.params.prompt)).toEqual(['fine']);
    const jobs = h.backend.jobs.list();
    const byPrompt = (prompt: string): JobSummary | undefined => jobs.find((j) => j.request.params.prompt === prompt);
    expect(byPrompt('died twice during me')).toMatchObject({ status: 'error', error: { code: 'INTERRUPTED' } });
    expect(byPrompt('my model is gone')).toMatchObject({ status: 'error', error: { code: 'MODEL_NOT_FOUND' } });
    expect(byPrompt('my model is gone')?.error?.message).toMatch(/waiting when Reverie stopped and cannot be queued again: No model folder/);
    expect(byPrompt('zero steps')).toBeUndefined();
    expect(report.unusable).toHaveLength(2);
    expect(report.unusable[0]).toMatch(/^job 3: .*steps/s);
    expect(report.setAside).toMatch(/queue\.json\.bad-/);
    expect(readFileSync(report.setAside ?? '', 'utf8')).toBe(file);
    await until('the queue file rewritten', () => stored(dataDir)?.length === 1);
  });

  it('removes the temporary files a killed run left in the data folder and its inputs, not those of a live writer', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'reverie-queue-temps-'));
    mkdirSync(path.join(dataDir, 'inputs'));
    const dead = 4_000_000; // above any pid the kernel hands out
    const leftovers = [`.${QUEUE_FILE}.${dead}.0badf00d.tmp`, `.settings.json.${dead}.1badf00d.tmp`, path.join('inputs', `.up-abc.${dead}.2badf00d.tmp`)];
    const live = `.settings.json.${process.ppid}.3badf00d.tmp`;
    for (const name of [...leftovers, live]) writeFileSync(path.join(dataDir, name), 'half');
    const h = await start(dataDir);
    await h.backend.queueRestored;
    await until('the leftovers to go', () => leftovers.every((name) => !existsSync(path.join(dataDir, name))));
    expect(existsSync(path.join(dataDir, live))).toBe(true);
  });

  for (const [what, text] of [
    ['cut short', '{"version":1,"jobs":[{"request":'],
    ['not a queue', '{"hello":"world"}'],
  ] as const) {
    it(`starts with an empty queue when the file is ${what}, and keeps the file renamed aside`, async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'reverie-queue-bad-'));
      writeFileSync(path.join(dataDir, QUEUE_FILE), text);
      const h = await start(dataDir);
      const report = await h.backend.queueRestored;
      expect(report.restored).toEqual([]);
      expect(h.backend.jobs.list()).toEqual([]);
      const aside = readdirSync(dataDir).filter((n) => n.startsWith(`${QUEUE_FILE}.bad-`));
      expect(aside).toHaveLength(1);
      expect(readFileSync(path.join(dataDir, aside[0]), 'utf8')).toBe(text);
      expect(stored(dataDir)).toEqual([]); // a fresh, empty queue file
      // and the backend works: a new job runs
      const job = await submit(h, { seed: 9 });
      await until('the new job to finish', () => h.events.some((e) => e.name === 'job.done' && (e.payload as { jobId: string }).jobId === job.id));
      expect(existsSync(path.join(dataDir, QUEUE_FILE))).toBe(true);
    });
  }
});
