/**
 * One edit tab's job: what it submitted, what the queue says about it (stage, step, preview, its
 * images) and what it reported besides its images (job.output). The queue itself is the studio's
 * JobsState; this only follows the job this tab started.
 */
import type { GalleryItem, JobOutput, JobRequestInput, JobSummary } from '../api/types.ts';
import { InputBoundError } from './input-bound.svelte.ts';
import type { JobLive } from './jobs.svelte.ts';
import type { Studio } from './studio.svelte.ts';

export class EditJob {
  #jobId = $state<string | null>(null);
  /** the tab's inputs when this job was submitted: its failure holds only while they are unchanged */
  #jobInputs = $state<string | null>(null);
  readonly #problem: InputBoundError;
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

  /** `inputs`: everything the tab's job depends on, as one string (its `inputsKey`) */
  constructor(
    private readonly studio: Studio,
    private readonly outputs: (jobId: string) => JobOutput | null,
    private readonly inputs: () => string = () => '',
  ) {
    this.#problem = new InputBoundError(inputs);
  }

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
  /**
   * Why the last run could not start (a missing image, a request the main side refused), in plain
   * words; shown by the run button until the inputs change or a new run starts.
   */
  get problem(): string | null {
    return this.#problem.message;
  }
  /**
   * Why the job failed, the engine's message in plain words (a cancel is not a failure); null once
   * the inputs changed since it was submitted or while a new run is being sent. Shown in the tab's
   * status bar, nowhere else.
   */
  get failure(): string | null {
    const live = this.live;
    if (!live?.error || live.cancelled || this.#submitting || this.#jobInputs !== this.inputs()) return null;
    return live.error.message;
  }
  /** whichever of the two applies now */
  get error(): string | null {
    return this.problem ?? this.failure;
  }
  get cancelled(): boolean {
    return this.live?.cancelled === true || this.job?.status === 'cancelled';
  }

  /** A problem found before submitting (missing image, no model, ...). */
  fail(message: string): void {
    this.#problem.set(message);
  }

  /** `inputs`: the tab's inputs the request was made from (default: now) */
  async submit(request: JobRequestInput, inputs = this.inputs()): Promise<boolean> {
    this.#submitting = true;
    this.#problem.set(null);
    try {
      const image = this.studio.input.image;
      const job = await this.studio.jobs.submit(request, image ? { width: image.width, height: image.height } : null);
      if (!job) {
        this.#problem.set(this.studio.jobs.submitError ?? 'The job was not accepted.');
        return false;
      }
      this.#jobId = job.id;
      this.#jobInputs = inputs;
      return true;
    } finally {
      this.#submitting = false;
    }
  }

  /** Runs `prepare` (uploads, ...) and submits what it returns; its errors become this job's error. */
  async run(prepare: () => Promise<JobRequestInput>): Promise<boolean> {
    this.#submitting = true;
    this.#problem.set(null);
    const inputs = this.inputs();
    let request: JobRequestInput;
    try {
      request = await prepare();
    } catch (err) {
      this.#problem.set(err instanceof Error ? err.message : String(err));
      this.#submitting = false;
      return false;
    }
    return this.submit(request, inputs);
  }

  async cancel(): Promise<void> {
    if (this.#jobId !== null && this.active) await this.studio.jobs.cancel(this.#jobId);
  }
}
