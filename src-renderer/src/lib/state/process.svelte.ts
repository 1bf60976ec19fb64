/**
 * The reverse-process viewer: a saved result's recording (every step's σ, timestep and previews of
 * x_t, x̂₀ and ε̂), the step shown and what is shown of it, playing, full-quality decodes on demand,
 * exports, and a second recording beside it — the ODE vs SDE comparison from one seed.
 */
import { SvelteMap } from 'svelte/reactivity';
import type { GalleryItem, JobSummary, RecordedStepView, StepKind } from '../api/types.ts';
import { logSnrOf } from '../canvas/plot.ts';
import type { SdeNoise } from './generate-form.svelte.ts';
import { RecordingSlot } from './process-recording.svelte.ts';
import type { Studio } from './studio.svelte.ts';
import { errorText } from './system.svelte.ts';

export type ExportFormat = 'webp' | 'gif' | 'contact';
/** the Process tab's views */
export type ProcessView = 'pipeline' | 'reverse' | 'compare' | 'prompts' | 'sweep' | 'attention' | 'forward' | 'anomaly';

export const PROCESS_VIEWS: readonly { id: ProcessView; label: string }[] = [
  { id: 'reverse', label: 'Reverse process' },
  { id: 'pipeline', label: 'Pipeline' },
  { id: 'compare', label: 'ODE vs SDE' },
  { id: 'prompts', label: 'Two prompts' },
  { id: 'sweep', label: 'Sweeps' },
  { id: 'attention', label: 'Attention' },
  { id: 'forward', label: 'Forward process' },
  { id: 'anomaly', label: 'Anomaly map' },
];

export const STEP_KINDS: readonly { id: StepKind; label: string; caption: string }[] = [
  { id: 'x', label: 'Noisy image x_t', caption: 'x_t is the image as the model sees it at this step: the picture so far, still buried in noise.' },
  { id: 'denoised', label: 'Predicted image x̂₀', caption: "x̂₀ is the model's current guess of the finished image, made from x_t in one jump." },
  { id: 'noise', label: 'Predicted noise ε̂', caption: 'ε̂ = (x_t − x̂₀)/σ is the noise the model thinks is in x_t; each step removes part of it.' },
];

export interface StepFacts {
  step: RecordedStepView;
  /** 1-based, for people */
  number: number;
  count: number;
  logSnr: number;
  /** ᾱ = 1/(1 + σ²): how much of the signal is left */
  alphaBar: number;
}

/** Wheel of a step slider: playback advances by this many steps a second. */
export const FPS_CHOICES = [2, 4, 8, 12] as const;

export class ProcessState {
  readonly main: RecordingSlot;
  /** the ODE vs SDE partner, shown beside the main one at the same step */
  readonly other: RecordingSlot;
  #view = $state<ProcessView>('reverse');
  #step = $state(0);
  #kind = $state<StepKind>('denoised');
  #playing = $state(false);
  #fps = $state<number>(4);
  #decoding = $state(false);
  #decodeError = $state<string | null>(null);
  #exporting = $state<ExportFormat | null>(null);
  #exportError = $state<string | null>(null);
  /** the running export's frames made of all ('joining': the file is being written), null before the first report */
  #exportProgress = $state.raw<{ stage: 'frames' | 'joining'; done: number; total: number } | null>(null);
  /** the running export's requestId (process.cancel stops it) */
  #exportRequest: string | null = null;
  /** full-quality decodes by `${id}:${step}:${kind}` */
  readonly #decoded = new SvelteMap<string, string>();
  #comparisonJobs = $state.raw<readonly string[]>([]);
  #compareError = $state<string | null>(null);

  /** results that can be opened (their process was recorded), newest first */
  readonly recorded = $derived.by(() => this.studio.gallery.items.filter((i) => i.recording === true));
  readonly count = $derived.by(() => this.main.recording?.steps.length ?? 0);
  readonly current = $derived.by((): StepFacts | null => {
    const rec = this.main.recording;
    const step = rec?.steps[Math.min(this.#step, rec.steps.length - 1)];
    if (!rec || !step) return null;
    return { step, number: Math.min(this.#step, rec.steps.length - 1) + 1, count: rec.steps.length, logSnr: logSnrOf(step.sigma), alphaBar: 1 / (1 + step.sigma * step.sigma) };
  });
  /** the full-quality decode of the step shown, when one was made */
  readonly decoded = $derived.by((): string | null => {
    const id = this.main.id;
    return id === null || this.#kind === 'noise' ? null : (this.#decoded.get(`${id}:${this.#step}:${this.#kind}`) ?? null);
  });
  /** the comparison's two jobs, while they run */
  readonly comparison = $derived.by((): JobSummary[] => this.#comparisonJobs.map((id) => this.studio.jobs.job(id)).filter((j): j is JobSummary => j !== null));

  constructor(private readonly studio: Studio) {
    this.main = new RecordingSlot(studio);
    this.other = new RecordingSlot(studio);
  }

  get view(): ProcessView {
    return this.#view;
  }
  set view(v: ProcessView) {
    this.#view = v;
  }
  get step(): number {
    return this.#step;
  }
  set step(v: number) {
    const last = Math.max(0, this.count - 1);
    this.#step = Math.min(last, Math.max(0, Math.round(Number.isFinite(v) ? v : 0)));
  }
  get kind(): StepKind {
    return this.#kind;
  }
  set kind(v: StepKind) {
    this.#kind = v;
  }
  get playing(): boolean {
    return this.#playing;
  }
  get fps(): number {
    return this.#fps;
  }
  set fps(v: number) {
    this.#fps = Math.min(30, Math.max(1, Math.round(v)));
  }
  get decoding(): boolean {
    return this.#decoding;
  }
  get decodeError(): string | null {
    return this.#decodeError;
  }
  get exporting(): ExportFormat | null {
    return this.#exporting;
  }
  get exportProgress(): { stage: 'frames' | 'joining'; done: number; total: number } | null {
    return this.#exportProgress;
  }
  get exportError(): string | null {
    return this.#exportError;
  }
  get compareError(): string | null {
    return this.#compareError;
  }

  /** Opens a result; starts at its first step (the second recording is closed). */
  async open(id: string): Promise<boolean> {
    this.#playing = false;
    this.#step = 0;
    void this.other.load(null);
    return this.main.load(id);
  }

  play(): void {
    if (this.count === 0) return;
    if (this.#step >= this.count - 1) this.#step = 0;
    this.#playing = true;
  }
  pause(): void {
    this.#playing = false;
  }
  toggle(): void {
    if (this.#playing) this.pause();
    else this.play();
  }
  /** One tick of playback: the next step; stops at the last. */
  advance(): void {
    if (this.#step >= this.count - 1) {
      this.#playing = false;
      return;
    }
    this.#step++;
  }

  /** Full VAE decode of the step shown (x_t or x̂₀). */
  async decode(): Promise<void> {
    const id = this.main.id;
    const kind = this.#kind;
    const step = this.#step;
    if (id === null || kind === 'noise') return;
    this.#decoding = true;
    this.#decodeError = null;
    try {
      const { url } = await this.studio.api.process.decodeStep({ id, step, kind });
      this.#decoded.set(`${id}:${step}:${kind}`, url);
    } catch (err) {
      this.#decodeError = errorText(err);
    } finally {
      this.#decoding = false;
    }
  }

  /** Makes an export in the engine and hands it to `save` (the window downloads it). */
  async export(format: ExportFormat, quality: 'preview' | 'full', save: (data: string, mime: string, fileName: string) => void): Promise<boolean> {
    const id = this.main.id;
    if (id === null) return false;
    this.#exporting = format;
    this.#exportError = null;
    const requestId = `export-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
    this.#exportRequest = requestId;
    this.#exportProgress = null;
    const off = this.studio.api.on('process.exportProgress', (p) => {
      if (p.requestId === requestId) this.#exportProgress = { stage: p.stage, done: p.done, total: p.total };
    });
    try {
      const file = await this.studio.api.process.export({ id, format, kind: this.#kind, quality, requestId });
      save(file.data, file.mime, file.fileName);
      return true;
    } catch (err) {
      // a cancel the user asked for is not an error
      if ((err as { code?: string } | null)?.code !== 'CANCELLED') this.#exportError = errorText(err);
      return false;
    } finally {
      off();
      this.#exporting = null;
      this.#exportRequest = null;
      this.#exportProgress = null;
    }
  }

  /** Stops the export being made (a full-quality export decodes every step: minutes on a large model). */
  async cancelExport(): Promise<void> {
    const requestId = this.#exportRequest;
    if (requestId === null) return;
    try {
      await this.studio.api.process.cancel({ requestId });
    } catch (err) {
      this.#exportError = errorText(err);
    }
  }

  /**
   * ODE vs SDE: queues the Generate form's prompt with a deterministic and a stochastic sampler from
   * one seed; `settleComparison` opens both when they are done. `sdeNoise` is for an SDE sampler that
   * takes it (DPM++ SDE, 2M SDE, 3M SDE); the engine ignores it for the others.
   */
  async compare(ode = 'euler', sde = 'euler_ancestral', sdeNoise: SdeNoise = 'gaussian'): Promise<boolean> {
    const form = this.studio.form;
    const model = form.model;
    this.#compareError = null;
    if (!model) {
      this.#compareError = 'No model is ready: add a model folder in Settings.';
      return false;
    }
    const sizeConditioning = form.sizeConditioning();
    try {
      const { jobs } = await this.studio.api.process.trajectories({
        model: model.id,
        prompt: form.prompt,
        negativePrompt: form.negativePrompt,
        cfgScale: form.cfgScale,
        steps: form.steps,
        schedule: form.schedule,
        seed: form.seedParse.ok ? form.seedParse.seed : -1,
        width: form.width,
        height: form.height,
        provider: this.studio.settings.settings?.provider ?? 'auto',
        ...(sizeConditioning ? { sizeConditioning } : {}),
        ode,
        sde,
        ...(sdeNoise === 'brownian' ? { sdeNoise } : {}),
      });
      this.#comparisonJobs = jobs.map((j) => j.id);
      return true;
    } catch (err) {
      this.#compareError = errorText(err);
      return false;
    }
  }

  /**
   * Two prompts from one seed: the Generate form's settings (sampler, steps, CFG, size, model) with
   * its prompt and `second`, the same starting noise; `settleComparison` opens both side by side.
   */
  async comparePrompts(second: string, random: () => number = Math.random): Promise<boolean> {
    this.#compareError = null;
    const base = this.studio.form.toRequest(this.studio.settings.settings?.provider ?? 'auto');
    if (!base || base.kind !== 'txt2img') {
      this.#compareError = this.studio.form.problems.join(' ') || 'No model is ready: add a model folder in Settings.';
      return false;
    }
    if (second.trim() === '') {
      this.#compareError = 'Write the second prompt: the one to set beside the Generate tab\'s.';
      return false;
    }
    const given = base.params.seed ?? -1;
    const seed = given >= 0 ? given : Math.floor(random() * 4294967295);
    const ids: string[] = [];
    for (const prompt of [base.params.prompt, second]) {
      const job = await this.studio.jobs.submit({ kind: 'txt2img', params: { ...base.params, prompt, seed, batchSize: 1, batchCount: 1 } });
      if (!job) {
        this.#compareError = this.studio.jobs.submitError ?? 'The job was not accepted.';
        return false;
      }
      ids.push(job.id);
    }
    this.#comparisonJobs = ids;
    return true;
  }

  /** both comparison jobs have finished (with images or an error): `settleComparison` may run */
  readonly comparisonSettled = $derived.by(() => {
    const ids = this.#comparisonJobs;
    return ids.length === 2 && ids.every((id) => {
      const live = this.studio.jobs.live(id);
      return live !== null && (live.items.length > 0 || live.error !== null);
    });
  });

  /** Once both comparison jobs have an image, opens them side by side; true when it did. */
  async settleComparison(): Promise<boolean> {
    const items = this.#comparisonJobs.map((id) => this.studio.jobs.live(id)?.items[0] ?? null);
    const failed = this.#comparisonJobs.map((id) => this.studio.jobs.live(id)?.error ?? null).find((e) => e !== null);
    if (failed) {
      this.#compareError = failed.message;
      this.#comparisonJobs = [];
      return false;
    }
    if (items.length !== 2 || items.some((i) => i === null)) return false;
    const [ode, sde] = items as GalleryItem[];
    this.#comparisonJobs = [];
    await this.open(ode.id);
    await this.other.load(sde.id);
    return true;
  }

  /** Opens a second result beside the first (same step shown in both). */
  async openOther(id: string | null): Promise<boolean> {
    return this.other.load(id);
  }
}
