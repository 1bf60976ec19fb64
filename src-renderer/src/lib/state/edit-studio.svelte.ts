/**
 * The edit tabs' and process viewers' states of one window: made on first use from the studio in
 * context (`useEdit()`), subscribed to job.output for the window's lifetime.
 */
import { getContext, setContext } from 'svelte';
import { useStudio } from './context.ts';
import { DenoiseState } from './denoise.svelte.ts';
import { Img2ImgState } from './edit-img2img.svelte.ts';
import { JobOutputs, Uploads } from './edit.svelte.ts';
import { ForwardState } from './forward.svelte.ts';
import { InpaintState } from './inpaint.svelte.ts';
import { ProcessState } from './process.svelte.ts';
import type { InputImageDeps } from './input-image.svelte.ts';
import type { Studio } from './studio.svelte.ts';

const KEY = Symbol('reverie.edit');

/** The edit states of this window; made (and subscribed to job.output) on first use. */
export function useEdit(): EditStudio {
  const found = getContext<EditStudio | undefined>(KEY);
  if (found) return found;
  const studio = useStudio();
  let edit = made.get(studio);
  if (!edit) {
    edit = new EditStudio(studio);
    edit.connect();
    made.set(studio, edit);
  }
  return setContext(KEY, edit);
}

const made = new WeakMap<Studio, EditStudio>();

export class EditStudio {
  readonly uploads: Uploads;
  readonly outputs = new JobOutputs();
  readonly img2img: Img2ImgState;
  readonly inpaint: InpaintState;
  readonly denoise: DenoiseState;
  readonly process: ProcessState;
  readonly forward: ForwardState;
  #off: (() => void) | null = null;

  /** `input`: how images are decoded (tests inject a decoder; the app uses the browser's) */
  constructor(
    readonly studio: Studio,
    deps: { input?: InputImageDeps } = {},
  ) {
    this.uploads = new Uploads(studio.api);
    const output = (jobId: string) => this.outputs.get(jobId);
    this.img2img = new Img2ImgState(studio, this.uploads, output);
    this.inpaint = new InpaintState(studio, this.uploads, output);
    this.denoise = new DenoiseState(studio, this.uploads, output, deps.input);
    this.process = new ProcessState(studio);
    this.forward = new ForwardState(studio, this.uploads);
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
