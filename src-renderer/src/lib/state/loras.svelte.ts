/** The LoRA files the studio offers (loras.list: the data folder's loras/), loaded when the LoRA section opens. */
import type { CallResponse, ReverieApi } from '../api/types.ts';
import { errorText } from './system.svelte.ts';
import type { LoadStatus } from './system.svelte.ts';

export class LorasState {
  #list = $state.raw<CallResponse<'loras.list'> | null>(null);
  #status = $state<LoadStatus>('idle');
  #error = $state<string | null>(null);

  constructor(private readonly api: Pick<ReverieApi, 'loras'>) {}

  get names(): string[] {
    return this.#list?.loras.map((l) => l.name) ?? [];
  }
  /** the folder to put LoRA files in */
  get dir(): string | null {
    return this.#list?.dir ?? null;
  }
  get status(): LoadStatus {
    return this.#status;
  }
  get error(): string | null {
    return this.#error;
  }

  async load(): Promise<void> {
    this.#status = 'loading';
    try {
      this.#list = await this.api.loras.list({});
      this.#error = null;
      this.#status = 'ready';
    } catch (err) {
      this.#error = errorText(err);
      this.#status = 'error';
    }
  }
}
