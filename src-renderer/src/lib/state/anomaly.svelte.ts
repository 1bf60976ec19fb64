/**
 * The anomaly map (Process tab): how well the model can rebuild an image from noise, place by place.
 * The image is noised to `strength` and denoised `samples` times; where the reconstructions stay far
 * from the input, the model finds the image unusual (engine/pipelines/anomaly.ts). A result belongs
 * to the image, model and settings it was made with: changing any of them clears it and its error.
 */
import type { ModelReport, ProcessAnomaly } from '../api/types.ts';
import type { Uploads } from './edit.svelte.ts';
import type { InputImage } from './input-image.svelte.ts';
import { CancellableCall } from './cancellable-call.svelte.ts';
import type { Studio } from './studio.svelte.ts';

export type AnomalyLayer = 'overlay' | 'heatmap' | 'reconstruction' | 'input';

export const ANOMALY_LAYERS: readonly { id: AnomalyLayer; label: string }[] = [
  { id: 'overlay', label: 'Map over the image' },
  { id: 'heatmap', label: 'Map alone' },
  { id: 'reconstruction', label: 'Reconstruction' },
  { id: 'input', label: 'Input' },
];

export class AnomalyState {
  #strength = $state(0.3);
  #samples = $state(4);
  #seed = $state(0);
  #layer = $state<AnomalyLayer>('overlay');
  #result = $state.raw<ProcessAnomaly | null>(null);
  /** what the result (or the running call) was made from */
  #key = $state<string | null>(null);
  /** the running call (process.cancel stops it), its error */
  readonly #call: CancellableCall;

  constructor(
    private readonly studio: Studio,
    private readonly uploads: Uploads,
  ) {
    this.#call = new CancellableCall(studio.api, 'anomaly');
  }

  get strength(): number {
    return this.#strength;
  }
  /** 0.05 … 1: how far the image is noised before the model rebuilds it */
  set strength(v: number) {
    this.#strength = Math.min(1, Math.max(0.05, Math.round((Number.isFinite(v) ? v : 0.3) * 100) / 100));
  }
  get samples(): number {
    return this.#samples;
  }
  /** 1 … 16 reconstructions averaged */
  set samples(v: number) {
    this.#samples = Math.min(16, Math.max(1, Math.round(Number.isFinite(v) ? v : 4)));
  }
  get seed(): number {
    return this.#seed;
  }
  set seed(v: number) {
    this.#seed = Math.min(4294967295, Math.max(0, Math.round(Number.isFinite(v) ? v : 0)));
  }
  get layer(): AnomalyLayer {
    return this.#layer;
  }
  set layer(v: AnomalyLayer) {
    this.#layer = v;
  }
  get running(): boolean {
    return this.#call.running;
  }
  get error(): string | null {
    return this.#call.error;
  }

  #keyOf(image: InputImage | null, model: ModelReport | null): string | null {
    return image && model ? JSON.stringify([image.url, model.id, this.#strength, this.#samples, this.#seed]) : null;
  }

  /** The map for this image, model and settings, if it was made (stale ones are not shown). */
  resultFor(image: InputImage | null, model: ModelReport | null): ProcessAnomaly | null {
    const key = this.#keyOf(image, model);
    return key !== null && key === this.#key && !this.#call.running ? this.#result : null;
  }

  /** The error of the last run, while the inputs are still the ones it ran with. */
  errorFor(image: InputImage | null, model: ModelReport | null): string | null {
    return this.#keyOf(image, model) === this.#key ? this.#call.error : null;
  }

  /** Makes the map: uploads the image once, asks the engine, keeps the answer with its key. */
  async run(image: InputImage | null, model: ModelReport | null): Promise<void> {
    const key = this.#keyOf(image, model);
    if (!image || !model || key === null) {
      this.#call.error = !image ? 'Choose an image first.' : 'Choose a model first.';
      this.#key = key;
      return;
    }
    this.#key = key;
    this.#result = null;
    await this.#call.run(
      async (requestId) => {
        const upload = await this.uploads.upload(image.blob, image.name, 'image');
        return this.studio.api.process.anomaly({ model: model.id, image: upload.image, strength: this.#strength, samples: this.#samples, seed: this.#seed, requestId });
      },
      (result) => (this.#result = result),
    );
  }

  /** Stops the map being made (within about a second, even inside a model call). */
  cancel(): Promise<void> {
    return this.#call.cancel();
  }
}
