/**
 * The Image to image tab: its own input image, strength and fit, the Generate form's prompt and
 * sampling parameters, and the job it runs. Size: the input's aspect at the model's own area (the
 * engine's default), or the Generate form's width × height.
 */
import type { JobOutput, JobRequestInput } from '../api/types.ts';
import { EditJob } from './edit-job.svelte.ts';
import { baseParams } from './edit.svelte.ts';
import type { Uploads } from './edit.svelte.ts';
import type { InputImageState } from './input-image.svelte.ts';
import { imageWorkSize } from './size-presets.ts';
import type { Studio } from './studio.svelte.ts';

export type FitMode = 'resize' | 'crop' | 'fill';
export type SizeSource = 'image' | 'form';

export const FIT_MODES: readonly { id: FitMode; label: string; help: string }[] = [
  { id: 'resize', label: 'Stretch', help: 'Resize to the target size; the aspect ratio may change.' },
  { id: 'crop', label: 'Crop', help: 'Scale to cover the target size and cut the overflow evenly.' },
  { id: 'fill', label: 'Fit and fill', help: 'Scale to fit inside, fill the rest by repeating the edge pixels.' },
];

/** the side a model without a reported default size is taken to have (SD 1.x's) */
const FALLBACK_SIDE = 512;
const clamp01 = (v: number): number => Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));

export class Img2ImgState {
  #strength = $state(0.75);
  #fit = $state<FitMode>('resize');
  #size = $state<SizeSource>('image');
  readonly job: EditJob;

  /** the input's shape at the model's area, sides multiples of its size step (the engine's default); null without an input */
  readonly imageSize = $derived.by((): { width: number; height: number } | null => {
    const image = this.input.image;
    const model = this.studio.form.model;
    if (!image) return null;
    return imageWorkSize(image, (model?.defaultWidth ?? FALLBACK_SIDE) * (model?.defaultHeight ?? FALLBACK_SIDE), this.studio.form.sizeStep);
  });
  /** the size the run will work at: the Generate size, or `imageSize` */
  readonly outputSize = $derived.by(() => (this.#size === 'form' ? { width: this.studio.form.width, height: this.studio.form.height } : this.imageSize));
  /** the sampler steps that will run: round(steps · strength) (sigma slicing, as the engine does) */
  readonly stepsToRun = $derived.by(() => Math.round(this.studio.form.steps * this.#strength));
  readonly problems = $derived.by((): string[] => {
    const problems: string[] = [];
    if (!this.input.image) problems.push('Choose an input image: drop one here, paste it, or send one from a result.');
    const base = baseParams(this.studio);
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
    // every input of the job: a failure or a problem holds while these are unchanged
    this.job = new EditJob(
      studio,
      outputs,
      () => JSON.stringify([studio.form.inputsKey, input.image?.url ?? null, this.#strength, this.#fit, this.#size]),
      () => input.image,
    );
  }

  get strength(): number {
    return this.#strength;
  }
  set strength(v: number) {
    this.#strength = Math.round(clamp01(v) * 100) / 100;
  }
  get fit(): FitMode {
    return this.#fit;
  }
  set fit(v: FitMode) {
    this.#fit = v;
  }
  get size(): SizeSource {
    return this.#size;
  }
  set size(v: SizeSource) {
    this.#size = v;
  }

  /** Uploads the input (once) and queues the job; false with `job.error` set when it cannot. */
  async run(): Promise<boolean> {
    const image = this.input.image;
    const problems = this.problems;
    if (!image || problems.length > 0) {
      this.job.fail(problems.join(' '));
      return false;
    }
    return this.job.run(async (): Promise<JobRequestInput> => {
      const base = baseParams(this.studio);
      if ('problem' in base) throw new Error(base.problem);
      const upload = await this.uploads.upload(image.blob, image.name, 'image');
      const size = this.#size === 'form' ? { width: this.studio.form.width, height: this.studio.form.height } : {};
      return { kind: 'img2img', params: { ...base.params, ...size, image: upload.image, strength: this.#strength, fit: this.#fit } };
    });
  }
}
