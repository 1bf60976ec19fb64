/**
 * What every studio sampling job does around its pipeline (img2img, inpaint, denoise): stage and
 * step events for the queue's progress bar, live previews through `previewStream` (every
 * `previewEvery`-th step at most PREVIEWS_PER_SECOND a second, always the last one), and a recording
 * of the reverse process per finished image (item-recordings.ts), attached to its image event.
 */
import type { ModelInfo } from '../models/model.ts';
import type { Txt2ImgOptions, Txt2ImgStep } from '../pipelines/txt2img.ts';
import { previewStream } from '../pipelines/preview.ts';
import type { EngineJobContext, EngineJobEvent } from './job-types.ts';
import { ItemRecordings } from './item-recordings.ts';
import type { RecordingMeta } from '../pipelines/record.ts';

/** Live previews are linear latent maps (cheap) but each is a PNG over IPC: a few a second is plenty. */
export const PREVIEWS_PER_SECOND = 4;

export interface HookOptions {
  runs: number;
  previewEvery: number;
  factors: ModelInfo['previewFactors'];
  toT: (sigma: number) => number;
  meta: RecordingMeta;
}

export class JobHooks {
  readonly recordings: ItemRecordings;
  private run = 1;
  private perRun = 0;
  private last: Txt2ImgStep | null = null;
  private readonly stream: ReturnType<typeof previewStream> | null;
  /** events leave in order: each waits for the previews rendered before it (PNG encoding is async) */
  private ordered: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: EngineJobContext,
    private readonly opts: HookOptions,
  ) {
    this.recordings = new ItemRecordings(opts.toT, opts.meta);
    this.stream =
      opts.previewEvery > 0
        ? previewStream(opts.factors, PREVIEWS_PER_SECOND, (p) => {
            const previewDataUrl = `data:image/png;base64,${p.png.toString('base64')}`;
            ctx.emit({ type: 'step', run: this.run, runs: opts.runs, step: p.i + 1, steps: this.perRun, sigma: p.sigma, previewDataUrl });
          })
        : null;
  }

  /** Sends an event after every preview rendered so far (a late preview never follows its run's image). */
  send(event: EngineJobEvent): void {
    const stream = this.stream;
    this.ordered = this.ordered
      .then(() => stream?.idle())
      .catch(() => undefined) // a failed preview must not stop the job's events
      .then(() => this.ctx.emit(event));
  }

  /** The pipeline options: signal, stage/step/progress/image hooks. */
  options(): Txt2ImgOptions {
    const { opts } = this;
    return {
      signal: this.ctx.signal,
      onStage: (stage, iteration, batchCount) => {
        this.run = iteration + 1;
        if (stage === 'decoding') {
          this.stream?.cancel();
          this.recordings.close();
        }
        if (stage !== 'loading') this.send({ type: 'stage', stage, run: iteration + 1, runs: batchCount });
      },
      onStep: (info) => {
        this.last = info;
        this.recordings.onStep(info);
      },
      onProgress: (p) => {
        const info = this.last;
        if (!info) return;
        this.perRun = Math.max(1, Math.round(p.total / opts.runs));
        const step = info.i + 1;
        this.send({ type: 'step', run: info.iteration + 1, runs: opts.runs, step, steps: this.perRun, sigma: info.sigma, previewDataUrl: null });
        if (this.stream && (step % opts.previewEvery === 0 || step === this.perRun)) {
          this.stream.push(info);
          if (step === this.perRun) this.stream.flush();
        }
      },
      onImage: (image) => {
        const recording = this.recordings.take();
        this.send({
          type: 'image',
          run: this.run,
          png: image.png,
          width: image.width,
          height: image.height,
          seed: image.seed,
          parameters: image.parameters,
          ...(recording ? { recording } : {}),
        });
      },
    };
  }

  /** Ends the run: drops a preview still waiting for its turn, and sends everything queued. */
  async finish(): Promise<void> {
    this.stream?.cancel();
    await this.ordered;
  }
}
