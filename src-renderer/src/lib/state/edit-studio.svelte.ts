/**
 * The edit tabs' and process viewers' states of one window: made once by App.svelte
 * (`provideEdit`), reached with `useEdit()`, subscribed to job.output for the window's lifetime.
 */
import { getContext, setContext } from 'svelte';
import { DenoiseState } from './denoise.svelte.ts';
import { Img2ImgState } from './edit-img2img.svelte.ts';
import { JobOutputs, Uploads } from './edit.svelte.ts';
import { AnomalyState } from './anomaly.svelte.ts';
import { ForwardState } from './forward.svelte.ts';
import { InpaintState } from './inpaint.svelte.ts';
import { SweepState } from './sweep.svelte.ts';
import { PlaygroundState } from './playground.svelte.ts';
import { PipelineState } from './pipeline.svelte.ts';
import { AttentionState } from './attention.svelte.ts';
import { ProcessState } from './process.svelte.ts';
import type { InputImageDeps } from './input-image.svelte.ts';
import type { Studio } from './studio.svelte.ts';

const KEY = Symbol('reverie.edit');

/**
 * Makes the window's edit states and puts them in context; call once, in the root component (its
 * $derived fields then live as long as the window, not as long as whichever tab first used them).
 */
export function provideEdit(studio: Studio): EditStudio {
  const edit = new EditStudio(studio);
  edit.connect();
  return setContext(KEY, edit);
}

/** The edit states of this window (App.svelte provides them). */
export function useEdit(): EditStudio {
  const edit = getContext<EditStudio | undefined>(KEY);
  if (!edit) throw new Error('useEdit() must be called inside the studio (App.svelte calls provideEdit)');
  return edit;
}

export class EditStudio {
  readonly uploads: Uploads;
  readonly outputs = new JobOutputs();
  readonly img2img: Img2ImgState;
  readonly inpaint: InpaintState;
  readonly denoise: DenoiseState;
  readonly process: ProcessState;
  readonly forward: ForwardState;
  /** the Process tab's anomaly map */
  readonly anomaly: AnomalyState;
  /** the Process tab's CFG and step sweeps */
  readonly sweep: SweepState;
  /** the Process tab's pipeline, opened up */
  readonly pipeline: PipelineState;
  /** the Process tab's per-token attention maps */
  readonly attention: AttentionState;
  /** the Playground tab (exact 2-D diffusion) */
  readonly playground: PlaygroundState;
  #off: (() => void) | null = null;

  /** `input`: how images are decoded (tests inject a decoder; the app uses the browser's) */
  constructor(
    readonly studio: Studio,
    deps: { input?: InputImageDeps } = {},
  ) {
    this.uploads = new Uploads(studio.api);
    const output = (jobId: string) => this.outputs.get(jobId);
    this.img2img = new Img2ImgState(studio, this.uploads, output, studio.inputs.of('img2img'));
    this.inpaint = new InpaintState(studio, this.uploads, output, studio.inputs.of('inpaint'));
    this.denoise = new DenoiseState(studio, this.uploads, output, studio.inputs.of('denoise'), deps.input);
    this.process = new ProcessState(studio);
    this.forward = new ForwardState(studio, this.uploads);
    this.anomaly = new AnomalyState(studio, this.uploads);
    this.sweep = new SweepState(studio);
    this.pipeline = new PipelineState(studio);
    this.attention = new AttentionState(studio);
    this.playground = new PlaygroundState(studio.api);
  }

  /** Subscribes to job.output (once); returns the cleanup. */
  connect(): () => void {
    this.#off ??= this.outputs.connect(this.studio.api);
    return () => {
      this.#off?.();
      this.#off = null;
    };
  }
}
