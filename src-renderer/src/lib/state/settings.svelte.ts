/**
 * The persisted settings (settings.json on the main side): loaded once, kept in step with
 * `settings.changed` (another window, or the Settings dialog), changed by patches that the main
 * side validates and writes atomically.
 */
import type { ReverieApi, Settings, SettingsPatch } from '../api/types.ts';
import type { LoadStatus } from './system.svelte.ts';
import { errorText } from './system.svelte.ts';

export class SettingsState {
  #settings = $state.raw<Settings | null>(null);
  #status = $state<LoadStatus>('idle');
  #error = $state<string | null>(null);
  #saving = $state(0);

  constructor(private readonly api: ReverieApi) {}

  get settings(): Settings | null {
    return this.#settings;
  }
  get status(): LoadStatus {
    return this.#status;
  }
  /** the last load or save failure, in plain words */
  get error(): string | null {
    return this.#error;
  }
  get saving(): boolean {
    return this.#saving > 0;
  }

  async load(): Promise<Settings | null> {
    this.#status = 'loading';
    try {
      this.#settings = await this.api.settings.get();
      this.#error = null;
      this.#status = 'ready';
    } catch (err) {
      this.#error = errorText(err);
      this.#status = 'error';
    }
    return this.#settings;
  }

  /** Applies a patch; true when the main side accepted and saved it (else `error` says why). */
  async update(patch: SettingsPatch): Promise<boolean> {
    const refused = await this.apply(patch);
    this.#error = refused;
    return refused === null;
  }

  /**
   * Applies a patch and gives the refusal to the caller instead of the dialog's status line (a field
   * that shows its own error, so it is not shown twice): null when saved.
   */
  async apply(patch: SettingsPatch): Promise<string | null> {
    this.#saving++;
    try {
      this.#settings = await this.api.settings.set({ patch });
      return null;
    } catch (err) {
      return errorText(err);
    } finally {
      this.#saving--;
    }
  }

  /** Follows changes made elsewhere; returns the unsubscribe function. */
  connect(): () => void {
    return this.api.on('settings.changed', ({ settings }) => {
      this.#settings = settings;
    });
  }
}
