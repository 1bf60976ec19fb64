/**
 * Sweeps from one seed (Process tab): the Generate form's prompt queued once per CFG scale or per step
 * count, everything else the same, so a grid shows what that one number does. Each cell follows its
 * job live (preview, then the result) and opens in the reverse-process viewer. The seed is fixed for
 * the whole sweep (a random one when the form says −1), or the cells would differ by more than the
 * number being swept.
 */
import type { JobSummary } from '../api/types.ts';
import type { Studio } from './studio.svelte.ts';
import { errorText } from './system.svelte.ts';

export type SweepKind = 'cfg' | 'steps';

export const SWEEPS: Readonly<Record<SweepKind, { label: string; values: readonly number[]; unit: (v: number) => string }>> = {
  cfg: { label: 'Guidance (CFG scale)', values: [1, 3, 5, 7, 9, 12], unit: (v) => `CFG ${v}` },
  steps: { label: 'Steps', values: [4, 8, 12, 20, 30, 50], unit: (v) => `${v} steps` },
};

export interface SweepCell {
  value: number;
  label: string;
  jobId: string | null;
}

export class SweepState {
  #kind = $state<SweepKind>('cfg');
  #cells = $state.raw<readonly SweepCell[]>([]);
  #seed = $state<number | null>(null);
  #sweptKind = $state<SweepKind | null>(null);
  #error = $state<string | null>(null);
  #starting = $state(false);

  constructor(
    private readonly studio: Studio,
    private readonly random: () => number = Math.random,
  ) {}

  get kind(): SweepKind {
    return this.#kind;
  }
  set kind(v: SweepKind) {
    this.#kind = v;
  }
  /** the cells of the last sweep, in value order */
  get cells(): readonly SweepCell[] {
    return this.#cells;
  }
  /** what the last sweep varied */
  get sweptKind(): SweepKind | null {
    return this.#sweptKind;
  }
  get seed(): number | null {
    return this.#seed;
  }
  get error(): string | null {
    return this.#error;
  }
  get starting(): boolean {
    return this.#starting;
  }
  /** a cell's job, while it is known to the queue */
  job(cell: SweepCell): JobSummary | null {
    return this.studio.jobs.job(cell.jobId);
  }

  /** Queues one job per value of the chosen sweep; false (with `error`) when the form is not ready or a submit failed. */
  async start(): Promise<boolean> {
    const provider = this.studio.settings.settings?.provider ?? 'auto';
    const base = this.studio.form.toRequest(provider);
    this.#error = null;
    if (!base || base.kind !== 'txt2img') {
      this.#error = this.studio.form.problems.join(' ') || 'The Generate form is not ready yet: choose a model and write a prompt.';
      return false;
    }
    const kind = this.#kind;
    const given = base.params.seed ?? -1;
    const seed = given >= 0 ? given : Math.floor(this.random() * 4294967295);
    const sweep = SWEEPS[kind];
    this.#starting = true;
    this.#seed = seed;
    this.#sweptKind = kind;
    this.#cells = sweep.values.map((value) => ({ value, label: sweep.unit(value), jobId: null }));
    try {
      const cells: SweepCell[] = [];
      for (const value of sweep.values) {
        const params = { ...base.params, seed, batchSize: 1, batchCount: 1, ...(kind === 'cfg' ? { cfgScale: value } : { steps: value }) };
        const job = await this.studio.jobs.submit({ kind: 'txt2img', params });
        if (!job) throw new Error(this.studio.jobs.submitError ?? 'The job was not accepted.');
        cells.push({ value, label: sweep.unit(value), jobId: job.id });
        this.#cells = [...cells, ...this.#cells.slice(cells.length)];
      }
      return true;
    } catch (err) {
      this.#error = errorText(err);
      return false;
    } finally {
      this.#starting = false;
    }
  }

  /** Cancels the sweep's jobs that have not finished. */
  async cancel(): Promise<void> {
    for (const cell of this.#cells) {
      const job = this.job(cell);
      if (job && (job.status === 'queued' || job.status === 'running')) await this.studio.jobs.cancel(job.id);
    }
  }
}
