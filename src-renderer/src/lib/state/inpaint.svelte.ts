/**
 * The Inpaint tab: the mask being painted over the shared input image (a MaskLayer from
 * lib/canvas, one per image, kept when the user switches tabs), the brush, zoom and pan, the
 * inpainting options, the model (an inpainting model — a 9-channel UNet — is picked automatically
 * when there is one), and the job. The canvas component only draws: it reads `version` and
 * `takeDirty()` to repaint what changed.
 */
import type { JobOutput, JobRequestInput, ModelReport } from '../api/types.ts';
import { maskCoverage } from '../canvas/mask.ts';
import type { Brush, Point, Rect } from '../canvas/mask.ts';
import { unionRect } from '../canvas/mask.ts';
import { MaskLayer } from '../canvas/mask-layer.ts';
import { encodeGrayPngCompressed } from '../canvas/png.ts';
import { fitView, panBy, zoomAt } from '../canvas/view.ts';
import type { View } from '../canvas/view.ts';
import { EditJob } from './edit-job.svelte.ts';
import { baseParams } from './edit.svelte.ts';
import type { Uploads } from './edit.svelte.ts';
import type { FitMode } from './edit-img2img.svelte.ts';
import type { InputImage, InputImageState } from './input-image.svelte.ts';
import type { Studio } from './studio.svelte.ts';

export type Tool = 'brush' | 'eraser';
export type InpaintMode = 'blend' | 'only-masked';

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, Number.isFinite(v) ? v : lo));

/** Brush sizes are a percentage of the image's shorter side, so they feel the same on any image. */
export const BRUSH_MIN = 0.5;
export const BRUSH_MAX = 40;

export class InpaintState {
  #tool = $state<Tool>('brush');
  #size = $state(8);
  #hardness = $state(0.6);
  #feather = $state(4);
  #mode = $state<InpaintMode>('blend');
  #padding = $state(32);
  #strength = $state(1);
  #fit = $state<FitMode>('resize');
  #autoModel = $state(true);
  #showMask = $state(true);
  #view = $state.raw<View | null>(null);
  #version = $state(0);
  /** bumps when a change is complete (stroke end, undo, ...): coverage is measured then, not per pointer move */
  #settled = $state(0);
  #dirty: Rect | null = null;
  /** plain: one layer per input image (kept while the image is) */
  readonly #layers = new WeakMap<InputImage, MaskLayer>();
  readonly job: EditJob;

  readonly layer = $derived.by((): MaskLayer | null => {
    const image = this.input.image;
    return image ? this.#layerFor(image) : null;
  });
  /** fraction of the image marked for repainting */
  readonly coverage = $derived.by(() => {
    void this.#settled;
    const layer = this.layer;
    return layer ? maskCoverage(layer.mask) : 0;
  });
  /** brush radius in image pixels */
  readonly radius = $derived.by(() => {
    const layer = this.layer;
    return layer ? Math.max(0.5, (Math.min(layer.width, layer.height) * this.#size) / 200) : 0;
  });
  readonly inpaintingModels = $derived.by(() => this.studio.system.validModels.filter((m) => m.inpainting === true));
  /** the model the job will use: the form's, or an inpainting model in its place when Auto is on */
  readonly model = $derived.by((): ModelReport | null => {
    const chosen = this.studio.form.model ?? null;
    if (!this.#autoModel || chosen?.inpainting || this.inpaintingModels.length === 0) return chosen;
    return this.inpaintingModels.find((m) => m.family === chosen?.family) ?? this.inpaintingModels[0];
  });
  readonly problems = $derived.by((): string[] => {
    const problems: string[] = [];
    if (!this.input.image) problems.push('Choose an image to inpaint: drop one here, paste it, or send one from a result.');
    else if (this.coverage === 0) problems.push('Paint over the part of the image to repaint.');
    const base = baseParams(this.studio, this.model);
    if ('problem' in base) problems.push(base.problem);
    return problems;
  });

  constructor(
    private readonly studio: Studio,
    private readonly uploads: Uploads,
    outputs: (jobId: string) => JobOutput | null,
    /** this tab's input (EditInputs) */
    readonly input: InputImageState,
  ) {
    // every input of the job (the mask by its version): a failure or a problem holds while these are unchanged
    this.job = new EditJob(studio, outputs, () =>
      JSON.stringify([studio.form.inputsKey, input.image?.url ?? null, this.#version, this.#feather, this.#mode, this.#padding, this.#strength, this.#fit, this.#autoModel]),
      () => input.image,
    );
  }

  // ── settings ──────────────────────────────────────────────────────────
  get tool(): Tool {
    return this.#tool;
  }
  set tool(v: Tool) {
    this.#tool = v;
  }
  /** brush size, percent of the image's shorter side */
  get size(): number {
    return this.#size;
  }
  set size(v: number) {
    this.#size = Math.round(clamp(v, BRUSH_MIN, BRUSH_MAX) * 10) / 10;
  }
  get hardness(): number {
    return this.#hardness;
  }
  set hardness(v: number) {
    this.#hardness = Math.round(clamp(v, 0, 1) * 100) / 100;
  }
  get feather(): number {
    return this.#feather;
  }
  set feather(v: number) {
    this.#feather = Math.round(clamp(v, 0, 64));
  }
  get mode(): InpaintMode {
    return this.#mode;
  }
  set mode(v: InpaintMode) {
    this.#mode = v;
  }
  get padding(): number {
    return this.#padding;
  }
  set padding(v: number) {
    this.#padding = Math.round(clamp(v, 0, 256));
  }
  get strength(): number {
    return this.#strength;
  }
  set strength(v: number) {
    this.#strength = Math.round(clamp(v, 0, 1) * 100) / 100;
  }
  get fit(): FitMode {
    return this.#fit;
  }
  set fit(v: FitMode) {
    this.#fit = v;
  }
  get autoModel(): boolean {
    return this.#autoModel;
  }
  set autoModel(v: boolean) {
    this.#autoModel = v;
  }
  get showMask(): boolean {
    return this.#showMask;
  }
  set showMask(v: boolean) {
    this.#showMask = v;
  }
  get brush(): Brush {
    return { radius: this.radius, hardness: this.#hardness, mode: this.#tool === 'brush' ? 'paint' : 'erase' };
  }

  // ── the mask ──────────────────────────────────────────────────────────
  /** bumps with every change of the mask (the canvas redraws `takeDirty()`) */
  get version(): number {
    return this.#version;
  }
  get canUndo(): boolean {
    void this.#version;
    return this.layer?.canUndo ?? false;
  }
  get canRedo(): boolean {
    void this.#version;
    return this.layer?.canRedo ?? false;
  }

  /** The rectangle changed since the last call (null: nothing). */
  takeDirty(): Rect | null {
    const d = this.#dirty;
    this.#dirty = null;
    return d;
  }

  strokeStart(p: Point): void {
    this.#changed(this.layer?.beginStroke(this.brush, p) ?? null, false);
  }
  strokeMove(p: Point): void {
    if (this.layer?.stroking) this.#changed(this.layer.strokeTo(p), false);
  }
  strokeEnd(): void {
    if (!this.layer?.stroking) return;
    this.layer.endStroke();
    this.#changed(null, true);
  }
  undo(): void {
    this.#changed(this.layer?.undo() ?? null, true);
  }
  redo(): void {
    this.#changed(this.layer?.redo() ?? null, true);
  }
  invert(): void {
    this.#changed(this.layer?.invert() ?? null, true);
  }
  clear(): void {
    this.#changed(this.layer?.clear() ?? null, true);
  }

  // ── zoom and pan ──────────────────────────────────────────────────────
  get view(): View | null {
    return this.#view;
  }
  fitView(viewport: { width: number; height: number }): void {
    const layer = this.layer;
    if (layer) this.#view = fitView(layer.width, layer.height, viewport.width, viewport.height, 24);
  }
  zoom(factor: number, at: Point): void {
    if (this.#view) this.#view = zoomAt(this.#view, factor, at);
  }
  pan(dx: number, dy: number): void {
    if (this.#view) this.#view = panBy(this.#view, dx, dy);
  }

  /** The mask as a grayscale PNG at the image's resolution (white = repaint). */
  async maskPng(): Promise<Uint8Array | null> {
    const layer = this.layer;
    return layer ? encodeGrayPngCompressed(layer.data, layer.width, layer.height) : null;
  }

  async run(): Promise<boolean> {
    const image = this.input.image;
    const problems = this.problems;
    if (!image || problems.length > 0) {
      this.job.fail(problems.join(' '));
      return false;
    }
    return this.job.run(async (): Promise<JobRequestInput> => {
      const base = baseParams(this.studio, this.model);
      if ('problem' in base) throw new Error(base.problem);
      const png = await this.maskPng();
      if (!png) throw new Error('There is no mask to send.');
      const [upload, mask] = await Promise.all([
        this.uploads.upload(image.blob, image.name, 'image'),
        this.uploads.upload(new Blob([png.slice().buffer], { type: 'image/png' }), `mask of ${image.name}`, 'mask'),
      ]);
      return {
        kind: 'inpaint',
        params: { ...base.params, image: upload.image, mask: mask.image, strength: this.#strength, feather: this.#feather, mode: this.#mode, padding: this.#padding, fit: this.#fit },
      };
    });
  }

  #layerFor(image: InputImage): MaskLayer {
    let layer = this.#layers.get(image);
    if (!layer) {
      layer = new MaskLayer(image.width, image.height);
      this.#layers.set(image, layer);
    }
    return layer;
  }

  #changed(rect: Rect | null, measure: boolean): void {
    const layer = this.layer;
    if (!layer) return;
    if (rect) this.#dirty = unionRect(this.#dirty, rect);
    if (measure) this.#settled++;
    this.#version++;
  }
}
