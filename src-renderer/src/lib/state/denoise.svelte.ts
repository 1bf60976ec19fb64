/**
 * The Denoise tab: a noisy photo (the tab's own input image) and its estimated noise level, which the
 * user may override; or the demonstration mode, which adds Gaussian noise of a chosen σ to a clean
 * photo first (that photo then serves as the reference). An optional clean reference gives PSNR
 * and SSIM. The comparison shows the noisy input (or the classical 3×3 median baseline) against the
 * diffusion result with a before/after divider.
 *
 * Decisions (the engine's, kept here): an empty prompt, CFG 1, Euler, 10 steps — a prompt or
 * guidance would pull the photo toward something else, and a stochastic sampler adds noise back.
 */
import type { JobOutput, JobRequestInput } from '../api/types.ts';
import { EditJob } from './edit-job.svelte.ts';
import type { Uploads } from './edit.svelte.ts';
import { InputImageState } from './input-image.svelte.ts';
import type { InputImageDeps } from './input-image.svelte.ts';
import type { Studio } from './studio.svelte.ts';

export type DenoiseMode = 'photo' | 'demo';
/** which image the divider compares with the result */
export type CompareWith = 'noisy' | 'baseline';

type DenoiseOutput = Extract<JobOutput, { kind: 'denoise' }>;

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, Number.isFinite(v) ? v : lo));

export class DenoiseState {
  #mode = $state<DenoiseMode>('photo');
  #override = $state<number | null>(null);
  #addNoise = $state(25);
  #steps = $state(10);
  #compare = $state<CompareWith>('noisy');
  #split = $state(50);
  /** the optional clean reference, an image of its own */
  readonly reference: InputImageState;
  readonly job: EditJob;

  /** the input's upload (started as soon as there is an image): its noise estimate */
  readonly inputInfo = $derived.by(() => {
    const image = this.input.image;
    return image ? this.uploads.status(image.blob, image.name, 'image') : null;
  });
  /** Donoho's estimate of the photo's noise σ, 8-bit units (null until known) */
  readonly estimate = $derived(this.inputInfo?.result?.noiseSigma ?? null);
  /** the σ the job will use: the override, else the estimate */
  readonly noiseSigma = $derived(this.#override ?? this.estimate);
  readonly output = $derived.by((): DenoiseOutput | null => {
    const o = this.job.output;
    return o?.kind === 'denoise' ? o : null;
  });
  readonly problems = $derived.by((): string[] => {
    const problems: string[] = [];
    const image = this.input.image;
    if (!image) problems.push(this.#mode === 'demo' ? 'Choose a clean photo to add noise to.' : 'Choose a noisy photo to denoise.');
    if (!this.studio.form.model) problems.push('No model is ready: add a model folder in Settings.');
    const ref = this.reference.image;
    if (this.#mode === 'photo' && ref && image && (ref.width !== image.width || ref.height !== image.height)) {
      problems.push(`The reference is ${ref.width} × ${ref.height} but the photo is ${image.width} × ${image.height}; they must be the same size.`);
    }
    return problems;
  });

  constructor(
    private readonly studio: Studio,
    private readonly uploads: Uploads,
    outputs: (jobId: string) => JobOutput | null,
    /** this tab's input (EditInputs) */
    readonly input: InputImageState,
    referenceDeps: InputImageDeps = {},
  ) {
    this.reference = new InputImageState(referenceDeps);
    // every input of the job: a failure or a problem holds while these are unchanged
    this.job = new EditJob(studio, outputs, () =>
      JSON.stringify([studio.form.inputsKey, input.image?.url ?? null, this.reference.image?.url ?? null, this.#mode, this.#override, this.#addNoise, this.#steps]),
      () => input.image,
    );
  }

  get mode(): DenoiseMode {
    return this.#mode;
  }
  set mode(v: DenoiseMode) {
    this.#mode = v;
  }
  /** the user's noise σ (8-bit units), null: use the estimate */
  get override(): number | null {
    return this.#override;
  }
  set override(v: number | null) {
    this.#override = v === null ? null : Math.round(clamp(v, 0, 100) * 10) / 10;
  }
  get addNoise(): number {
    return this.#addNoise;
  }
  set addNoise(v: number) {
    this.#addNoise = Math.round(clamp(v, 1, 100));
  }
  get steps(): number {
    return this.#steps;
  }
  set steps(v: number) {
    this.#steps = Math.round(clamp(v, 1, 100));
  }
  get compare(): CompareWith {
    return this.#compare;
  }
  set compare(v: CompareWith) {
    this.#compare = v;
  }
  /** the before/after divider, percent from the left */
  get split(): number {
    return this.#split;
  }
  set split(v: number) {
    this.#split = clamp(v, 0, 100);
  }

  async run(): Promise<boolean> {
    const image = this.input.image;
    const model = this.studio.form.model;
    const problems = this.problems;
    if (!image || !model || problems.length > 0) {
      this.job.fail(problems.join(' '));
      return false;
    }
    const seed = this.studio.form.seedParse.ok ? this.studio.form.seedParse.seed : -1;
    return this.job.run(async (): Promise<JobRequestInput> => {
      const upload = await this.uploads.upload(image.blob, image.name, 'image');
      const ref = this.#mode === 'photo' ? this.reference.image : null;
      const reference = ref ? (await this.uploads.upload(ref.blob, ref.name, 'reference')).image : undefined;
      return {
        kind: 'denoise',
        params: {
          model: model.id,
          image: upload.image,
          steps: this.#steps,
          seed,
          provider: this.studio.settings.settings?.provider ?? 'auto',
          ...(this.#mode === 'demo' ? { addNoise: this.#addNoise } : {}),
          ...(this.#mode === 'photo' && this.#override !== null ? { noiseSigma: this.#override } : {}),
          ...(reference ? { reference } : {}),
        },
      };
    });
  }
}
