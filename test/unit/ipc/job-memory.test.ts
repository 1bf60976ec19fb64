/**
 * The studio refuses a job too big for memory when it is submitted (issue 18, item 6): jobs.submit asks
 * the engine (in-process here, with the fixture models) and answers OUT_OF_MEMORY with the numbers;
 * nothing is queued. REVERIE_MEMORY_LIMIT gives the engine a small budget on any machine.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../../src-main/ipc/contract.ts';
import { FIXTURES, startBackend } from './backend-harness.ts';
import type { BackendHarness } from './backend-harness.ts';

const TINY = path.join(FIXTURES, 'reverie-tiny');
let h: BackendHarness | null = null;
let saved: string | undefined;

beforeEach(() => {
  saved = process.env.REVERIE_MEMORY_LIMIT;
  process.env.REVERIE_MEMORY_LIMIT = '512M';
});
afterEach(async () => {
  if (saved === undefined) delete process.env.REVERIE_MEMORY_LIMIT;
  else process.env.REVERIE_MEMORY_LIMIT = saved;
  await h?.close();
  h = null;
});

describe('jobs.submit and memory', () => {
  it('refuses 4096² batch 16 with OUT_OF_MEMORY, the estimate, the budget and advice; queues nothing', async () => {
    h = await startBackend({ prefix: 'reverie-job-memory-' });
    const request = { kind: 'txt2img', params: { model: TINY, prompt: 'a red square', width: 4096, height: 4096, batchSize: 16, steps: 1, seed: 1 } };
    await expect(h.call('jobs.submit', request)).rejects.toMatchObject({
      code: 'OUT_OF_MEMORY',
      message: expect.stringMatching(/^This job needs about 431\.8 GiB of memory .* but 512 MiB is available \(REVERIE_MEMORY_LIMIT=512M; 512 MiB in all\), so it was not started.* Try batch size 1 and a smaller size such as 448×448/),
    });
    expect((await h.call<{ jobs: JobSummary[] }>('jobs.list')).jobs).toEqual([]);
    expect(h.events.some((e) => e.name === 'job.queued')).toBe(false);
  });

  it('accepts a normal job in the same budget', async () => {
    h = await startBackend({ prefix: 'reverie-job-memory-' });
    const { job } = await h.call<{ job: JobSummary }>('jobs.submit', { kind: 'txt2img', params: { model: TINY, prompt: 'a red square', width: 64, height: 64, steps: 1, seed: 1 } });
    expect(job.status).toBe('queued');
  });
});
