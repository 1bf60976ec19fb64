/**
 * One edit tab's job: what it submitted, what the queue says about it (stage, step, preview, its
 * images) and what it reported besides its images (job.output). The queue itself is the studio's
 * JobsState; this only follows the job this tab started, and only while the tab's input image is
 * the one the job ran on: a new input clears the old result, report and status (a job still
 * running stays in view until it ends, so it can be followed or cancelled).
 */
import type { GalleryItem, JobOutput, JobRequestInput, JobSummary } from '../api/types.ts';
import { InputBoundError } from './input-bound.svelte.ts';
import type { InputImage } from './input-image.svelte.ts';
import type { JobLive } from './jobs.svelte.ts';
import type { Studio } from './studio.svelte.ts';

export class EditJob {
  #jobId = $state<string | null>(null);
  /** the tab's inputs when this job was submitted: its failure holds only while they are unchanged */
  #jobInputs = $state<string | null>(null);
  readonly #problem: InputBoundError;
  #submitting = $state(false);
  /** the URL of the input image the job ran on */
  #jobImage = $state<string | null>(null);

  readonly #summary = $derived.by((): JobSummary | null => this.studio.jobs.job(this.#jobId));
  readonly #running = $derived(this.#summary?.status === 'queued' || this.#summary?.status === 'running');
  /** the job belongs beside the input shown now: it ran on it, or it has not ended yet */
  readonly #current = $derived.by(() => this.#jobId !== null && (this.#running || this.#jobImage === (this.image()?.url ?? null)));
  readonly job = $derived.by((): JobSummary | null => (this.#current ? this.#summary : null));
  readonly live = $derived.by((): JobLive | null => (this.#current ? this.studio.jobs.live(this.#jobId) : null));
  readonly output = $derived.by((): JobOutput | null => (this.#current && this.#jobId !== null ? this.outputs(this.#jobId) : null));
  /** the first image the job saved */
  readonly result = $derived.by((): GalleryItem | null => {
    const items = this.live?.items ?? [];
    if (items.length > 0) return items[0];
    const id = this.job?.images[0];
    return id === undefined ? null : this.studio.gallery.item(id);
  });

  /**
   * `inputs`: everything the tab's job depends on, as one string (its `inputsKey`); `image`: the tab's
   * input image (its size goes with the request; a new one clears the old job's outcome)
   */
  constructor(
    private readonly studio: Studio,
    private readonly outputs: (jobId: string) => JobOutput | null,
    private readonly inputs: () => string = () => '',
    private readonly image: () => InputImage | null = () => null,
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

  /** `inputs`, `image`: the tab's inputs and input image the request was made from (default: now) */
  async submit(request: JobRequestInput, inputs = this.inputs(), image = this.image()): Promise<boolean> {
    this.#submitting = true;
    this.#problem.set(null);
    try {
      const job = await this.studio.jobs.submit(request, image ? { width: image.width, height: image.height } : null);
      if (!job) {
        this.#problem.set(this.studio.jobs.submitError ?? 'The job was not accepted.');
        return false;
      }
      this.#jobId = job.id;
      this.#jobInputs = inputs;
      this.#jobImage = image?.url ?? null;
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
    const image = this.image();
    let request: JobRequestInput;
    try {
      request = await prepare();
    } catch (err) {
      this.#problem.set(err instanceof Error ? err.message : String(err));
      this.#submitting = false;
      return false;
    }
    return this.submit(request, inputs, image);
  }

  async cancel(): Promise<void> {
    if (this.#jobId !== null && this.active) await this.studio.jobs.cancel(this.#jobId);
  }
}
