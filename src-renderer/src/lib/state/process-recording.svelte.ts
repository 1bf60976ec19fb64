/** One recording of the reverse-process viewer, loaded by gallery id (process.recording). */
import type { ProcessRecording } from '../api/types.ts';
import type { Studio } from './studio.svelte.ts';
import { errorText } from './system.svelte.ts';

export class RecordingSlot {
  #id = $state<string | null>(null);
  #recording = $state.raw<ProcessRecording | null>(null);
  #loading = $state(false);
  #error = $state<string | null>(null);

  constructor(private readonly studio: Studio) {}

  get id(): string | null {
    return this.#id;
  }
  get recording(): ProcessRecording | null {
    return this.#recording;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get error(): string | null {
    return this.#error;
  }

  async load(id: string | null): Promise<boolean> {
    this.#id = id;
    this.#error = null;
    if (id === null) {
      this.#recording = null;
      return false;
    }
    this.#loading = true;
    try {
      const recording = await this.studio.api.process.recording({ id });
      if (this.#id !== id) return false; // another one was asked for meanwhile
      this.#recording = recording;
      return true;
    } catch (err) {
      if (this.#id === id) {
        this.#recording = null;
        this.#error = errorText(err);
      }
      return false;
    } finally {
      if (this.#id === id) this.#loading = false;
    }
  }
}
