/**
 * Inpainting: repaint the white part of a mask, keep the rest.
 *
 * - Any model: latent blending, a denoiser wrapper (guidance/inpaint.ts): the known region is the
 *   original's latents re-noised to the current sigma at every model call.
 * - 9-channel inpainting UNets (detected from the UNet's input channels, info.inpainting): the UNet
 *   also gets [mask, masked-image latents] (diffusers' StableDiffusionInpaintPipeline). Latent blending
 *   stays on by default, as A1111 and ComfyUI do; `latentBlend: false` turns it off for these models.
 * - Modes: 'blend' works on the whole image at the work size; 'only-masked' crops a padded box around
 *   the mask, works on it at model resolution and pastes it back into the full-size original.
 * - The final image is a pixel composite original·(1 − m) + generated·m with the feathered mask m, so
 *   every pixel where m = 0 is the original's, exactly.
 * - Defaults (decisions): strength 1 (repaint from noise; lower values start from the original
 *   content, like A1111's "original" fill), feather 4 px (A1111's mask blur), padding 32 px. Without
 *   a mask, an image with transparent areas is repainted where it is transparent.
 */
import type { Rgb8Image } from '../imageio/convert.ts';
import { rgb8ToPixels } from '../imageio/convert.ts';
import { fitImage, readImage } from '../imageio/input.ts';
import type { DecodedImage } from '../imageio/input.ts';
import {
  checkMaskNotEmpty,
  compositeRgb8,
  cropMask,
  featherMaskCancellable,
  fitMask,
  maskBounds,
  maskFromBytes,
  maskToLatentArea,
  maskToLatentNearest,
  maskedImagePixels,
  matchMaskToImage,
  readMask,
} from '../imageio/mask.ts';
import type { Mask } from '../imageio/mask.ts';
import { inpaintConcat, latentBlendDenoiser } from '../guidance/inpaint.ts';
import type { LoadedModel } from '../models/model.ts';
import { sigmasForStrength } from '../schedules/index.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';
import { PipelineCache } from './cache.ts';
import { RunRecordings, checkFit, checkStrength, decodeEach, emitImages, encodeRgb8, runMeta, workSize } from './edit-common.ts';
import type { EditOptions, ImageSink } from './edit-common.ts';
import type { Img2ImgParams, Img2ImgResult } from './img2img.ts';
import { cropRgb8, cropWorkSize, paddedBox, pasteRgb8 } from './only-masked.ts';
import type { Box } from './only-masked.ts';
import { checkTxt2ImgParams, seedFor } from './params.ts';
import type { CheckedParams } from './params.ts';
import { prepare, sampleAll, summary } from './txt2img.ts';
import type { Prepared } from './txt2img.ts';

export type InpaintMode = 'blend' | 'only-masked';
export const INPAINT_MODES: readonly InpaintMode[] = ['blend', 'only-masked'];

export interface InpaintParams extends Img2ImgParams {
  /** white = repaint (or opaque, for a mask with transparency); default: the image's transparent area */
  mask?: Img2ImgParams['image'];
  /** Gaussian feathering of the mask edge, σ in pixels (default 4) */
  feather?: number;
  mode?: InpaintMode;
  /** only-masked: pixels added around the mask's bounding box (default 32) */
  padding?: number;
  /** latent blending on 9-channel models (default true; always on for other models) */
  latentBlend?: boolean;
}

export interface InpaintResult extends Img2ImgResult {
  mode: InpaintMode;
  /** the model took [mask, masked-image latents] as extra UNet channels */
  nineChannel: boolean;
  /** only-masked: the crop box in the input image's pixels */
  box?: Box;
}

interface Checked {
  strength: number;
  feather: number;
  mode: InpaintMode;
  padding: number;
}

function checkInpaint(params: InpaintParams): Checked {
  const mode = params.mode ?? 'blend';
  if (!INPAINT_MODES.includes(mode)) throw new EngineError('BAD_INPUT', `unknown inpaint mode ${JSON.stringify(mode)}; valid: ${INPAINT_MODES.join(', ')}`);
  const feather = params.feather ?? 4;
  if (typeof feather !== 'number' || !(feather >= 0 && feather <= 256)) throw new EngineError('BAD_INPUT', `mask feather must be from 0 to 256 pixels, got ${String(params.feather)}`);
  const padding = params.padding ?? 32;
  if (!Number.isInteger(padding) || padding < 0) throw new EngineError('BAD_INPUT', `only-masked padding must be a whole number of pixels ≥ 0, got ${String(params.padding)}`);
  return { strength: checkStrength(params.strength, 1), feather, mode, padding };
}

/** The mask at the image's size: from the mask input, or the image's transparent pixels. */
async function loadMask(params: InpaintParams, input: DecodedImage): Promise<Mask> {
  const { width, height } = input.rgb;
  let mask: Mask;
  if (params.mask !== undefined) mask = await matchMaskToImage(await readMask(params.mask, { maxPixels: params.maxPixels }), width, height);
  else if (input.alpha) mask = maskFromBytes(width, height, input.alpha, true);
  else throw new EngineError('BAD_INPUT', 'no mask: pass a mask image (white = repaint), or an image whose transparent areas are to be repainted');
  checkMaskNotEmpty(mask);
  return mask;
}

/** 9-channel conditioning: [mask binarised + nearest-resized, latents of image × (mask < 0.5)]. */
function conditioningFor(image: Rgb8Image, mask: Mask): (model: LoadedModel) => Promise<F32Tensor | undefined> {
  return async (model) => {
    if (!model.info.inpainting) return undefined;
    const masked = await model.encode(maskedImagePixels(rgb8ToPixels([image]), mask));
    return inpaintConcat(maskToLatentNearest(mask, model.info.vaeFactor), masked);
  };
}

interface Job {
  params: InpaintParams;
  checked: CheckedParams;
  c: Checked;
  cache: PipelineCache;
  opts: EditOptions;
  sink: ImageSink;
  recordings?: RunRecordings;
}

/**
 * Inpaints `image` (at the work size) under `mask` (same size, feathered); every finished image goes
 * through `place` (composite, paste back) before it is emitted; at strength 0 `unchanged` is emitted.
 */
async function inpaintAt(job: Job, image: Rgb8Image, mask: Mask, place: (generated: Rgb8Image) => Promise<Rgb8Image>, unchanged: Rgb8Image): Promise<Prepared> {
  const { params, c, cache, opts } = job;
  const pr = await prepare({ ...params, width: image.width, height: image.height, seed: job.checked.seed }, cache, opts, conditioningFor(image, mask));
  const { model } = pr;
  pr.extra = [['Denoising strength', String(c.strength)], ['Mask blur', String(c.feather)], ['Inpaint area', c.mode === 'blend' ? 'Whole picture' : 'Only masked']];
  if (c.mode === 'only-masked') pr.extra.push(['Masked area padding', String(c.padding)]);
  pr.sigmas = sigmasForStrength(pr.sigmas, c.strength);
  const recordings = new RunRecordings(model, opts.record ?? false);
  job.recordings = recordings;
  if (pr.sigmas.length === 1) {
    const { batchSize, batchCount, seed } = pr.p;
    const seeds = Array.from({ length: batchSize * batchCount }, (_, n) => seedFor(seed, n));
    await emitImages(pr, seeds.map(() => unchanged), seeds, opts, job.sink);
    return pr;
  }
  const t = performance.now();
  const known = await encodeRgb8(model, image);
  pr.timings.encode += performance.now() - t;
  pr.init = c.strength < 1 ? known : undefined;
  if (!model.info.inpainting || (params.latentBlend ?? true)) {
    const latentMask = maskToLatentArea(mask, model.info.vaeFactor);
    pr.wrap = (denoiser, noise) => latentBlendDenoiser(denoiser, known, latentMask, noise);
  }
  await sampleAll(pr, recordings.options(opts), async (latents, seeds, iteration) => {
    recordings.close(pr.sigmas, latents, runMeta(pr, seeds, { strength: c.strength, mode: c.mode }));
    opts.onStage?.('decoding', iteration, pr.p.batchCount);
    const d = performance.now();
    const rgbs = await decodeEach(model, latents, opts.signal);
    const placed: Rgb8Image[] = [];
    for (const rgb of rgbs) placed.push(await place(rgb));
    pr.timings.decode += performance.now() - d;
    await emitImages(pr, placed, seeds, opts, job.sink);
  });
  return pr;
}

export async function inpaint(params: InpaintParams, opts: EditOptions = {}): Promise<InpaintResult> {
  const start = performance.now();
  const c = checkInpaint(params);
  const fit = checkFit(params.fit);
  const checked = checkTxt2ImgParams(params);
  const cache = opts.cache ?? new PipelineCache();
  try {
    const input = await readImage(params.image, { maxPixels: params.maxPixels });
    const fullMask = await loadMask(params, input);
    const model = await cache.model(checked.modelDir, checked.provider, opts.signal, checked.loras);
    const job: Job = { params, checked, c, cache, opts, sink: { images: [], parameters: [] } };
    let pr: Prepared;
    let box: Box | undefined;
    if (c.mode === 'blend') {
      const size = workSize(input.rgb, model.info, checked.width, checked.height);
      const fitted = await fitImage(input.rgb, size.width, size.height, fit);
      const mask = await featherMaskCancellable(await fitMask(fullMask, size.width, size.height, fit), c.feather, opts.signal);
      pr = await inpaintAt(job, fitted, mask, (gen) => Promise.resolve(compositeRgb8(fitted, gen, mask)), fitted);
    } else {
      const feathered = await featherMaskCancellable(fullMask, c.feather, opts.signal);
      const bounds = maskBounds(feathered);
      if (!bounds) throw new EngineError('INTERNAL', 'a non-empty mask has no bounds');
      const aspect = checked.width !== undefined && checked.height !== undefined ? checked.width / checked.height : bounds.width / bounds.height;
      const b = paddedBox(bounds, c.padding, input.rgb.width, input.rgb.height, aspect);
      const given = checked.width !== undefined || checked.height !== undefined;
      const work = given ? workSize(b, model.info, checked.width, checked.height) : cropWorkSize(b, model.info.defaultWidth * model.info.defaultHeight, model.info.sizeStep);
      const crop = await fitImage(cropRgb8(input.rgb, b), work.width, work.height, 'resize');
      const cropMaskFit = await fitMask(cropMask(feathered, b), work.width, work.height, 'resize');
      pr = await inpaintAt(job, crop, cropMaskFit, async (gen) => {
        const back = await fitImage(gen, b.width, b.height, 'resize');
        return compositeRgb8(input.rgb, pasteRgb8(input.rgb, back, b), feathered);
      }, input.rgb);
      box = b;
    }
    pr.timings.total = performance.now() - start;
    return {
      ...job.sink,
      ...summary(pr),
      strength: c.strength,
      stepsRun: pr.sigmas.length - 1,
      input: { width: input.rgb.width, height: input.rgb.height, format: input.format, hadAlpha: input.alpha !== null },
      recordings: job.recordings?.list ?? [],
      mode: c.mode,
      nineChannel: model.info.inpainting,
      ...(box ? { box } : {}),
    };
  } finally {
    if (!opts.cache) await cache.dispose();
  }
}
