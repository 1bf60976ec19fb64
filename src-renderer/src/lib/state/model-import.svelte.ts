/**
 * Models → Import: the form (checkpoint path, name, family, prediction, float16) and one running
 * import followed through its events (progress, done, error), cancellable. When it finishes the
 * model list already holds the new model (the main side rescans first), so "Use it" can pick it.
 */
import type { EventPayload, ReverieApi } from '../api/types.ts';
import { errorText } from './system.svelte.ts';

export type ImportFamily = 'auto' | 'sd1' | 'sd2' | 'sdxl';
export type ImportPrediction = 'auto' | 'epsilon' | 'v_prediction';
export type ImportStatus = 'idle' | 'starting' | 'running' | 'done' | 'error' | 'cancelled';

/** File names the import takes (or refuses with the conversion): checkpoints, not images. */
const CHECKPOINT_NAME = /\.(safetensors|ckpt|pt|pth|bin)$/i;

/** Whether a dropped file is a model checkpoint (to import) rather than an image (to read). */
export function isCheckpointName(name: string): boolean {
  return CHECKPOINT_NAME.test(name);
}

export class ModelImportState {
  file = $state('');
  name = $state('');
  family = $state<ImportFamily>('auto');
  prediction = $state<ImportPrediction>('auto');
  fp16 = $state(false);
  #open = $state(false);
  #status = $state<ImportStatus>('idle');
  #importId = $state<string | null>(null);
  #progress = $state.raw<{ stage: string; done: number; total: number } | null>(null);
  #result = $state.raw<EventPayload<'import.done'> | null>(null);
  #error = $state<string | null>(null);
  /** why a dropped file's path is not filled in (browser mode), or null */
  #dropNote = $state<string | null>(null);
  /** the end of an import that arrived before its id did (a refused file fails before the call returns); not reactive */
  #early: Record<string, () => void> = {};

  constructor(private readonly api: Pick<ReverieApi, 'models' | 'on'>) {}

  get isOpen(): boolean {
    return this.#open;
  }
  get status(): ImportStatus {
    return this.#status;
  }
  get busy(): boolean {
    return this.#status === 'starting' || this.#status === 'running';
  }
  get progress(): { stage: string; done: number; total: number } | null {
    return this.#progress;
  }
  /** 0..1 of the weights written, null before the size is known */
  get fraction(): number | null {
    const p = this.#progress;
    return p && p.total > 0 ? p.done / p.total : null;
  }
  get result(): EventPayload<'import.done'> | null {
    return this.#result;
  }
  get error(): string | null {
    return this.#error;
  }
  get dropNote(): string | null {
    return this.#dropNote;
  }
  /** why Import is disabled, or null */
  get blocked(): string | null {
    // everything else (pickles, other families, damaged files) is explained by the main side
    return this.file.trim() === '' ? 'Give the path of a .safetensors checkpoint' : null;
  }

  open(file?: string): void {
    if (file !== undefined) this.file = file;
    this.#dropNote = null;
    this.#open = true;
  }

  /**
   * A checkpoint dropped on the window: the dialog opens with its path (the desktop app knows it), ready
   * to import; a browser page is never told where a file lies, so there the user types the path.
   */
  openDropped(fileName: string, path: string | null): void {
    if (this.busy) {
      this.#open = true;
      return;
    }
    this.#reset();
    this.open(path ?? '');
    if (path === null) this.#dropNote = `A browser page is not told where "${fileName}" is on disk: type or paste its full path below (the desktop app fills it in).`;
  }

  close(): void {
    this.#open = false;
    this.#dropNote = null;
    if (!this.busy) this.#reset();
  }

  #reset(): void {
    this.#status = 'idle';
    this.#progress = null;
    this.#result = null;
    this.#error = null;
    this.#importId = null;
  }

  async start(): Promise<void> {
    if (this.busy || this.blocked) return;
    this.#reset();
    this.#status = 'starting';
    try {
      const { importId } = await this.api.models.import({
        file: this.file.trim(),
        ...(this.name.trim() ? { name: this.name.trim() } : {}),
        ...(this.family !== 'auto' ? { family: this.family } : {}),
        ...(this.prediction !== 'auto' ? { prediction: this.prediction } : {}),
        ...(this.fp16 ? { fp16: true } : {}),
      });
      this.#importId = importId;
      if (this.#status === 'starting') this.#status = 'running';
      this.#early[importId]?.();
      this.#early = {};
    } catch (err) {
      this.#error = errorText(err);
      this.#status = 'error';
    }
  }

  async cancel(): Promise<void> {
    const id = this.#importId;
    if (id && this.busy) await this.api.models.importCancel({ importId: id });
  }

  /** Subscribes to the import events; returns the unsubscribe function. */
  connect(onDone?: (done: EventPayload<'import.done'>) => void): () => void {
    // while the id is not known yet, keep an import's end to apply once it is
    const mine = (id: string, end?: () => void): boolean => {
      if (id === this.#importId) return true;
      if (end && this.#status === 'starting') this.#early[id] = end;
      return false;
    };
    const offs = [
      this.api.on('import.progress', (p) => {
        if (mine(p.importId)) this.#progress = { stage: p.stage, done: p.done, total: p.total };
      }),
      this.api.on('import.done', (p) => {
        const end = (): void => {
          this.#result = p;
          this.#status = 'done';
          onDone?.(p);
        };
        if (mine(p.importId, end)) end();
      }),
      this.api.on('import.error', (p) => {
        const end = (): void => {
          this.#status = p.cancelled ? 'cancelled' : 'error';
          this.#error = p.cancelled ? null : p.error.message;
        };
        if (mine(p.importId, end)) end();
      }),
    ];
    return () => offs.forEach((off) => off());
  }
}
