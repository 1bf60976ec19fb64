/**
 * The model card dialog: which model's card is open, and the card (README.md and its images) as
 * models.card returns it. Cards are kept per model for the session: opening one again is instant.
 */
import type { ModelCard, ModelReport, ReverieApi } from '../api/types.ts';
import { errorText } from './system.svelte.ts';
import type { LoadStatus } from './system.svelte.ts';

export class ModelCardState {
  #model = $state.raw<Pick<ModelReport, 'id' | 'name'> | null>(null);
  #card = $state.raw<ModelCard | null>(null);
  #status = $state<LoadStatus>('idle');
  #error = $state<string | null>(null);
  /** not reactive: read only when a card opens */
  readonly #cache: Record<string, ModelCard> = {};

  constructor(private readonly api: Pick<ReverieApi, 'models'>) {}

  get isOpen(): boolean {
    return this.#model !== null;
  }
  get model(): Pick<ModelReport, 'id' | 'name'> | null {
    return this.#model;
  }
  get card(): ModelCard | null {
    return this.#card;
  }
  get status(): LoadStatus {
    return this.#status;
  }
  get error(): string | null {
    return this.#error;
  }

  async open(model: Pick<ModelReport, 'id' | 'name'>): Promise<void> {
    this.#model = { id: model.id, name: model.name };
    this.#error = null;
    const cached = this.#cache[model.id];
    this.#card = cached ?? null;
    this.#status = cached ? 'ready' : 'loading';
    if (cached) return;
    try {
      const card = await this.api.models.card({ model: model.id });
      this.#cache[model.id] = card;
      if (this.#model?.id !== model.id) return; // closed or another card opened meanwhile
      this.#card = card;
      this.#status = 'ready';
    } catch (err) {
      if (this.#model?.id !== model.id) return;
      this.#error = errorText(err);
      this.#status = 'error';
    }
  }

  close(): void {
    this.#model = null;
  }
}
