/**
 * Recordings for the studio: every sampling job records its reverse process (k-diffusion's callback
 * dict {i, sigma, x, denoised} per step, pipelines/record.ts) and each finished image gets its own
 * recording, saved beside the gallery item as a float16 `.rvrec` so the Process tab can open any
 * result later.
 *
 * A run samples batches of [B, C, h, w]; `ItemRecordings` feeds one StepRecorder per batch from
 * onStep, closes it when the batch goes to the VAE (the 'decoding' stage), splits it into B
 * single-image recordings and hands them out in image order, one per finished image.
 */
import { StepRecorder, serializeRecording } from '../pipelines/record.ts';
import { sliceBatch } from '../runtime/tensor.ts';
import type { Recording, RecordingMeta } from '../pipelines/record.ts';
import type { F32Tensor, StepInfo } from '../types.ts';

/** Batch item k of [B, ...] as its own [1, ...] tensor (a copy: the batch may be large). */
function itemOf(t: F32Tensor, k: number): F32Tensor {
  return sliceBatch(t, k, k + 1);
}

/** One image's recording out of a batch recording. */
export function recordingItem(rec: Recording, k: number, meta: RecordingMeta = rec.meta): Recording {
  return {
    dims: [1, ...rec.dims.slice(1)],
    sigmas: rec.sigmas,
    steps: rec.steps.map((s) => ({ ...s, x: itemOf(s.x, k), denoised: itemOf(s.denoised, k) })),
    ...(rec.final ? { final: itemOf(rec.final, k) } : {}),
    meta,
  };
}

/** The recording as the gallery keeps it (float16 halves the size; see record.ts). */
export function recordingBytes(rec: Recording): Uint8Array {
  return serializeRecording(rec, 'float16');
}

export class ItemRecordings {
  private recorder: StepRecorder;
  private seeds: readonly number[] = [];
  private readonly ready: Uint8Array[] = [];

  /**
   * toT: the model's sigma → fractional timestep; meta: facts shared by every image of the run
   * (model, sampler, schedule, ...); the seed of each image is added per item.
   */
  constructor(
    private readonly toT: (sigma: number) => number,
    private readonly meta: RecordingMeta,
  ) {
    this.recorder = new StepRecorder(toT);
  }

  /** the pipelines' onStep (their steps carry the batch's seeds) */
  readonly onStep = (info: StepInfo & { readonly seeds?: readonly number[] }): void => {
    if (info.seeds) this.seeds = info.seeds;
    this.recorder.onStep(info);
  };

  /**
   * Ends the current batch (call when it goes to the VAE). The schedule is taken from the steps
   * themselves (each step's starting sigma, then 0), so strength-sliced and denoising runs record
   * exactly the sigmas they visited.
   */
  close(final?: F32Tensor, seeds: readonly number[] = this.seeds): void {
    const rec = this.recorder;
    this.recorder = new StepRecorder(this.toT);
    if (rec.length === 0) return;
    const whole = rec.recording([], final);
    const sigmas = [...whole.steps.map((s) => s.sigma), 0];
    const batch = whole.dims[0] ?? 1;
    for (let k = 0; k < batch; k++) {
      const seed = seeds[k];
      const meta: RecordingMeta = { ...this.meta, ...(seed === undefined ? {} : { seed, seeds: [seed] }) };
      this.ready.push(recordingBytes(recordingItem({ ...whole, sigmas }, k, meta)));
    }
  }

  /** The next finished image's recording (undefined when its run recorded no steps, e.g. strength 0). */
  take(): Uint8Array | undefined {
    return this.ready.shift();
  }
}
