/**
 * The forward viewer: one image dissolving into noise as the timestep t grows. A strip of cheap
 * preview frames (the linear latent→RGB map) over the whole range is fetched at once, so the slider
 * is smooth; when the slider rests, the exact t is decoded by the VAE at full quality. The model's
 * schedule curves come with it for the plot.
 */
import { SvelteMap } from 'svelte/reactivity';
import type { ForwardFrame, ImageRef, ModelReport, ProcessCurves } from '../api/types.ts';
import { nearestIndex } from '../canvas/plot.ts';
import type { Uploads } from './edit.svelte.ts';
import type { InputImage } from './input-image.svelte.ts';
import type { Studio } from './studio.svelte.ts';
import { errorText } from './system.svelte.ts';

/** preview frames fetched per image (t = 0 … T−1 evenly) */
export const FRAME_COUNT = 41;
/** the slider rests this long before the full-quality decode */
export const SETTLE_MS = 300;

export interface ForwardTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const defaultTimers: ForwardTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class ForwardState {
  #t = $state(0);
  #seed = $state(0);
  #key = $state<string | null>(null);
  #image = $state.raw<ImageRef | null>(null);
  #model: string | null = null;
  /** the model whose curves are loaded (or loading) */
  #curvesModel: string | null = null;
  #curvesLoad: Promise<ProcessCurves | null> | null = null;
  #frames = $state.raw<readonly ForwardFrame[]>([]);
  #curves = $state.raw<ProcessCurves | null>(null);
  #loading = $state(false);
  #error = $state<string | null>(null);
  #decoding = $state(false);
  /** full-quality frames by `${key}:${t}` */
  readonly #full = new SvelteMap<string, ForwardFrame>();
  #timer: unknown = null;
  /** the preview strip being made (cancelled when another image or model takes its place) */
  #stripRequest: string | null = null;

  readonly tMax = $derived(this.#curves ? this.#curves.t.length - 1 : 999);
  /** the preview frame nearest the slider */
  readonly frame = $derived.by((): ForwardFrame | null => {
    const frames = this.#frames;
    if (frames.length === 0) return null;
    return frames[nearestIndex(frames.map((f) => f.t ?? 0), this.#t)];
  });
  /** the full-quality frame at exactly the slider's t, once decoded */
  readonly full = $derived.by((): ForwardFrame | null => (this.#key === null ? null : (this.#full.get(`${this.#key}:${this.#t}`) ?? null)));
  /** σ, ᾱ and log SNR at the slider's t, from the model's curves */
  readonly facts = $derived.by(() => {
    const c = this.#curves;
    const i = Math.min(Math.round(this.#t), (c?.t.length ?? 1) - 1);
    if (!c || i < 0) return null;
    return { t: i, sigma: c.sigma[i], alphaBar: c.alphaBar[i], logSnr: c.logSnr[i] };
  });

  constructor(
    private readonly studio: Studio,
    private readonly uploads: Uploads,
    private readonly timers: ForwardTimers = defaultTimers,
  ) {}

  get t(): number {
    return this.#t;
  }
  /** Moves the slider; the full-quality frame follows when it rests. */
  set t(v: number) {
    this.#t = Math.min(this.tMax, Math.max(0, Math.round(Number.isFinite(v) ? v : 0)));
    if (this.#timer !== null) this.timers.clearTimeout(this.#timer);
    this.#timer = this.timers.setTimeout(() => {
      this.#timer = null;
      void this.decode();
    }, SETTLE_MS);
  }
  get seed(): number {
    return this.#seed;
  }
  get frames(): readonly ForwardFrame[] {
    return this.#frames;
  }
  get curves(): ProcessCurves | null {
    return this.#curves;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get decoding(): boolean {
    return this.#decoding;
  }
  get error(): string | null {
    return this.#error;
  }

  /** Loads frames and curves for this image and model (nothing when they are the ones shown); the curves alone without an image. */
  async show(image: InputImage | null, model: ModelReport | null, seed = this.#seed): Promise<void> {
    const key = image && model ? `${image.url}|${model.id}|${seed}` : null;
    if (model && model.id !== this.#curvesModel) void this.#loadCurves(model.id);
    if (key === this.#key) return;
    this.#key = key;
    this.#seed = seed;
    this.#image = null;
    this.#model = null;
    this.#frames = [];
    this.#error = null;
    if (!image || !model || key === null) return;
    this.#loading = true;
    try {
      const [upload, curves] = await Promise.all([this.uploads.upload(image.blob, image.name, 'image'), this.#loadCurves(model.id)]);
      if (this.#key !== key || !curves) return;
      this.#image = upload.image;
      this.#model = model.id;
      const tMax = curves.t.length - 1;
      const t = Array.from({ length: FRAME_COUNT }, (_, k) => Math.round((k * tMax) / (FRAME_COUNT - 1)));
      // a strip for an image that is no longer shown is stopped, not left to finish in the engine
      if (this.#stripRequest) void this.studio.api.process.cancel({ requestId: this.#stripRequest }).catch(() => undefined);
      const requestId = `forward-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
      this.#stripRequest = requestId;
      const { frames } = await this.studio.api.process.forward({ model: model.id, image: upload.image, t, seed, decoder: 'preview', requestId }).finally(() => {
        if (this.#stripRequest === requestId) this.#stripRequest = null;
      });
      if (this.#key !== key) return;
      this.#frames = frames;
      void this.decode();
    } catch (err) {
      if (this.#key === key && (err as { code?: string } | null)?.code !== 'CANCELLED') this.#error = errorText(err);
    } finally {
      if (this.#key === key) this.#loading = false;
    }
  }

  /** The model's schedule curves (one request per model). */
  #loadCurves(modelId: string): Promise<ProcessCurves | null> {
    if (this.#curvesModel === modelId && this.#curvesLoad) return this.#curvesLoad;
    this.#curvesModel = modelId;
    this.#curvesLoad = this.studio.api.process.curves({ model: modelId }).then(
      (curves) => {
        if (this.#curvesModel === modelId) this.#curves = curves;
        return curves;
      },
      (err: unknown) => {
        this.#error = errorText(err);
        this.#curvesLoad = null;
        return null;
      },
    );
    return this.#curvesLoad;
  }

  /** New noise: the same image with another ε. */
  async reseed(image: InputImage | null, model: ModelReport | null, seed: number): Promise<void> {
    await this.show(image, model, seed);
  }

  /** Full VAE decode of x_t at the slider's t. */
  async decode(): Promise<void> {
    const key = this.#key;
    const image = this.#image;
    const model = this.#model;
    const t = this.#t;
    if (key === null || image === null || !model || this.#full.has(`${key}:${t}`)) return;
    this.#decoding = true;
    try {
      const { frames } = await this.studio.api.process.forward({ model, image, t: [t], seed: this.#seed, decoder: 'vae' });
      if (frames[0]) this.#full.set(`${key}:${t}`, frames[0]);
      while (this.#full.size > 60) this.#full.delete(this.#full.keys().next().value as string);
    } catch (err) {
      this.#error = errorText(err);
    } finally {
      this.#decoding = false;
    }
  }
}
