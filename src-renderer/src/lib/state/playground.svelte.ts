/**
 * The Playground tab: diffusion on 2-D data made of Gaussians, where every number is exact. The
 * settings live here; each change asks the engine (playground.run) for everything the tab draws,
 * a moment after the last change, and drops answers that a newer request has overtaken. The time
 * slider only picks frames of the answer, so scrubbing never waits for the engine. The quality
 * plot (a sweep over samplers and step counts) is measured on request.
 */
import type { PlaygroundRequest, PlaygroundRun, ReverieApi } from '../api/types.ts';
import { errorText } from './system.svelte.ts';

export type PlaygroundData = NonNullable<PlaygroundRequest['data']>;
export type PlaygroundProcess = NonNullable<PlaygroundRequest['process']>;
export type XY = [number, number];

export const DATA_OPTIONS: readonly { value: PlaygroundData; label: string }[] = [
  { value: 'gaussian', label: 'One Gaussian' },
  { value: 'two', label: 'Two Gaussians' },
  { value: 'rings', label: 'Rings' },
  { value: 'moons', label: 'Two moons' },
  { value: 'smiley', label: 'Smiley' },
  { value: 'letters', label: 'Letters' },
  { value: 'points', label: 'Your points' },
];

export const PROCESS_OPTIONS: readonly { value: PlaygroundProcess; label: string; help: string }[] = [
  { value: 'vp', label: 'VP (DDPM)', help: 'x_t = √ᾱ·x₀ + √(1 − ᾱ)·ε: the data shrinks while noise grows, total variance stays 1.' },
  { value: 've', label: 'VE (NCSN)', help: 'x_t = x₀ + σ·ε with σ up to 50: the data stays put and noise explodes past the frame.' },
  { value: 'flow', label: 'Flow matching', help: 'x_t = (1 − t)·x₀ + t·ε: a straight line from each data point to its noise.' },
];

/** until this many ms after the last change, a new request waits */
export const SETTLE_MS = 150;
/** the farthest a point may be placed (the engine's limit) */
export const POINT_LIMIT = 6;
/** a drag adds a point once it has moved this far from the last one */
export const DRAG_SPACING = 0.25;

export interface PlaygroundTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const defaultTimers: PlaygroundTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** The index of the entry of `ts` nearest to t (ts in any order). */
export function nearestFrame(ts: readonly number[], t: number): number {
  let best = 0;
  for (let i = 1; i < ts.length; i++) if (Math.abs(ts[i] - t) < Math.abs(ts[best] - t)) best = i;
  return best;
}

export class PlaygroundState {
  #data = $state<PlaygroundData>('two');
  #userPoints = $state.raw<readonly XY[]>([[-1.5, 1], [0, -1], [1.5, 1]]);
  #process = $state<PlaygroundProcess>('vp');
  #sampler = $state('euler');
  #compare = $state<string | null>(null);
  #steps = $state(20);
  #count = $state(500);
  #seed = $state(0);
  #time = $state(0);
  #showDensity = $state(true);
  #showField = $state(true);
  #result = $state.raw<PlaygroundRun | null>(null);
  #quality = $state.raw<PlaygroundRun['quality']>(null);
  #loading = $state(false);
  #measuring = $state(false);
  #error = $state<string | null>(null);
  #request = 0;
  /** state, not a plain field: `quality` reads #quality only when the keys match, so a view that read it
   *  while they differed tracks this key alone and must hear when a sweep lands */
  #sweepKey = $state<string | null>(null);
  #timer: unknown = null;

  /** the forward frame nearest the slider */
  readonly frame = $derived.by(() => {
    const r = this.#result;
    return r ? r.frames[nearestFrame(r.frames.map((f) => f.t), this.#time)] : null;
  });
  /** for each reverse run, the step nearest the slider */
  readonly runFrames = $derived.by(() => (this.#result?.runs ?? []).map((run) => nearestFrame(run.t, this.#time)));
  /** the samplers to choose from (the answer lists them; before it, the defaults) */
  readonly samplers = $derived(this.#result?.samplers ?? [{ id: 'euler', label: 'Euler', stochastic: false }]);

  constructor(
    private readonly api: ReverieApi,
    private readonly timers: PlaygroundTimers = defaultTimers,
  ) {}

  get data(): PlaygroundData {
    return this.#data;
  }
  set data(v: PlaygroundData) {
    this.#data = v;
    this.#changed();
  }
  get userPoints(): readonly XY[] {
    return this.#userPoints;
  }
  get process(): PlaygroundProcess {
    return this.#process;
  }
  set process(v: PlaygroundProcess) {
    this.#process = v;
    this.#changed();
  }
  get sampler(): string {
    return this.#sampler;
  }
  set sampler(v: string) {
    this.#sampler = v;
    this.#changed();
  }
  /** the sampler beside the chosen one; null: the engine's choice (an SDE beside an ODE sampler and back) */
  get compare(): string | null {
    return this.#compare;
  }
  set compare(v: string | null) {
    this.#compare = v;
    this.#changed();
  }
  get steps(): number {
    return this.#steps;
  }
  set steps(v: number) {
    this.#steps = clamp(Math.round(Number.isFinite(v) ? v : 20), 1, 200);
    this.#changed();
  }
  get count(): number {
    return this.#count;
  }
  set count(v: number) {
    this.#count = clamp(Math.round(Number.isFinite(v) ? v : 500), 1, 2000);
    this.#changed();
  }
  get seed(): number {
    return this.#seed;
  }
  set seed(v: number) {
    this.#seed = clamp(Math.round(Number.isFinite(v) ? v : 0), 0, 4294967295);
    this.#changed();
  }
  /** process time shown: 0 the data, 1 pure noise */
  get time(): number {
    return this.#time;
  }
  set time(v: number) {
    this.#time = clamp(Number.isFinite(v) ? v : 0, 0, 1);
  }
  get showDensity(): boolean {
    return this.#showDensity;
  }
  set showDensity(v: boolean) {
    this.#showDensity = v;
  }
  get showField(): boolean {
    return this.#showField;
  }
  set showField(v: boolean) {
    this.#showField = v;
  }
  get result(): PlaygroundRun | null {
    return this.#result;
  }
  /** the last quality sweep, if it still matches the data, process and seed */
  get quality(): PlaygroundRun['quality'] {
    return this.#sweepKey === this.#key() ? this.#quality : null;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get measuring(): boolean {
    return this.#measuring;
  }
  get error(): string | null {
    return this.#error;
  }

  /** Adds a point (data "points"), clamped to the allowed square; switches the data to the points. */
  addPoint(x: number, y: number): void {
    if (this.#userPoints.length >= 500) return;
    this.#userPoints = [...this.#userPoints, [clamp(x, -POINT_LIMIT, POINT_LIMIT), clamp(y, -POINT_LIMIT, POINT_LIMIT)]];
    this.#data = 'points';
    this.#changed();
  }
  /** During a drag: adds a point only once the pointer is DRAG_SPACING from the last one. */
  dragTo(x: number, y: number): void {
    const last = this.#userPoints.at(-1);
    if (!last || Math.hypot(x - last[0], y - last[1]) >= DRAG_SPACING) this.addPoint(x, y);
  }
  removeLastPoint(): void {
    if (this.#userPoints.length <= 1) return;
    this.#userPoints = this.#userPoints.slice(0, -1);
    this.#changed();
  }
  clearPoints(): void {
    this.#userPoints = [[0, 0]];
    this.#data = 'points';
    this.#changed();
  }

  /** Loads the first answer (once; later changes load by themselves). */
  ensure(): Promise<void> {
    return this.#result || this.#loading ? Promise.resolve() : this.load();
  }

  #key(): string {
    return JSON.stringify([this.#data, this.#data === 'points' ? this.#userPoints : null, this.#process, this.#seed]);
  }

  #requestFor(sweep: boolean): PlaygroundRequest {
    return {
      data: this.#data,
      userPoints: this.#data === 'points' ? this.#userPoints.map((p) => [p[0], p[1]] as XY) : [],
      process: this.#process,
      sampler: this.#sampler,
      ...(this.#compare ? { compare: this.#compare } : {}),
      steps: this.#steps,
      count: this.#count,
      seed: this.#seed,
      sweep,
    };
  }

  #changed(): void {
    if (this.#timer !== null) this.timers.clearTimeout(this.#timer);
    this.#timer = this.timers.setTimeout(() => {
      this.#timer = null;
      void this.load();
    }, SETTLE_MS);
  }

  /** Asks the engine for the current settings now. */
  async load(): Promise<void> {
    const id = ++this.#request;
    this.#loading = true;
    try {
      const result = await this.api.playground.run(this.#requestFor(false));
      if (id !== this.#request) return;
      this.#result = result;
      this.#error = null;
    } catch (err) {
      if (id === this.#request) this.#error = errorText(err);
    } finally {
      if (id === this.#request) this.#loading = false;
    }
  }

  /** Measures sample quality against model calls for several samplers (a second or two). */
  async measure(): Promise<void> {
    const key = this.#key();
    this.#measuring = true;
    try {
      const result = await this.api.playground.run({ ...this.#requestFor(true), count: 1, trace: 1 });
      if (key !== this.#key()) return;
      this.#quality = result.quality;
      this.#sweepKey = key;
      this.#error = null;
    } catch (err) {
      this.#error = errorText(err);
    } finally {
      this.#measuring = false;
    }
  }
}
