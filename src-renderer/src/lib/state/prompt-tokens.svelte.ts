/**
 * The token counters under the prompt boxes, as A1111 shows them: "12 / 75", and for long prompts
 * "80 / 150" with the number of 75-token chunks (reverie-mini's windows are 30 tokens). Counts come
 * from the main side (models.tokens: the model's own tokenizer and chunking); the component asks for
 * them a moment after typing stops. Answers for an older text are dropped.
 */
import type { ModelReport, PromptTokens, ReverieApi } from '../api/types.ts';

export interface PromptTokensSource {
  readonly model: ModelReport | null | undefined;
  readonly prompt: string;
  readonly negativePrompt: string;
}

export interface TokenCounterView {
  /** "12 / 75", "80 / 150" */
  readonly text: string;
  /** "2 chunks", or null for one */
  readonly chunks: string | null;
  /** the end of the text is cut off */
  readonly over: boolean;
  /** the full sentence for screen readers and the tooltip */
  readonly description: string;
}

export function counterView(tokens: number, chunks: number, truncated: boolean, chunkLength: number, maxChunks: number): TokenCounterView {
  const capacity = Math.min(Math.max(1, chunks), maxChunks) * chunkLength;
  const over = truncated || tokens > maxChunks * chunkLength;
  const description = over
    ? `${tokens} tokens: more than the ${maxChunks * chunkLength} this model reads (${maxChunks} × ${chunkLength}); the end is cut off`
    : `${tokens} tokens${chunks > 1 ? `, in ${chunks} chunks of ${chunkLength}` : ` of ${chunkLength} in one chunk`}`;
  return { text: `${tokens} / ${over ? maxChunks * chunkLength : capacity}`, chunks: chunks > 1 ? `${chunks} chunks` : null, over, description };
}

export class PromptTokensState {
  #result = $state.raw<PromptTokens | null>(null);
  #key = '';

  constructor(
    private readonly api: Pick<ReverieApi, 'models'>,
    private readonly source: PromptTokensSource,
  ) {}

  get prompt(): TokenCounterView | null {
    return this.#view(0);
  }
  get negative(): TokenCounterView | null {
    return this.#view(1);
  }

  /** Counts the current texts (call it a moment after typing stops). Errors leave no counter. */
  async refresh(): Promise<void> {
    const model = this.source.model;
    const texts = [this.source.prompt, this.source.negativePrompt];
    const key = JSON.stringify([model?.id ?? null, texts]);
    this.#key = key;
    if (!model?.valid) {
      this.#result = null;
      return;
    }
    try {
      const result = await this.api.models.tokens({ model: model.id, texts });
      if (this.#key === key) this.#result = result;
    } catch {
      if (this.#key === key) this.#result = null;
    }
  }

  #view(k: number): TokenCounterView | null {
    const r = this.#result;
    const c = r?.counts[k];
    return r && c ? counterView(c.tokens, c.chunks, c.truncated, r.chunkLength, r.maxChunks) : null;
  }
}
