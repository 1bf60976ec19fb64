/**
 * The job queue as the studio sees it: the list the main side keeps (`jobs.changed`), plus what
 * each job is doing right now — stage, step, ETA, the latest live preview, its error — from the
 * job events. Cancelling keeps the last preview; errors keep the contract's `{ code, message }`.
 */
import { SvelteMap } from 'svelte/reactivity';
import type { ApiError, EventPayload, GalleryItem, JobRequestInput, JobSummary, ReverieApi } from '../api/types.ts';
import { errorText } from './system.svelte.ts';

export type JobStage = EventPayload<'job.progress'>['stage'];

export interface JobSize {
  width: number;
  height: number;
}

export interface JobLive {
  stage: JobStage | null;
  step: number;
  steps: number;
  run: number;
  runs: number;
  elapsedMs: number;
  etaMs: number | null;
  previewUrl: string | null;
  previewStep: number;
  sigma: number | null;
  error: ApiError | null;
  cancelled: boolean;
  items: readonly GalleryItem[];
  warnings: readonly string[];
  providerNote: string | null;
  finished: boolean;
}

const EMPTY_LIVE: JobLive = {
  stage: null,
  step: 0,
  steps: 0,
  run: 1,
  runs: 1,
  elapsedMs: 0,
  etaMs: null,
  previewUrl: null,
  previewStep: 0,
  sigma: null,
  error: null,
  cancelled: false,
  items: [],
  warnings: [],
  providerNote: null,
  finished: false,
};

/** Fraction of the whole job done (all runs of a batch count), 0…1. */
export function jobFraction(live: JobLive): number {
  if (live.finished && !live.error) return 1;
  if (live.steps <= 0) return 0;
  return Math.min(1, ((live.run - 1) * live.steps + live.step) / (live.runs * live.steps));
}

export interface JobsOptions {
  /** a job started running (the canvas follows it) */
  onStarted?: (jobId: string) => void;
  /** a job finished with images */
  onDone?: (jobId: string, items: readonly GalleryItem[]) => void;
}

export class JobsState {
  #jobs = $state.raw<readonly JobSummary[]>([]);
  /** per job, replaced (never mutated) on each event: `$state.raw` values, one reactive entry per job */
  readonly #live = new SvelteMap<string, JobLive>();
  /** provider notes already shown (not reactive: read when a job ends) */
  readonly #seenNotes: Record<string, true> = {};
  #submitting = $state(false);
  #submitError = $state<string | null>(null);
  #actionError = $state<string | null>(null);
  #lastSeed = $state<number | null>(null);
  /** the input image's size of the edit jobs queued from here (their requests name the image only) */
  readonly #inputSizes = new SvelteMap<string, JobSize>();

  readonly running = $derived(this.#jobs.find((j) => j.status === 'running') ?? null);
  readonly queued = $derived(this.#jobs.filter((j) => j.status === 'queued'));
  readonly finished = $derived(this.#jobs.filter((j) => j.status !== 'queued' && j.status !== 'running'));

  constructor(
    private readonly api: ReverieApi,
    private readonly opts: JobsOptions = {},
  ) {}

  get jobs(): readonly JobSummary[] {
    return this.#jobs;
  }
  get submitting(): boolean {
    return this.#submitting;
  }
  /** why the last Generate was refused, in plain words */
  get submitError(): string | null {
    return this.#submitError;
  }
  /** why the last reorder/remove/cancel failed */
  get actionError(): string | null {
    return this.#actionError;
  }
  /** the seed of the last job submitted from here (the lock button keeps it) */
  get lastSeed(): number | null {
    return this.#lastSeed;
  }

  /** The size of the image an edit job started from, when it was queued from this window. */
  inputSize(jobId: string): JobSize | null {
    return this.#inputSizes.get(jobId) ?? null;
  }

  live(jobId: string | null): JobLive | null {
    return jobId === null ? null : (this.#live.get(jobId) ?? null);
  }

  job(jobId: string | null): JobSummary | null {
    return jobId === null ? null : (this.#jobs.find((j) => j.id === jobId) ?? null);
  }

  async load(): Promise<void> {
    try {
      this.#jobs = (await this.api.jobs.list()).jobs;
    } catch (err) {
      this.#actionError = errorText(err);
    }
  }

  /**
   * Queues a job; null (and `submitError`) when the main side refused it. `inputSize`: the size of
   * an edit job's input image, for the queue's rows.
   */
  async submit(request: JobRequestInput, inputSize: JobSize | null = null): Promise<JobSummary | null> {
    this.#submitting = true;
    try {
      const { job } = await this.api.jobs.submit(request);
      this.#submitError = null;
      this.#lastSeed = job.request.params.seed;
      if (inputSize) {
        this.#inputSizes.set(job.id, inputSize);
        while (this.#inputSizes.size > 100) this.#inputSizes.delete(this.#inputSizes.keys().next().value as string);
      }
      this.#upsert(job);
      return job;
    } catch (err) {
      this.#submitError = errorText(err);
      return null;
    } finally {
      this.#submitting = false;
    }
  }

  clearSubmitError(): void {
    this.#submitError = null;
  }

  /** Cancels the running job (Esc); true when there was one. */
  async cancelRunning(): Promise<boolean> {
    const running = this.running;
    if (!running) return false;
    await this.cancel(running.id);
    return true;
  }

  async cancel(jobId: string): Promise<void> {
    await this.#act(() => this.api.jobs.cancel({ jobId }));
  }

  async remove(jobId: string): Promise<void> {
    await this.#act(() => this.api.jobs.remove({ jobId }));
  }

  /** Moves a queued job to `toIndex` among the queued jobs (0 = next). */
  async move(jobId: string, toIndex: number): Promise<void> {
    await this.#act(async () => {
      this.#jobs = (await this.api.jobs.reorder({ jobId, toIndex: Math.max(0, toIndex) })).jobs;
    });
  }

  /** Removes every finished job from the list. */
  async clearFinished(): Promise<void> {
    for (const job of this.finished) await this.remove(job.id);
  }

  /** Subscribes to the job events; returns the unsubscribe function. */
  connect(): () => void {
    const offs = [
      this.api.on('jobs.changed', ({ jobs }) => {
        this.#jobs = jobs;
      }),
      this.api.on('job.queued', ({ job }) => this.#upsert(job)),
      this.api.on('job.started', ({ jobId }) => {
        this.#patch(jobId, { stage: 'loading' });
        this.opts.onStarted?.(jobId);
      }),
      this.api.on('job.progress', (p) => {
        const stepFields = p.steps > 0 ? { step: p.step, steps: p.steps } : {};
        this.#patch(p.jobId, { stage: p.stage, run: p.run, runs: p.runs, elapsedMs: p.elapsedMs, etaMs: p.etaMs, ...stepFields });
      }),
      this.api.on('job.step', (p) => {
        const current = this.#live.get(p.jobId);
        const preview = p.previewUrl !== null && p.step >= (current?.previewStep ?? 0) ? { previewUrl: p.previewUrl, previewStep: p.step } : {};
        this.#patch(p.jobId, { sigma: p.sigma, ...preview });
      }),
      this.api.on('job.done', (p) => {
        // the same provider note ("no GPU provider …; using CPU") is shown with the first job only, not every job
        const note = p.providerNote ?? null;
        const fresh = note !== null && !this.#seenNotes[note];
        if (note !== null) this.#seenNotes[note] = true;
        this.#patch(p.jobId, { finished: true, items: p.items, warnings: p.warnings, providerNote: fresh ? note : null, elapsedMs: p.elapsedMs, etaMs: 0 });
        if (p.items.length > 0) this.opts.onDone?.(p.jobId, p.items);
      }),
      this.api.on('job.error', (p) => {
        this.#patch(p.jobId, { finished: true, error: p.error, cancelled: p.cancelled, etaMs: null });
      }),
    ];
    return () => offs.forEach((off) => off());
  }

  #upsert(job: JobSummary): void {
    if (this.#jobs.some((j) => j.id === job.id)) return;
    const active = this.#jobs.filter((j) => j.status === 'running' || j.status === 'queued');
    const rest = this.#jobs.filter((j) => j.status !== 'running' && j.status !== 'queued');
    this.#jobs = [...active, job, ...rest];
  }

  #patch(jobId: string, patch: Partial<JobLive>): void {
    this.#live.set(jobId, { ...(this.#live.get(jobId) ?? EMPTY_LIVE), ...patch });
    // keep live state for listed jobs only (plus the one just patched)
    for (const id of [...this.#live.keys()]) if (id !== jobId && !this.#jobs.some((j) => j.id === id)) this.#live.delete(id);
  }

  async #act(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
      this.#actionError = null;
    } catch (err) {
      this.#actionError = errorText(err);
    }
  }
}
