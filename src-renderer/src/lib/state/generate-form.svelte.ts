/**
 * The Generate form: every parameter of a text-to-image job, with the model's own defaults
 * (size, turbo-style CFG) derived rather than copied, and the ways values come in from outside:
 * settings defaults, "reuse parameters" of a gallery item, parameters read from a dropped PNG.
 */
import type { EngineRegistry, GalleryItem, ImageParameters, JobRequestInput, ModelReport, Settings } from '../api/types.ts';
import { drawSeed, parseSeed } from './seed.ts';
import { HiresSettings } from './hires.svelte.ts';
import { SdxlSizeSettings } from './sdxl-size.svelte.ts';
import { DEFAULT_SIZE_STEP, MAX_SIZE, MIN_SIZE, isValidSide, roundToStep, sizePresets } from './size-presets.ts';
import type { SizePreset } from './size-presets.ts';
import type { SizeConditioningRequest } from './sdxl-size.svelte.ts';

const isSdxlModel = (m: ModelReport | null | undefined): boolean => m?.family === 'sdxl' || m?.family === 'sdxl-turbo';
const optionalSizeConditioning = (sc: SizeConditioningRequest | undefined): { sizeConditioning?: SizeConditioningRequest } => (sc ? { sizeConditioning: sc } : {});

type Defaults = Settings['defaults'];
type Provider = Settings['provider'];
/** the SDE samplers' noise: fresh Gaussian draws per step (the engine's default) or a Brownian tree */
export type SdeNoise = NonNullable<ImageParameters['sdeNoise']>;
/** the choices, as every SDE noise select offers them (Generate, Process → ODE vs SDE) */
export const SDE_NOISE_OPTIONS: readonly { readonly value: SdeNoise; readonly label: string }[] = [
  { value: 'gaussian', label: 'Gaussian, fresh each step' },
  { value: 'brownian', label: 'Brownian tree' },
];
/** the registry's word on whether a sampler takes the SDE noise choice (DPM++ SDE, 2M SDE, 3M SDE) */
export const samplerTakesSdeNoise = (registry: EngineRegistry | undefined, samplerId: string): boolean => registry?.samplers.find((s) => s.id === samplerId)?.sdeNoise === true;

/** Where the form finds the models, and the samplers' table (SystemState in the app). */
export interface ModelSource {
  readonly validModels: readonly ModelReport[];
  readonly registry?: EngineRegistry;
}

/** How the size was chosen: the model's default, a preset (which follows the model), or exact pixels. */
export type SizeChoice = { kind: 'default' } | { kind: 'preset'; label: string } | { kind: 'custom'; width: number; height: number };

export const STEPS_MAX = 1000;

/** the schedules a snapshot may name (the settings schema's list) */
const SCHEDULES: readonly Defaults['schedule'][] = ['normal', 'karras', 'exponential', 'sgm_uniform', 'simple'];

/** GenerateForm.snapshot(): what a reload keeps */
export interface FormSnapshot {
  version: 1;
  modelId: string | null;
  prompt: string;
  negativePrompt: string;
  sampler: string;
  schedule: Defaults['schedule'];
  steps: number;
  cfgScale: number;
  seedText: string;
  size: SizeChoice;
  batchSize: number;
  batchCount: number;
  hires: ReturnType<HiresSettings['snapshot']>;
  /** left out by older snapshots */
  sdxlSize?: ReturnType<SdxlSizeSettings['snapshot']>;
  /** left out by older snapshots */
  sdeNoise?: SdeNoise;
}
export const CFG_MAX = 30;
const FALLBACK_SIZE = 512;

const clampInt = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, Math.round(Number.isFinite(v) ? v : lo)));

export class GenerateForm {
  #modelId = $state<string | null>(null);
  #preferredModel = $state<string | null>(null);
  #prompt = $state('');
  #negativePrompt = $state('');
  #sampler = $state('dpmpp_2m');
  #sdeNoise = $state<SdeNoise>('gaussian');
  #schedule = $state<Defaults['schedule']>('karras');
  #steps = $state(20);
  #cfgScale = $state(7);
  #seedText = $state('');
  #size = $state.raw<SizeChoice>({ kind: 'default' });
  #batchSize = $state(1);
  #batchCount = $state(1);

  /** the hires fix's settings (off by default) */
  readonly hires = new HiresSettings();
  /** SDXL's size conditioning (sent only for SDXL models, only what differs from the defaults) */
  readonly sdxlSize = new SdxlSizeSettings();
  readonly model = $derived.by(() => this.#resolveModel());
  /** sides are multiples of this: the model's VAE factor (8 for SD, 16 for reverie-mini v2) */
  /** the model takes SDXL's size conditioning (models.list's family) */
  readonly isSdxl = $derived(isSdxlModel(this.model));
  readonly sizeStep = $derived(this.model?.sizeStep ?? DEFAULT_SIZE_STEP);
  readonly presets = $derived.by((): SizePreset[] => sizePresets(this.model?.defaultWidth ?? FALLBACK_SIZE, this.model?.defaultHeight ?? FALLBACK_SIZE, this.sizeStep));
  readonly width = $derived.by(() => this.#dims()[0]);
  readonly height = $derived.by(() => this.#dims()[1]);
  readonly seedParse = $derived(parseSeed(this.#seedText));
  /** the chosen sampler takes the SDE noise choice (the SDE samplers; the registry says which) */
  readonly takesSdeNoise = $derived.by(() => samplerTakesSdeNoise(this.models.registry, this.#sampler));
  /** what stops a Generate, in plain words (empty when the form is ready) */
  readonly problems = $derived.by(() => this.#problems());
  /** every input of a job made from this form, as one string: an error about them holds while it is unchanged */
  readonly inputsKey = $derived(
    JSON.stringify([this.model?.id ?? null, this.#prompt, this.#negativePrompt, this.#sampler, this.#sdeNoise, this.#schedule, this.#steps, this.#cfgScale, this.#seedText, this.width, this.height, this.#batchSize, this.#batchCount, this.hires.request() ?? null, this.sizeConditioning() ?? null]),
  );

  constructor(private readonly models: ModelSource) {}

  // ── fields ────────────────────────────────────────────────────────────
  get modelId(): string | null {
    return this.model?.id ?? null;
  }
  set modelId(id: string | null) {
    this.#modelId = id;
  }
  /** the model the user picked, even when it is no longer usable (then `model` falls back to another) */
  get chosenModelId(): string | null {
    return this.#modelId;
  }
  get prompt(): string {
    return this.#prompt;
  }
  set prompt(v: string) {
    this.#prompt = v;
  }
  get negativePrompt(): string {
    return this.#negativePrompt;
  }
  set negativePrompt(v: string) {
    this.#negativePrompt = v;
  }
  get sampler(): string {
    return this.#sampler;
  }
  set sampler(v: string) {
    this.#sampler = v;
  }
  get sdeNoise(): SdeNoise {
    return this.#sdeNoise;
  }
  set sdeNoise(v: SdeNoise) {
    if (SDE_NOISE_OPTIONS.some((o) => o.value === v)) this.#sdeNoise = v;
  }
  get schedule(): Defaults['schedule'] {
    return this.#schedule;
  }
  set schedule(v: Defaults['schedule']) {
    this.#schedule = v;
  }
  get steps(): number {
    return this.#steps;
  }
  set steps(v: number) {
    this.#steps = clampInt(v, 1, STEPS_MAX);
  }
  get cfgScale(): number {
    return this.#cfgScale;
  }
  set cfgScale(v: number) {
    this.#cfgScale = Math.min(CFG_MAX, Math.max(0, Math.round((Number.isFinite(v) ? v : 0) * 10) / 10));
  }
  get seedText(): string {
    return this.#seedText;
  }
  set seedText(v: string) {
    this.#seedText = v;
  }
  /** a fixed seed is kept from run to run; unlocked, every run gets a fresh random seed */
  get seedLocked(): boolean {
    return this.seedParse.ok && this.seedParse.seed >= 0;
  }
  get size(): SizeChoice {
    return this.#size;
  }
  get batchSize(): number {
    return this.#batchSize;
  }
  set batchSize(v: number) {
    this.#batchSize = clampInt(v, 1, 16);
  }
  get batchCount(): number {
    return this.#batchCount;
  }
  set batchCount(v: number) {
    this.#batchCount = clampInt(v, 1, 100);
  }

  // ── actions ───────────────────────────────────────────────────────────
  /** The model to pick when the user has not chosen one (settings.lastModel). */
  preferModel(id: string | null): void {
    this.#preferredModel = id;
  }

  /** Dice: a new random seed, shown and kept. */
  newSeed(random?: () => number): void {
    this.#seedText = String(drawSeed(random));
  }

  /** Lock: keep the last seed used (or a fresh one) / unlock: random seed every run. */
  toggleSeedLock(lastSeed: number | null): void {
    if (this.seedLocked) this.#seedText = '';
    else this.#seedText = String(lastSeed ?? drawSeed());
  }

  setSize(choice: SizeChoice): void {
    if (choice.kind === 'custom') {
      this.#size = { kind: 'custom', width: roundToStep(choice.width, this.sizeStep), height: roundToStep(choice.height, this.sizeStep) };
    } else this.#size = choice;
  }
  setWidth(v: number): void {
    this.setSize({ kind: 'custom', width: v, height: this.height });
  }
  setHeight(v: number): void {
    this.setSize({ kind: 'custom', width: this.width, height: v });
  }
  swapSize(): void {
    this.setSize({ kind: 'custom', width: this.height, height: this.width });
  }

  /** Everything the user set, as plain data: what a reload brings back (Studio keeps it in localStorage). */
  snapshot(): FormSnapshot {
    return {
      version: 1,
      modelId: this.#modelId,
      prompt: this.#prompt,
      negativePrompt: this.#negativePrompt,
      sampler: this.#sampler,
      schedule: this.#schedule,
      steps: this.#steps,
      cfgScale: this.#cfgScale,
      seedText: this.#seedText,
      size: this.#size,
      batchSize: this.#batchSize,
      batchCount: this.#batchCount,
      hires: this.hires.snapshot(),
      sdxlSize: this.sdxlSize.snapshot(),
      sdeNoise: this.#sdeNoise,
    };
  }

  /**
   * Takes back a snapshot (from an older or damaged store too): each well-formed field is applied
   * through the same setters as typing it, the rest keep their values. False when it is not a snapshot.
   */
  restore(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || (value as { version?: unknown }).version !== 1) return false;
    const s = value as Record<string, unknown>;
    const str = (v: unknown): v is string => typeof v === 'string';
    const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    if (s.modelId === null || str(s.modelId)) this.#modelId = s.modelId;
    if (str(s.prompt)) this.#prompt = s.prompt;
    if (str(s.negativePrompt)) this.#negativePrompt = s.negativePrompt;
    if (str(s.sampler) && s.sampler !== '') this.#sampler = s.sampler;
    if (str(s.sdeNoise)) this.sdeNoise = s.sdeNoise as SdeNoise;
    if (str(s.schedule) && SCHEDULES.includes(s.schedule as Defaults['schedule'])) this.#schedule = s.schedule as Defaults['schedule'];
    if (num(s.steps)) this.steps = s.steps;
    if (num(s.cfgScale)) this.cfgScale = s.cfgScale;
    if (str(s.seedText)) this.#seedText = s.seedText;
    const size = s.size as SizeChoice | undefined;
    if (size?.kind === 'default') this.#size = { kind: 'default' };
    else if (size?.kind === 'preset' && str(size.label)) this.#size = { kind: 'preset', label: size.label };
    else if (size?.kind === 'custom' && num(size.width) && num(size.height)) this.#size = { kind: 'custom', width: clampInt(size.width, MIN_SIZE, MAX_SIZE), height: clampInt(size.height, MIN_SIZE, MAX_SIZE) };
    if (num(s.batchSize)) this.batchSize = s.batchSize;
    if (num(s.batchCount)) this.batchCount = s.batchCount;
    if (typeof s.hires === 'object' && s.hires !== null) this.hires.restore(s.hires as Record<string, unknown>);
    if (typeof s.sdxlSize === 'object' && s.sdxlSize !== null) this.sdxlSize.restore(s.sdxlSize as Record<string, unknown>);
    return true;
  }

  /**
   * The defaults that changed between `before` and `now` (Settings edited since the form was kept):
   * those fields take the new default, the rest stay as the user left them.
   */
  applyChangedDefaults(before: Defaults, now: Defaults): void {
    if (before.sampler !== now.sampler) this.#sampler = now.sampler;
    if (before.schedule !== now.schedule) this.#schedule = now.schedule;
    if (before.steps !== now.steps) this.steps = now.steps;
    if (before.cfgScale !== now.cfgScale) this.cfgScale = now.cfgScale;
    if (before.negativePrompt !== now.negativePrompt) this.#negativePrompt = now.negativePrompt;
    if (before.width !== now.width || before.height !== now.height) {
      this.#size = now.width !== null && now.height !== null ? { kind: 'custom', width: now.width, height: now.height } : { kind: 'default' };
    }
  }

  /** The form's starting values (settings defaults); keeps prompt, model and seed. */
  applyDefaults(d: Defaults): void {
    this.#sampler = d.sampler;
    this.#schedule = d.schedule;
    this.steps = d.steps;
    this.cfgScale = d.cfgScale;
    this.#negativePrompt = d.negativePrompt;
    this.#size = d.width !== null && d.height !== null ? { kind: 'custom', width: d.width, height: d.height } : { kind: 'default' };
  }

  /**
   * The prompts and the sampling settings that both reuse paths carry; a missing one keeps the form's.
   * With a sampler comes its SDE noise: an image made without the choice drew Gaussian noise.
   */
  #applySampling(p: Pick<ImageParameters, 'prompt' | 'negativePrompt' | 'steps' | 'cfgScale' | 'sampler' | 'schedule' | 'sdeNoise'>): void {
    this.#prompt = p.prompt;
    this.#negativePrompt = p.negativePrompt;
    if (p.steps !== undefined) this.steps = p.steps;
    if (p.cfgScale !== undefined) this.cfgScale = p.cfgScale;
    if (p.sampler !== undefined) {
      this.#sampler = p.sampler;
      this.#sdeNoise = p.sdeNoise ?? 'gaussian';
    }
    if (p.schedule !== undefined) this.#schedule = p.schedule;
  }

  /** "Reuse parameters" of a gallery item: everything, the model when it is still here, and the image's own seed. */
  applyItem(item: GalleryItem): string[] {
    const p = item.request.params;
    const notes: string[] = [];
    this.#applySampling(p);
    this.#size = { kind: 'custom', width: item.width, height: item.height };
    this.#seedText = String(item.seed);
    this.batchSize = 1;
    this.batchCount = 1;
    this.sdxlSize.apply(p);
    const model = this.models.validModels.find((m) => m.id === p.model) ?? this.models.validModels.find((m) => m.name === item.modelName);
    if (model) this.#modelId = model.id;
    else notes.push(`The model "${item.modelName}" is not available any more; keeping ${this.model?.name ?? 'no model'}.`);
    return notes;
  }

  /** Parameters read from an image (ours, A1111, ComfyUI, InvokeAI); returns what could not be applied. */
  applyParameters(p: ImageParameters): string[] {
    const notes: string[] = [];
    this.#applySampling(p);
    if (p.seed !== undefined) this.#seedText = String(p.seed);
    if (p.width !== undefined && p.height !== undefined) this.setSize({ kind: 'custom', width: p.width, height: p.height });
    this.hires.apply(p);
    this.sdxlSize.apply(p);
    if (p.model !== undefined) {
      const wanted = p.model.replace(/\.(safetensors|ckpt|onnx)$/i, '').toLowerCase();
      const model = this.models.validModels.find((m) => m.name.toLowerCase() === wanted);
      if (model) this.#modelId = model.id;
      else notes.push(`The image was made with "${p.model}", which is not in your models; keeping ${this.model?.name ?? 'no model'}.`);
    }
    return notes;
  }

  /** The jobs.submit request, or null with `problems` saying why not. */
  toRequest(provider: Provider): JobRequestInput | null {
    const model = this.model;
    if (!model || !this.seedParse.ok || this.problems.length > 0) return null;
    return {
      kind: 'txt2img',
      params: {
        model: model.id,
        prompt: this.#prompt,
        negativePrompt: this.#negativePrompt,
        cfgScale: this.#cfgScale,
        steps: this.#steps,
        sampler: this.#sampler,
        ...this.sdeNoiseRequest(),
        schedule: this.#schedule,
        seed: this.seedParse.seed,
        width: this.width,
        height: this.height,
        batchSize: this.#batchSize,
        batchCount: this.#batchCount,
        provider,
        ...(this.hires.enabled ? { hires: this.hires.request() } : {}),
        ...optionalSizeConditioning(this.sizeConditioning()),
      },
    };
  }

  // ── derivations ───────────────────────────────────────────────────────
  /** a job's sdeNoise: sent for a sampler that takes it when it is not the engine's default (Gaussian) */
  sdeNoiseRequest(): { sdeNoise?: SdeNoise } {
    return this.takesSdeNoise && this.#sdeNoise !== 'gaussian' ? { sdeNoise: this.#sdeNoise } : {};
  }

  /** SDXL's size conditioning of a job from this form: only for an SDXL model (the form's, or an edit tab's own), only when not the defaults */
  sizeConditioning(model: ModelReport | null | undefined = this.model): SizeConditioningRequest | undefined {
    return isSdxlModel(model) ? this.sdxlSize.request(this.width, this.height) : undefined;
  }


  #resolveModel(): ModelReport | undefined {
    const valid = this.models.validModels;
    return valid.find((m) => m.id === this.#modelId) ?? valid.find((m) => m.id === this.#preferredModel) ?? valid[0];
  }

  #dims(): [number, number] {
    const size = this.#size;
    if (size.kind === 'custom') return [size.width, size.height];
    const preset = size.kind === 'preset' ? this.presets.find((p) => p.label === size.label) : undefined;
    if (preset) return [preset.width, preset.height];
    return [this.model?.defaultWidth ?? FALLBACK_SIZE, this.model?.defaultHeight ?? FALLBACK_SIZE];
  }

  #problems(): string[] {
    const problems: string[] = [];
    if (!this.model) problems.push('No model is ready: add a model folder in Settings, or fix the problems listed there.');
    if (!this.seedParse.ok) problems.push(this.seedParse.message);
    for (const [name, v] of [['Width', this.width], ['Height', this.height]] as const) {
      if (!isValidSide(v, this.sizeStep)) {
        const near = roundToStep(v, this.sizeStep);
        problems.push(`${name} ${v} must be a multiple of ${this.sizeStep} from ${MIN_SIZE} to ${MAX_SIZE} for this model${near !== v ? ` (nearest: ${near})` : ''}.`);
      }
    }
    const hires = this.hires.problem(this.width, this.height);
    if (hires) problems.push(hires);
    return problems;
  }
}
