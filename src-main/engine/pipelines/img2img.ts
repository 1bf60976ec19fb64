/**
 * Image to image (SDEdit, Meng et al. 2021): encode the image with the VAE, add noise of the level
 * where the strength says the run starts, and run the tail of the schedule from there.
 *
 * - Strength s keeps the last round(s·n) steps of the n-step schedule (sigmasForStrength: sigma
 *   slicing, no timestep search); the start is x = z + σ_start·ε with ε the first draw of the image's
 *   seeded generator (the same ε txt2img starts from). Works with every sampler.
 * - Strength 0 returns the (fitted) input unchanged, bit for bit: no VAE round trip.
 * - Strength 1 is txt2img (decision): at σ_max ≈ 14.6 the image would survive as 1/σ_max of its
 *   amplitude, invisible, so the run starts from σ_max·ε alone and gives txt2img's latents for the
 *   same seed; the image then only fixes the size.
 * - The VAE encoding uses the latent distribution's mean (deterministic; diffusers samples it).
 */
import type { Rgb8Image } from '../imageio/convert.ts';
import { fitImage, readImage } from '../imageio/input.ts';
import { sigmasForStrength } from '../schedules/index.ts';
import { PipelineCache } from './cache.ts';
import {
  DEFAULT_STRENGTH,
  RunRecordings,
  checkFit,
  checkStrength,
  decodeEach,
  emitImages,
  encodeRgb8,
  runMeta,
  workSize,
} from './edit-common.ts';
import type { EditOptions, ImageInputParams, ImageSink } from './edit-common.ts';
import { checkTxt2ImgParams, seedFor } from './params.ts';
import type { Txt2ImgParams } from './params.ts';
import type { Recording } from './record.ts';
import { prepare, sampleAll, summary } from './txt2img.ts';
import type { Txt2ImgResult } from './txt2img.ts';

export interface Img2ImgParams extends Txt2ImgParams, ImageInputParams {
  /** 0 keeps the image, 1 repaints it completely (default 0.75) */
  strength?: number;
}

export interface InputInfo {
  /** the image as read (after EXIF orientation) */
  width: number;
  height: number;
  format: string;
  hadAlpha: boolean;
}

export interface Img2ImgResult extends Txt2ImgResult {
  strength: number;
  /** sampler steps actually run per batch: round(steps·strength) */
  stepsRun: number;
  input: InputInfo;
  /** one per batch when `record` was asked for */
  recordings: Recording[];
}

export async function img2img(params: Img2ImgParams, opts: EditOptions = {}): Promise<Img2ImgResult> {
  const start = performance.now();
  const strength = checkStrength(params.strength, DEFAULT_STRENGTH);
  const fit = checkFit(params.fit);
  const checked = checkTxt2ImgParams(params); // fixes a random seed once
  const cache = opts.cache ?? new PipelineCache();
  try {
    const input = await readImage(params.image, { maxPixels: params.maxPixels });
    const model = await cache.model(checked.modelDir, checked.provider, opts.signal, checked.loras);
    const size = workSize(input.rgb, model.info, checked.width, checked.height);
    const fitted = await fitImage(input.rgb, size.width, size.height, fit);
    const pr = await prepare({ ...params, ...size, seed: checked.seed }, cache, opts);
    pr.extra = [['Denoising strength', String(strength)]];
    pr.sigmas = sigmasForStrength(pr.sigmas, strength);
    const sink: ImageSink = { images: [], parameters: [] };
    const recordings = new RunRecordings(model, opts.record ?? false);
    if (strength === 0) {
      const { batchSize, batchCount, seed } = pr.p;
      const seeds = Array.from({ length: batchSize * batchCount }, (_, n) => seedFor(seed, n));
      await emitImages(pr, seeds.map((): Rgb8Image => fitted), seeds, opts, sink);
    } else {
      const t = performance.now();
      const init = await encodeRgb8(model, fitted);
      pr.timings.encode += performance.now() - t;
      pr.init = strength < 1 ? init : undefined;
      await sampleAll(pr, recordings.options(opts), async (latents, seeds, iteration) => {
        recordings.close(pr.sigmas, latents, runMeta(pr, seeds, { strength }));
        opts.onStage?.('decoding', iteration, pr.p.batchCount);
        const d = performance.now();
        const rgbs = await decodeEach(model, latents, opts.signal);
        pr.timings.decode += performance.now() - d;
        await emitImages(pr, rgbs, seeds, opts, sink);
      });
    }
    pr.timings.total = performance.now() - start;
    return {
      ...sink,
      ...summary(pr),
      strength,
      stepsRun: pr.sigmas.length - 1,
      input: { width: input.rgb.width, height: input.rgb.height, format: input.format, hadAlpha: input.alpha !== null },
      recordings: recordings.list,
    };
  } finally {
    if (!opts.cache) await cache.dispose();
  }
}
