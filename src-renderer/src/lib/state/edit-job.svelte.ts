/**
 * One edit tab's job: what it submitted, what the queue says about it (stage, step, preview, its
 * images) and what it reported besides its images (job.output). The queue itself is the studio's
 * JobsState; this only follows the job this tab started.
 */
import type { GalleryItem, JobOutput, JobRequestInput, JobSummary } from '../api/types.ts';
import type { JobLive } from './jobs.svelte.ts';
import type { Studio } from './studio.svelte.ts';

export class EditJob {
  #jobId = $state<string | null>(null);
  #error = $state<string | null>(null);
  #submitting = $state(false);

  readonly job = $derived.by((): JobSummary | null => this.studio.jobs.job(this.#jobId));
  readonly live = $derived.by((): JobLive | null => this.studio.jobs.live(this.#jobId));
  readonly output = $derived.by((): JobOutput | null => (this.#jobId === null ? null : this.outputs(this.#jobId)));
  /** the first image the job saved */
  readonly result = $derived.by((): GalleryItem | null => {
    const items = this.live?.items ?? [];
    if (items.length > 0) return items[0];
    const id = this.job?.images[0];
    return id === undefined ? null : this.studio.gallery.item(id);
  });

  constructor(
    private readonly studio: Studio,
    private readonly outputs: (jobId: string) => JobOutput | null,
  ) {}

  get jobId(): string | null {
    return this.#jobId;
  }
  get submitting(): boolean {
    return this.#submitting;
  }
  /** queued or running */
  get active(): boolean {
    const status = this.job?.status;
    return status === 'queued' || status === 'running';
  }
  /** why the job could not run or failed, in plain words (a cancel is not an error) */
  get error(): string | null {
    if (this.#error) return this.#error;
    const live = this.live;
    return live?.error && !live.cancelled ? live.error.message : null;
  }
  get cancelled(): boolean {
    return this.live?.cancelled === true || this.job?.status === 'cancelled';
  }

  /** A problem found before submitting (missing image, no model, ...). */
  fail(message: string): void {
    this.#error = message;
  }

  async submit(request: JobRequestInput): Promise<boolean> {
    this.#submitting = true;
    this.#error = null;
    try {
      const job = await this.studio.jobs.submit(request);
      if (!job) {
        this.#error = this.studio.jobs.submitError ?? 'The job was not accepted.';
        return false;
      }
      this.#jobId = job.id;
      return true;
    } finally {
      this.#submitting = false;
    }
  }

  /** Runs `prepare` (uploads, ...) and submits what it returns; its errors become this job's error. */
  async run(prepare: () => Promise<JobRequestInput>): Promise<boolean> {
    this.#submitting = true;
    this.#error = null;
    let request: JobRequestInput;
    try {
      request = await prepare();
    } catch (err) {
      this.#error = err instanceof Error ? err.message : String(err);
      this.#submitting = false;
      return false;
    }
    return this.submit(request);
  }

  async cancel(): Promise<void> {
    if (this.#jobId !== null && this.active) await this.studio.jobs.cancel(this.#jobId);
  }
}
