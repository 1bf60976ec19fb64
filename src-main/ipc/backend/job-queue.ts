/**
 * The job queue on the main side: one job runs in the engine at a time; queued jobs can be
 * reordered or removed, any job cancelled (cancellation is a message to the engine, which stops
 * before its next model call). Finished images are saved to the gallery as they arrive, so a
 * cancelled batch keeps what it finished. The queue outlives engine crashes: the running job
 * fails with ENGINE_CRASHED and the next one runs on the fresh engine process. The waiting and
 * running jobs also outlive Reverie itself: `onChange` lets queue-store.ts write them to disk.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { EngineHost } from '../../engine/hosting/host.ts';
import type { EngineJobEvent } from '../../engine/service.ts';
import { fsReason } from '../../storage/fs-errors.ts';
import type { GalleryStore } from '../../storage/gallery.ts';
import type { ApiError, GalleryItem, JobRequest, JobSummary, ModelReport } from '../contract.ts';
import { ApiCallError, toApiError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import { runEngineJob } from './engine-jobs.ts';
import type { InputStore } from './edit-inputs.ts';
import { withParams } from './edit-inputs.ts';

const KEEP_FINISHED = 50;
/** Waiting jobs the queue takes; more is refused (QUEUE_FULL) rather than held without bound. */
export const MAX_WAITING_JOBS = 100;

interface JobRecord {
  summary: JobSummary;
  model: ModelReport;
  controller?: AbortController;
  items: GalleryItem[];
}

export interface JobQueueDeps {
  host: EngineHost;
  gallery: GalleryStore;
  events: EventBus;
  previewEvery: () => number;
  /** the edit jobs' input images (edit-inputs.ts) */
  inputs?: InputStore;
  /** where a prompt's <lora:NAME:weight> tags find NAME.safetensors */
  loraDirs?: () => string[];
  /** after every change of the waiting or running jobs (queue-store.ts writes them to disk) */
  onChange?: () => void;
}

export function newJobId(): string {
  return `job-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export class JobQueue {
  private readonly queued: JobRecord[] = [];
  private running: JobRecord | null = null;
  private readonly finished: JobRecord[] = [];
  /** heavy process calls holding the engine (no job starts while > 0) */
  private exclusive = 0;
  /** heavy process calls waiting for the running job to end */
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly deps: JobQueueDeps) {}

  /**
   * Queues a job. Announced with job.queued alone (the new job and its place; the studio inserts it),
   * not the whole list again: a flood of submits must not send the queue once per submit.
   */
  submit(request: JobRequest, model: ModelReport): JobSummary {
    if (this.queued.length >= MAX_WAITING_JOBS) {
      throw new ApiCallError(
        'QUEUE_FULL',
        `The queue already holds ${MAX_WAITING_JOBS} waiting jobs, the most it takes; wait for some to finish, or remove or cancel some, then submit again.`,
        { waiting: this.queued.length, limit: MAX_WAITING_JOBS },
      );
    }
    const record: JobRecord = {
      summary: { id: newJobId(), status: 'queued', request, createdAt: Date.now(), images: [] },
      model,
      items: [],
    };
    this.queued.push(record);
    this.deps.events.emit('job.queued', { job: record.summary, position: this.queued.length - 1 + (this.running ? 1 : 0) });
    this.deps.onChange?.();
    queueMicrotask(() => this.pump());
    return record.summary;
  }

  /** Lists a job that cannot run as failed, with why (a restored job whose model or images are gone). */
  addFailed(request: JobRequest, error: ApiError, createdAt = Date.now()): JobSummary {
    const folder = request.params.model;
    // the model as the request names it: it never runs, the report only completes the record
    const model: ModelReport = { id: folder, path: folder, name: path.basename(folder), root: path.dirname(folder), valid: false, problems: [error.message] };
    const record: JobRecord = { summary: { id: newJobId(), status: 'queued', request, createdAt, images: [] }, model, items: [] };
    this.finish(record, 'error', error);
    return record.summary;
  }

  list(): JobSummary[] {
    return [...(this.running ? [this.running] : []), ...this.queued, ...this.finished].map((r) => r.summary);
  }

  cancel(jobId: string): boolean {
    if (this.running?.summary.id === jobId) {
      this.running.controller?.abort();
      return true;
    }
    const index = this.queued.findIndex((r) => r.summary.id === jobId);
    if (index < 0) return false;
    const [record] = this.queued.splice(index, 1);
    this.finish(record, 'cancelled', { code: 'CANCELLED', message: 'cancelled before it started' });
    return true;
  }

  reorder(jobId: string, toIndex: number): JobSummary[] {
    const from = this.queued.findIndex((r) => r.summary.id === jobId);
    if (from < 0) throw new ApiCallError('NOT_FOUND', `Job ${jobId} is not waiting in the queue (only queued jobs can be moved).`);
    const [record] = this.queued.splice(from, 1);
    this.queued.splice(Math.min(toIndex, this.queued.length), 0, record);
    this.changed();
    return this.list();
  }

  /** Removes a queued job, or a finished one from the list; a running job must be cancelled instead. */
  remove(jobId: string): boolean {
    if (this.running?.summary.id === jobId) {
      throw new ApiCallError('BAD_REQUEST', `Job ${jobId} is running; cancel it first (jobs.cancel).`);
    }
    for (const list of [this.queued, this.finished]) {
      const index = list.findIndex((r) => r.summary.id === jobId);
      if (index >= 0) {
        list.splice(index, 1);
        this.changed();
        return true;
      }
    }
    return false;
  }

  /**
   * Runs a heavy process call (anomaly map, pipeline, attention, full-quality export) in the queue's
   * order: it waits for the running job to end, then holds the engine while it runs, and the next queued
   * job starts only after it. Several such calls may run together. Cancelled while it waits: CANCELLED.
   */
  async runExclusive<T>(run: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    while (this.running) {
      if (signal?.aborted) throw new ApiCallError('CANCELLED', 'cancelled while it waited for the running job');
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.idleWaiters.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
    if (signal?.aborted) throw new ApiCallError('CANCELLED', 'cancelled while it waited for the running job');
    this.exclusive++;
    try {
      return await run();
    } finally {
      this.exclusive--;
      this.pump();
    }
  }

  /** Cancels everything (shutdown). */
  cancelAll(): void {
    for (const record of this.queued.splice(0)) this.finish(record, 'cancelled', { code: 'CANCELLED', message: 'Reverie is shutting down' });
    this.running?.controller?.abort();
  }

  private pump(): void {
    if (this.running || this.exclusive > 0 || this.queued.length === 0) return;
    const record = this.queued.shift() as JobRecord;
    this.running = record;
    record.controller = new AbortController();
    record.summary = { ...record.summary, status: 'running', startedAt: Date.now() };
    this.deps.events.emit('job.started', { jobId: record.summary.id, startedAt: record.summary.startedAt ?? Date.now() });
    this.changed();
    void this.run(record).finally(() => {
      if (this.running === record) this.running = null;
      // heavy process calls that waited go before the next queued job: they resume (and hold the
      // engine) in microtasks that run before this deferred pump
      const waiters = this.idleWaiters.splice(0);
      for (const wake of waiters) wake();
      if (waiters.length > 0) queueMicrotask(() => this.pump());
      else this.pump();
    });
  }

  private async run(record: JobRecord): Promise<void> {
    const { request } = record.summary;
    const jobId = record.summary.id;
    const started = Date.now();
    const saves: Promise<void>[] = [];
    // the first failed save (disk full, read-only folder) stops the job: the rest would fail too
    let saveError: unknown = null;
    let steps = 0;
    const onEvent = (event: EngineJobEvent): void => {
      if (event.type === 'image') {
        if (saveError !== null) return;
        saves.push(this.saveImage(record, event).catch((err: unknown) => {
          saveError ??= err;
          record.controller?.abort();
        }));
        return;
      }
      if (event.type === 'output') {
        this.deps.events.emit('job.output', { jobId, output: event.output });
        return;
      }
      if (event.type === 'step') steps = event.steps;
      const step = event.type === 'step' ? event.step : 0;
      const stage = event.type === 'stage' ? event.stage : 'sampling';
      const done = (event.run - 1) * steps + step;
      const total = event.runs * steps;
      const elapsedMs = Date.now() - started;
      const etaMs = done > 0 ? (elapsedMs / done) * (total - done) : null;
      this.deps.events.emit('job.progress', { jobId, stage, step, steps: event.type === 'step' ? steps : 0, run: event.run, runs: event.runs, elapsedMs, etaMs });
      if (event.type === 'step') {
        this.deps.events.emit('job.step', { jobId, step, steps, sigma: event.sigma, previewUrl: event.previewDataUrl });
      }
    };
    try {
      const output = await runEngineJob(this.deps.host, request, record.model, {
        ...(record.controller ? { signal: record.controller.signal } : {}),
        onEvent,
        previewEvery: this.deps.previewEvery(),
        ...(this.deps.inputs ? { inputs: this.deps.inputs } : {}),
        loraDirs: this.deps.loraDirs?.() ?? [],
      });
      await Promise.all(saves);
      if (saveError !== null) throw saveError;
      this.finish(record, 'done', undefined, () => this.deps.events.emit('job.done', {
        jobId,
        items: record.items,
        elapsedMs: Date.now() - started,
        provider: output.provider,
        ...(output.providerNote === undefined ? {} : { providerNote: output.providerNote }),
        warnings: output.warnings,
      }));
    } catch (err) {
      await Promise.all(saves);
      const error = saveError === null ? toApiError(err) : saveFailedError(saveError, record.items.length, this.deps.gallery.dir);
      const cancelled = error.code === 'CANCELLED';
      this.finish(record, cancelled ? 'cancelled' : 'error', error);
    }
  }

  /** Saves one image; rejects with the storage error (handled in run()). */
  private async saveImage(record: JobRecord, event: Extract<EngineJobEvent, { type: 'image' }>): Promise<void> {
    const request: JobRequest = withParams(record.summary.request, { seed: event.seed });
    const item = await this.deps.gallery.save({
      png: event.png,
      width: event.width,
      height: event.height,
      seed: event.seed,
      modelName: record.model.name,
      request,
      parameters: event.parameters,
      jobId: record.summary.id,
      ...(event.recording ? { recording: event.recording } : {}),
    });
    record.items.push(item);
    record.summary = { ...record.summary, images: [...record.summary.images, item.id] };
    this.deps.events.emit('gallery.changed', { added: [item], removed: [] });
  }

  /** Marks a job finished; `announce` sends its done event before the queue's change event. */
  private finish(record: JobRecord, status: 'done' | 'error' | 'cancelled', error?: { code: string; message: string; details?: unknown }, announce?: () => void): void {
    record.summary = { ...record.summary, status, finishedAt: Date.now(), ...(error ? { error } : {}) };
    record.controller = undefined;
    // no longer running: the list sent below must not show it twice (running and finished)
    if (this.running === record) this.running = null;
    this.finished.unshift(record);
    this.finished.splice(KEEP_FINISHED);
    if (error) this.deps.events.emit('job.error', { jobId: record.summary.id, error, cancelled: status === 'cancelled' });
    announce?.();
    this.changed();
  }

  private changed(): void {
    this.deps.events.emit('jobs.changed', { jobs: this.list() });
    this.deps.onChange?.();
  }
}

/** A failed gallery save as the job's error: what failed, with the system's reason, and what to do. */
function saveFailedError(err: unknown, kept: number, dir: string): ApiError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  // in words, without the temporary file's path Node's message names; the code stays for searching
  const reason = `${fsReason(err)}${code ? ` (${code})` : ''}`;
  const advice =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'Free some space on that disk (or choose another data folder), then run the job again.'
      : code === 'EROFS' || code === 'EACCES' || code === 'EPERM'
        ? 'Give Reverie write access to that folder (or choose another data folder), then run the job again.'
        : 'Check that the folder exists and is writable, then run the job again.';
  const keptText = kept === 1 ? 'The 1 image saved before this is kept.' : `The ${kept} images saved before this are kept.`;
  return {
    code: 'SAVE_FAILED',
    message: `Could not save an image to the gallery folder ${dir}: ${reason}. The job stopped there. ${keptText} ${advice}`,
    details: { reason: code ?? null, kept },
  };
}
