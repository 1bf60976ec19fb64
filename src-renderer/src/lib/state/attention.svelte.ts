/**
 * The Attention view (Process tab): per-token cross-attention maps of one generation (process.attention;
 * DAAM, Tang et al., 2022, "What the DAAM: Interpreting Stable Diffusion Using Cross Attention"), from
 * the Generate tab's parameters or a recorded text-to-image result run again with its own seed; which
 * token is shown and how strongly its map covers the image. Nothing is captured unless this view asks.
 */
import type { CallRequest, GalleryItem, ProcessAttention } from '../api/types.ts';
import { CancellableCall } from './cancellable-call.svelte.ts';
import { FROM_GENERATE, oneRunParams } from './one-run.ts';
import type { RunSource } from './one-run.ts';
import type { Studio } from './studio.svelte.ts';

const MAX_STEPS = 150;

type AttentionRequest = CallRequest<'process.attention'>;

export class AttentionState {
  #source = $state<RunSource>(FROM_GENERATE);
  #token = $state(0);
  #opacity = $state(0.6);
  #result = $state.raw<ProcessAttention | null>(null);
  readonly #call: CancellableCall;

  /** text-to-image results whose parameters can be run again */
  readonly sources = $derived.by((): GalleryItem[] => this.studio.gallery.items.filter((i) => i.request.kind === 'txt2img'));

  constructor(private readonly studio: Studio) {
    this.#call = new CancellableCall(studio.api, 'attention');
  }

  get source(): RunSource {
    return this.#source;
  }
  set source(v: RunSource) {
    this.#source = v;
  }
  get result(): ProcessAttention | null {
    return this.#result;
  }
  /** the prompt tokens with maps (none when the model does not expose attention) */
  get tokens(): Extract<ProcessAttention, { supported: true }>['tokens'] {
    const r = this.#result;
    return r?.supported ? r.tokens : [];
  }
  /** index into `tokens` of the token shown */
  get token(): number {
    return this.#token;
  }
  set token(v: number) {
    const last = Math.max(0, this.tokens.length - 1);
    this.#token = Math.min(last, Math.max(0, Math.round(Number.isFinite(v) ? v : 0)));
  }
  /** the heatmap's opacity over the image, 0 … 1 */
  get opacity(): number {
    return this.#opacity;
  }
  set opacity(v: number) {
    this.#opacity = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0.6));
  }
  get running(): boolean {
    return this.#call.running;
  }
  get error(): string | null {
    return this.#call.error;
  }

  /** Runs one generation capturing cross-attention; a newer run replaces an older one. */
  async run(): Promise<void> {
    const built = oneRunParams(this.studio, this.#source, this.sources, 'attention view', MAX_STEPS);
    if (typeof built === 'string') {
      this.#call.error = built;
      return;
    }
    const request = built as AttentionRequest;
    await this.#call.run(
      (requestId) => this.studio.api.process.attention({ ...request, requestId }),
      (result) => {
        this.#result = result;
        // the first word rather than a stop word like "a" when there is one
        const words = result.supported ? result.tokens.findIndex((t) => t.text.length > 1) : -1;
        this.#token = Math.max(0, words);
      },
    );
  }

  cancel(): Promise<void> {
    return this.#call.cancel();
  }
}
