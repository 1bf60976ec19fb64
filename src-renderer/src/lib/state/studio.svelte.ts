/**
 * The studio: one instance per window, holding the state classes and the flows that span several
 * of them (generate, reuse parameters, send to an edit tab, delete with undo, reveal, parameters
 * from a dropped PNG). Components get it from context (lib/state/context.ts) and call these
 * methods; each state class stays small and testable on its own.
 */
import { SvelteMap } from 'svelte/reactivity';
import type { GalleryItem, ReverieApi, Settings } from '../api/types.ts';
import { GalleryDeletes } from './gallery-delete.svelte.ts';
import { GalleryState } from './gallery.svelte.ts';
import { GenerateForm } from './generate-form.svelte.ts';
import { InputBoundError } from './input-bound.svelte.ts';
import { EditInputs } from './edit-inputs.svelte.ts';
import { MAX_INPUT_BYTES, blobToBase64 } from './input-image.svelte.ts';
import type { InputImageDeps, InputSource } from './input-image.svelte.ts';
import { JobsState } from './jobs.svelte.ts';
import { ModelCardState } from './model-card.svelte.ts';
import { LorasState } from './loras.svelte.ts';
import { ModelImportState } from './model-import.svelte.ts';
import { PromptHistory } from './prompt-history.svelte.ts';
import { PromptTokensState } from './prompt-tokens.svelte.ts';
import { SettingsState } from './settings.svelte.ts';
import { StylesState } from './styles.svelte.ts';
import { SystemState, errorText } from './system.svelte.ts';
import { ToastState } from './toasts.svelte.ts';
import type { TimerDeps } from './toasts.svelte.ts';
import { UiState } from './ui.svelte.ts';
import type { EditTabId, TabId } from './ui.svelte.ts';

const SOURCE_NAMES = { a1111: 'A1111 format', comfyui: 'ComfyUI workflow', invokeai: 'InvokeAI metadata' } as const;

/** The browser's clipboard, looked up at run time (the class is also unit-tested in Node). */
function clipboardWrite(text: string): Promise<void> {
  const nav = (globalThis as { navigator?: { clipboard?: { writeText(t: string): Promise<void> } } }).navigator;
  if (!nav?.clipboard) return Promise.reject(new Error('no clipboard access here'));
  return nav.clipboard.writeText(text);
}

export interface StudioDeps {
  input?: InputImageDeps;
  timers?: TimerDeps;
  /** copies text to the clipboard (default: navigator.clipboard) */
  copyText?: (text: string) => Promise<void>;
  /** where the Generate form is kept across reloads (default: the window's localStorage; none: not kept) */
  storage?: FormStorage | null;
}

/** The part of the Web Storage API the form needs. */
export interface FormStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** the localStorage key of the Generate form (GenerateForm.snapshot) */
export const FORM_STORAGE_KEY = 'reverie.generate-form';

function windowStorage(): FormStorage | null {
  try {
    return (globalThis as { localStorage?: FormStorage }).localStorage ?? null;
  } catch {
    return null; // storage disabled (privacy settings): the form is simply not kept
  }
}

export class Studio {
  readonly system: SystemState;
  readonly settings: SettingsState;
  readonly form: GenerateForm;
  readonly jobs: JobsState;
  readonly gallery: GalleryState;
  /** delete with Undo, one image or the gallery's multi-selection */
  readonly deletes: GalleryDeletes;
  /** each image tab's own input (Image to image, Inpaint, Denoise, forward process, anomaly map) */
  readonly inputs: EditInputs;
  readonly toasts: ToastState;
  readonly modelCard: ModelCardState;
  readonly modelImport: ModelImportState;
  readonly loras: LorasState;
  readonly promptTokens: PromptTokensState;
  /** the prompts of submitted jobs (↑ in the prompt box) and the saved styles, kept beside the form */
  readonly promptHistory: PromptHistory;
  readonly styles: StylesState;
  readonly ui = new UiState();
  /** why the last Generate did not queue a job; holds while the form is unchanged */
  readonly #generateError = new InputBoundError(() => this.form.inputsKey);
  /** the form's inputs each Generate job was made from (its failure holds while they are unchanged) */
  readonly #jobInputs = new SvelteMap<string, string>();
  readonly #copyText: (text: string) => Promise<void>;
  /** not reactive: read only when the shortcut fires */
  readonly #primary: Partial<Record<TabId, () => unknown>> = {};

  constructor(
    readonly api: ReverieApi,
    deps: StudioDeps = {},
  ) {
    this.system = new SystemState(api);
    this.settings = new SettingsState(api);
    this.form = new GenerateForm(this.system);
    this.gallery = new GalleryState(api);
    this.toasts = new ToastState(deps.timers);
    this.inputs = new EditInputs(this.ui, this.toasts, deps.input);
    this.deletes = new GalleryDeletes(this.gallery, this.ui, this.toasts);
    this.modelCard = new ModelCardState(api);
    this.modelImport = new ModelImportState(api);
    this.loras = new LorasState(api);
    this.promptTokens = new PromptTokensState(api, this.form);
    this.jobs = new JobsState(api, {
      onStarted: (jobId) => this.ui.showJob(jobId),
      onDone: (jobId, items) => this.ui.jobFinished(jobId, items[0].id, items.length),
    });
    this.#copyText = deps.copyText ?? clipboardWrite;
    this.#storage = deps.storage === undefined ? windowStorage() : deps.storage;
    this.promptHistory = new PromptHistory(this.#storage);
    this.styles = new StylesState(this.#storage);
  }

  readonly #storage: FormStorage | null;
  /** set once the stored form was taken back: saving before would overwrite it with the defaults */
  #formRestored = $state(false);
  /** the settings defaults the form started from (kept with it: a default changed later wins on restore) */
  #formDefaults: Settings['defaults'] | null = null;

  /**
   * Brings back the Generate form of the last session, over the settings defaults; a default changed
   * in Settings since then wins for its field (the user asked for it after leaving the form).
   */
  #restoreForm(): void {
    try {
      const text = this.#storage?.getItem(FORM_STORAGE_KEY);
      const kept = text ? (JSON.parse(text) as { form?: unknown; defaults?: Settings['defaults'] }) : null;
      const now = this.settings.settings?.defaults;
      if (kept && this.form.restore(kept.form) && now && kept.defaults) this.form.applyChangedDefaults(kept.defaults, now);
    } catch {
      // a damaged entry: start from the defaults; the next change overwrites it
    }
    this.#formDefaults = this.settings.settings?.defaults ?? null;
    this.#formRestored = true;
  }

  /** Keeps the Generate form on every change (from the first restore on); returns the cleanup. */
  #keepForm(): () => void {
    return $effect.root(() => {
      $effect(() => {
        // the defaults the form was kept under: a default changed later in Settings wins on restore
        const text = JSON.stringify({ form: this.form.snapshot(), defaults: this.#formDefaults });
        if (!this.#formRestored) return;
        try {
          this.#storage?.setItem(FORM_STORAGE_KEY, text);
        } catch {
          // full or disabled storage: nothing to lose but the convenience
        }
      });
    });
  }

  /** why the last Generate did not queue a job, in plain words */
  get generateError(): string | null {
    return this.#generateError.message;
  }

  /**
   * Whether a job's failure still applies: always for jobs from other tabs, for Generate's own
   * while the form still holds the inputs the job was made from.
   */
  failureApplies(jobId: string): boolean {
    const inputs = this.#jobInputs.get(jobId);
    return inputs === undefined || inputs === this.form.inputsKey;
  }
  get lastDeleted(): readonly GalleryItem[] {
    return this.deletes.last;
  }

  /** Loads everything the first screen needs. */
  async start(): Promise<void> {
    const settings = this.settings.load().then((s) => {
      if (s) {
        this.form.applyDefaults(s.defaults);
        this.form.preferModel(s.lastModel);
      }
      this.#restoreForm();
    });
    const gallery = this.gallery.load().then(() => {
      const newest = this.gallery.items[0];
      if (newest && this.ui.canvas.kind === 'empty') this.ui.showImage(newest.id);
    });
    await Promise.all([this.system.load(), settings, gallery, this.jobs.load()]);
    // after a reload the canvas follows a job still running
    const running = this.jobs.running;
    if (running && this.ui.canvas.kind !== 'job') this.ui.showJob(running.id);
    // a PNG the app was started with ("Open in Reverie"), once the form can take its parameters
    await this.openPendingFiles();
  }

  /** Subscribes every state class to its events; returns the cleanup. */
  connect(): () => void {
    const offs = [
      this.#keepForm(),
      this.settings.connect(),
      this.jobs.connect(),
      this.gallery.connect(),
      // the new model is in the list already (the main side rescans before import.done): pick it
      this.modelImport.connect((done) => void this.system.loadModels().then(() => { this.form.modelId = done.model; })),
      this.api.on('app.fileOpened', () => void this.openPendingFiles()),
      this.api.on('engine.crashed', ({ error, restarted }) =>
        this.toasts.show({ kind: 'error', message: error.message, details: restarted ? [] : ['The engine was not restarted.'] }),
      ),
    ];
    return () => offs.forEach((off) => off());
  }

  async generate(): Promise<boolean> {
    const provider = this.settings.settings?.provider ?? 'auto';
    const request = this.form.toRequest(provider);
    if (!request) {
      this.#generateError.set(this.form.problems.join(' ') || 'The form is not ready yet.');
      return false;
    }
    this.#generateError.set(null);
    const inputs = this.form.inputsKey;
    const prompts = { prompt: this.form.prompt, negativePrompt: this.form.negativePrompt };
    const job = await this.jobs.submit(request);
    if (!job) {
      this.#generateError.set(this.jobs.submitError ?? 'The job was not accepted.');
      return false;
    }
    this.#jobInputs.set(job.id, inputs);
    this.promptHistory.record(prompts);
    while (this.#jobInputs.size > 100) this.#jobInputs.delete(this.#jobInputs.keys().next().value as string);
    if (!this.jobs.running) {
      this.ui.showJob(job.id);
      // a job quick enough to finish before its submit answered: its images, not its last preview
      const done = this.jobs.live(job.id);
      if (done?.finished && done.items.length > 0) this.ui.jobFinished(job.id, done.items[0].id, done.items.length);
    }
    const model = this.form.modelId;
    if (model !== null && model !== this.settings.settings?.lastModel) void this.settings.update({ lastModel: model });
    return true;
  }

  /**
   * What Ctrl+Enter does on a tab (Generate: queue a txt2img job). Edit tabs register their own
   * submit here; returns the unregister function.
   */
  registerPrimaryAction(tab: TabId, run: () => unknown): () => void {
    this.#primary[tab] = run;
    return () => {
      if (this.#primary[tab] === run) delete this.#primary[tab];
    };
  }

  /** Ctrl+Enter: the current tab's main action; false when the tab has none. */
  runPrimaryAction(): boolean {
    const run = this.#primary[this.ui.tab];
    if (!run) return false;
    void run();
    return true;
  }

  async cancel(): Promise<boolean> {
    return this.jobs.cancelRunning();
  }

  /** "Reuse parameters": the item's settings and seed into the Generate form. */
  reuse(item: GalleryItem): void {
    const notes = this.form.applyItem(item);
    this.#generateError.set(null);
    this.ui.tab = 'generate';
    this.toasts.show({ kind: 'success', message: `Parameters of ${item.fileName} are in the form (seed ${item.seed}).`, details: notes });
  }

  /** "Send to …": the item becomes the input image of that edit tab only. */
  sendTo(item: GalleryItem, tab: EditTabId): Promise<void> {
    return this.inputs.send(item, tab);
  }

  /** Deletes to the trash, with Undo. */
  deleteItem(item: GalleryItem): Promise<void> {
    return this.deletes.delete([item]);
  }

  /** Brings back what the last delete took, one image or several (Undo, Ctrl+Z). */
  undoDelete(): Promise<boolean> {
    return this.deletes.undo();
  }

  /** Shows the file in the file manager (Electron) or its path with a Copy button (browser mode). */
  async reveal(item: GalleryItem): Promise<void> {
    const result = await this.gallery.reveal(item.id);
    if (!result) {
      this.toasts.show({ kind: 'error', message: this.gallery.error ?? `Could not find ${item.fileName}.` });
    } else if (result.revealed) {
      this.toasts.show({ kind: 'success', message: `Showing ${item.fileName} in the file manager.` });
    } else {
      this.toasts.show({ kind: 'info', message: `Saved at ${result.path}`, action: { label: 'Copy path', run: () => this.copy(result.path) }, timeoutMs: 15_000 });
    }
  }

  async copy(text: string): Promise<void> {
    try {
      await this.#copyText(text);
      this.toasts.show({ kind: 'success', message: 'Copied to the clipboard.', timeoutMs: 2500 });
    } catch (err) {
      this.toasts.show({ kind: 'error', message: `Could not copy (${errorText(err)}); select the text and copy it by hand.` });
    }
  }

  /**
   * An image dropped, pasted or picked: on a tab with an input image (an edit tab, Process → forward
   * process or anomaly map) it becomes that tab's input; elsewhere its generation parameters go into
   * the Generate form.
   */
  async takeImage(file: Blob, name: string, source: InputSource): Promise<void> {
    if (!(await this.inputs.take(file, name, source))) await this.readParameters(file, name);
  }

  /**
   * PNGs the operating system opened with the app ("Open in Reverie", Electron only): each is
   * taken like a dropped file — parameters into the form, or the input image on an edit tab.
   */
  async openPendingFiles(): Promise<void> {
    let opened;
    try {
      opened = await this.api.app.openedFiles();
    } catch (err) {
      this.toasts.show({ kind: 'error', message: `Could not take the opened images: ${errorText(err)}` });
      return;
    }
    for (const problem of opened.problems) this.toasts.show({ kind: 'error', message: problem });
    for (const file of opened.files) {
      const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
      await this.takeImage(new Blob([bytes], { type: 'image/png' }), file.name, 'file');
    }
  }

  /** Reads the parameters of any PNG (ours, A1111, ComfyUI, InvokeAI) into the Generate form. */
  async readParameters(file: Blob, name: string): Promise<boolean> {
    if (file.size > MAX_INPUT_BYTES) {
      this.toasts.show({ kind: 'error', message: `"${name}" is ${(file.size / 1048576).toFixed(1)} MiB; images up to ${MAX_INPUT_BYTES / 1048576} MiB can be read.` });
      return false;
    }
    try {
      const result = await this.api.images.readParameters({ data: await blobToBase64(file), name });
      if (!result.parameters) {
        const useAsInput = { label: 'Use as input image', run: () => this.useAsInput(file, name) };
        this.toasts.show({ kind: 'info', message: result.notes[0] ?? `"${name}" has no generation parameters.`, details: result.notes.slice(1), action: useAsInput });
        return false;
      }
      const notes = [...result.notes, ...this.form.applyParameters(result.parameters)];
      this.#generateError.set(null);
      this.ui.tab = 'generate';
      this.toasts.show({ kind: 'success', message: `Read the parameters of "${name}" (${SOURCE_NAMES[result.parameters.source]}).`, details: notes });
      return true;
    } catch (err) {
      this.toasts.show({ kind: 'error', message: `Could not read "${name}": ${errorText(err)}` });
      return false;
    }
  }

  useAsInput(file: Blob, name: string, tab: EditTabId = 'img2img'): Promise<void> {
    return this.inputs.use(file, name, tab);
  }
}
