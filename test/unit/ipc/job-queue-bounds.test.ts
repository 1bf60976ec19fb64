/**
 * The job queue under a flood of submits (300 jobs with 20 000-character prompts used to send
 * 2.35 GB of queue lists to one client): a submit announces only the new job (job.queued, which the
 * studio inserts itself) instead of the whole queue, and the queue holds a bounded number of
 * waiting jobs, refusing more with the numbers and what to do. The engine is a stub whose calls
 * run until cancelled, so the queue stays full while the test looks at it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CrashReport, EngineHost, InvokeOptions } from '../../../src-main/engine/hosting/host.ts';
import { JobQueue, MAX_WAITING_JOBS } from '../../../src-main/ipc/backend/job-queue.ts';
import type { JobRequest, ModelReport } from '../../../src-main/ipc/contract.ts';
import { ApiCallError } from '../../../src-main/ipc/errors.ts';
import { EventBus } from '../../../src-main/ipc/events.ts';
import type { EventName } from '../../../src-main/ipc/contract.ts';
import { GalleryStore } from '../../../src-main/storage/gallery.ts';

/** An engine whose every call runs until its signal fires. */
class BusyHost implements EngineHost {
  readonly kind = 'in-process' as const;
  invoke(_method: string, _params: unknown, opts: InvokeOptions = {}): Promise<never> {
    return new Promise((_, reject) => {
      opts.signal?.addEventListener('abort', () => reject(Object.assign(new Error('cancelled'), { name: 'CancelledError' })));
    });
  }
  onCrash(_listener: (report: CrashReport) => void): () => void {
    return () => undefined;
  }
  pid(): number | null {
    return null;
  }
  async dispose(): Promise<void> {}
}

const MODEL = { id: '/models/m', name: 'm', path: '/models/m', root: '/models', valid: true, problems: [] } as unknown as ModelReport;
const prompt = (i: number): string => `${i} `.padEnd(20_000, 'a lighthouse at dusk, ');
const request = (i: number): JobRequest => ({
  kind: 'txt2img',
  params: { model: MODEL.path, prompt: prompt(i), negativePrompt: 'x'.repeat(20_000), seed: i, batchSize: 1, batchCount: 1, provider: 'auto' },
});

let queue: JobQueue | null = null;
afterEach(() => {
  queue?.cancelAll();
  queue = null;
});

function start(): { queue: JobQueue; sent: { name: EventName; bytes: number }[] } {
  const events = new EventBus();
  const sent: { name: EventName; bytes: number }[] = [];
  // what a WebSocket client would receive, by size
  events.subscribe((name, payload) => sent.push({ name, bytes: JSON.stringify({ event: name, payload }).length }));
  queue = new JobQueue({ host: new BusyHost(), gallery: new GalleryStore('/nonexistent/gallery'), events, previewEvery: () => 1 });
  return { queue, sent };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('the job queue under a flood of submits', () => {
  it('announces each submit with the new job only, not the whole queue again', async () => {
    const { queue: q, sent } = start();
    q.submit(request(0), MODEL);
    await tick(); // job 0 is running now
    sent.length = 0;
    for (let i = 1; i <= 80; i++) q.submit(request(i), MODEL);
    await tick();
    const queued = sent.filter((e) => e.name === 'job.queued');
    expect(queued).toHaveLength(80);
    const total = sent.reduce((sum, e) => sum + e.bytes, 0);
    // each job is ~40 KB; one copy of each is 3.2 MB, the whole list after every submit was 130 MB
    expect(total).toBeLessThan(80 * 41_000);
    expect(q.list()).toHaveLength(81);
  });

  it(`holds at most ${MAX_WAITING_JOBS} waiting jobs and says so, with what to do`, async () => {
    const { queue: q } = start();
    q.submit(request(0), MODEL);
    await tick();
    for (let i = 1; i <= MAX_WAITING_JOBS; i++) q.submit(request(i), MODEL);
    let refused: unknown;
    try {
      q.submit(request(999), MODEL);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(ApiCallError);
    expect(refused).toMatchObject({ code: 'QUEUE_FULL' });
    expect((refused as Error).message).toBe(
      `The queue already holds ${MAX_WAITING_JOBS} waiting jobs, the most it takes; wait for some to finish, or remove or cancel some, then submit again.`,
    );
    expect(q.list().filter((j) => j.status === 'queued')).toHaveLength(MAX_WAITING_JOBS);
    // room again once one is removed
    const waiting = q.list().find((j) => j.status === 'queued');
    expect(q.remove(waiting?.id ?? '')).toBe(true);
    expect(q.submit(request(1000), MODEL).status).toBe('queued');
  });
});
