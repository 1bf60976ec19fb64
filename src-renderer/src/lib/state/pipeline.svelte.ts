/**
 * The Pipeline view (Process tab): one generation with every stage kept (process.pipeline), from the
 * Generate tab's parameters or a recorded text-to-image result run again with its own parameters and
 * seed; which stage is open and which step is shown. Nothing is captured unless this view asks.
 */
import type { CallRequest, GalleryItem, ProcessPipeline } from '../api/types.ts';
import type { PipelineStageId } from './pipeline-stages.ts';
import { CancellableCall } from './cancellable-call.svelte.ts';
import { FROM_GENERATE, oneRunParams } from './one-run.ts';
import type { RunSource } from './one-run.ts';
import type { Studio } from './studio.svelte.ts';

const MAX_STEPS = 150;

type PipelineRequest = CallRequest<'process.pipeline'>;

export class PipelineState {
  #source = $state<RunSource>(FROM_GENERATE);
  #stage = $state<PipelineStageId>('tokens');
  #step = $state(0);
  #result = $state.raw<ProcessPipeline | null>(null);
  readonly #call: CancellableCall;

  /** text-to-image results whose parameters can be run again */
  readonly sources = $derived.by((): GalleryItem[] => this.studio.gallery.items.filter((i) => i.request.kind === 'txt2img'));

  constructor(private readonly studio: Studio) {
    this.#call = new CancellableCall(studio.api, 'pipeline');
  }

  get source(): RunSource {
    return this.#source;
  }
  set source(v: RunSource) {
    this.#source = v;
  }
  get stage(): PipelineStageId {
    return this.#stage;
  }
  set stage(v: PipelineStageId) {
    this.#stage = v;
  }
  /** index into the shown steps */
  get step(): number {
    return this.#step;
  }
  set step(v: number) {
    const last = Math.max(0, (this.#result?.latents.steps.length ?? 1) - 1);
    this.#step = Math.min(last, Math.max(0, Math.round(Number.isFinite(v) ? v : 0)));
  }
  get result(): ProcessPipeline | null {
    return this.#result;
  }
  get running(): boolean {
    return this.#call.running;
  }
  get error(): string | null {
    return this.#call.error;
  }

  /** The request for the chosen source, or a sentence saying what is missing. */
  #build(): PipelineRequest | string {
    return oneRunParams(this.studio, this.#source, this.sources, 'pipeline view', MAX_STEPS) as PipelineRequest | string;
  }

  /** Runs the generation with every stage kept; a newer run replaces an older one. */
  async run(): Promise<void> {
    const built = this.#build();
    if (typeof built === 'string') {
      this.#call.error = built;
      return;
    }
    await this.#call.run(
      (requestId) => this.studio.api.process.pipeline({ ...built, requestId }),
      (result) => {
        this.#result = result;
        this.#step = result.latents.steps.length - 1;
      },
    );
  }

  cancel(): Promise<void> {
    return this.#call.cancel();
  }
}
