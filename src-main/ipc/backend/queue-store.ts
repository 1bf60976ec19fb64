/**
 * The job queue on disk: the waiting jobs and the running one are written to <data>/queue.json
 * (atomically, a moment after each change of the queue) so they come back after a quit, a crash or
 * a kill -9. At start they are submitted again through jobs.submit's own schema and handler (the
 * model must still be listed and valid, edit images and LoRA files must still be there); one that
 * no longer passes is listed as a failed job saying why, not dropped in silence.
 *
 * A job that was running when Reverie died is queued again (first, as it was): the user wants it
 * back. Not a third time, though: a job during which Reverie has died twice may be what kills it,
 * so it is listed as failed (INTERRUPTED) with its request, to submit again by hand. A clean quit
 * writes the running job as waiting, so quitting is never counted as dying.
 *
 * A file that cannot be read or is not a queue file is renamed aside (queue.json.bad-<time>) and
 * the queue starts empty; entries whose request fails the schema are skipped and the file as it
 * was is copied aside the same way. Neither stops Reverie from starting.
 */
import { copyFile, readFile, rename } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../../storage/atomic.ts';
import { CALLS } from '../contract.ts';
import type { ApiError, JobRequest, JobSummary } from '../contract.ts';
import { toApiError } from '../errors.ts';

export const QUEUE_FILE = 'queue.json';
/** a flood of submits writes the file once, not once per submit */
export const QUEUE_WRITE_DELAY_MS = 100;
/** a job during which Reverie died this many times is not started again by itself */
export const MAX_INTERRUPTIONS = 2;

const StoredJobSchema = z.object({
  /** checked on restore like any submit (CALLS['jobs.submit'].request), one job at a time */
  request: z.unknown(),
  createdAt: z.number(),
  /** it was running when the file was last written, so Reverie died while it ran */
  running: z.boolean(),
  /** how many times Reverie died while this job ran */
  interruptions: z.int().min(0),
});
const QueueFileSchema = z.object({ version: z.literal(1), jobs: z.array(StoredJobSchema) });
export type StoredJob = z.infer<typeof StoredJobSchema>;

export interface QueueRestoreTarget {
  /** the queue as it is now (JobQueue.list) */
  list: () => readonly JobSummary[];
  /** jobs.submit's handler: the request is queued or the call's error is thrown */
  submit: (request: JobRequest) => Promise<JobSummary>;
  /** lists a job that could not be queued again as failed (JobQueue.addFailed) */
  failed: (request: JobRequest, error: ApiError, createdAt: number) => JobSummary;
}

export interface QueueRestoreReport {
  restored: JobSummary[];
  failed: JobSummary[];
  /** entries skipped for an invalid request, or the whole file when it was not a queue file */
  unusable: string[];
  /** where the file was set aside, when something in it was unusable */
  setAside: string | null;
}

export class QueueStore {
  private list: (() => readonly JobSummary[]) | null = null;
  private readonly interruptions = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly file: string,
    private readonly log: (message: string) => void = (m) => console.warn(m),
  ) {}

  /**
   * Reads the file and submits its jobs again; only then are changes written (the file is not lost
   * to an early write). Never rejects: Reverie starts whatever the file holds.
   */
  async restore(target: QueueRestoreTarget): Promise<QueueRestoreReport> {
    const report: QueueRestoreReport = { restored: [], failed: [], unusable: [], setAside: null };
    try {
      await this.restoreInto(report, target);
    } catch (err) {
      this.log(`[reverie] could not restore the saved job queue ${this.file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return report;
  }

  private async restoreInto(report: QueueRestoreReport, target: QueueRestoreTarget): Promise<void> {
    const stored = await this.read(report);
    for (const [index, entry] of stored.entries()) {
      if (this.closed) return;
      const parsed = CALLS['jobs.submit'].request.safeParse(entry.request);
      if (!parsed.success) {
        report.unusable.push(`job ${index + 1}: ${z.prettifyError(parsed.error)}`);
        continue;
      }
      const request = parsed.data;
      const interruptions = entry.interruptions + (entry.running ? 1 : 0);
      if (interruptions >= MAX_INTERRUPTIONS) {
        const error = { code: 'INTERRUPTED', message: `Reverie stopped ${interruptions} times while this job ran, so it was not started again by itself (it may be what stops Reverie). Submit it again to retry.` };
        report.failed.push(target.failed(request, error, entry.createdAt));
        continue;
      }
      try {
        const job = await target.submit(request);
        this.interruptions.set(job.id, interruptions);
        report.restored.push(job);
      } catch (err) {
        const error = toApiError(err);
        report.failed.push(target.failed(request, { ...error, message: `This job was waiting when Reverie stopped and cannot be queued again: ${error.message}` }, entry.createdAt));
      }
    }
    if (report.unusable.length && !report.setAside) report.setAside = await this.setAside(copyFile);
    this.logRestore(report);
    if (this.closed) return;
    this.list = target.list;
    await this.write(false);
  }

  /** After every change of the queue: writes it a moment later (changes before the restore are kept in memory only). */
  changed(): void {
    if (!this.list || this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.write(false);
    }, QUEUE_WRITE_DELAY_MS);
    this.timer.unref();
  }

  /** A clean stop: writes the queue once more, the running job as waiting, and stops writing. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const last = this.write(true);
    this.closed = true;
    await last;
  }

  /** Writes are queued one after the other; each writes the queue as it is when its turn comes. */
  private write(cleanStop: boolean): Promise<void> {
    const list = this.list;
    if (!list || this.closed) return this.writing;
    this.writing = this.writing
      .then(() => writeFileAtomic(this.file, `${JSON.stringify({ version: 1, jobs: this.snapshot(list(), cleanStop) })}\n`))
      .catch((err: unknown) => this.log(`[reverie] could not save the job queue to ${this.file}: ${err instanceof Error ? err.message : String(err)}; waiting jobs will not come back after a restart until it can be written.`));
    return this.writing;
  }

  private snapshot(jobs: readonly JobSummary[], cleanStop: boolean): StoredJob[] {
    return jobs
      .filter((j) => j.status === 'queued' || j.status === 'running')
      .map((j) => ({ request: j.request, createdAt: j.createdAt, running: !cleanStop && j.status === 'running', interruptions: this.interruptions.get(j.id) ?? 0 }));
  }

  private async read(report: QueueRestoreReport): Promise<StoredJob[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') report.unusable.push(`the file could not be read: ${String(err)}`);
      return [];
    }
    let problem: string;
    try {
      const parsed = QueueFileSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data.jobs;
      problem = `it is not a Reverie queue file (${z.prettifyError(parsed.error)})`;
    } catch (err) {
      problem = `it is not valid JSON (${err instanceof Error ? err.message : String(err)})`;
    }
    report.unusable.push(problem);
    report.setAside = await this.setAside(rename);
    return [];
  }

  /** queue.json → queue.json.bad-<time> (renamed, or copied when its entries are still in use). */
  private async setAside(how: (from: string, to: string) => Promise<void>): Promise<string | null> {
    const to = `${this.file}.bad-${new Date().toISOString().replace(/[-:.]/g, '')}`;
    try {
      await how(this.file, to);
      return to;
    } catch {
      return null;
    }
  }

  private logRestore(r: QueueRestoreReport): void {
    if (r.unusable.length) {
      const kept = r.setAside ? `the file as it was is kept as ${r.setAside}` : 'the file could not be set aside';
      const rest = r.restored.length + r.failed.length === 0 ? 'The queue starts empty' : `${r.restored.length} job(s) were queued again, ${r.failed.length} listed as failed`;
      this.log(`[reverie] the saved job queue ${this.file} could not all be used: ${r.unusable.join('; ')}. ${rest}; ${kept}.`);
    }
    for (const job of r.failed) this.log(`[reverie] a job saved in the queue was not queued again: ${job.error?.message ?? ''}`);
  }
}
