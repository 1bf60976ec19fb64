/**
 * Denoising a photo with the diffusion model (the mapping from photo noise to the diffusion level is
 * explained in noise-level.ts): estimate the noise (Donoho's MAD, imageio/noise.ts) or take the given
 * σ, encode the photo at its own size (padded to multiples of 8 by repeating the edge), run the
 * reverse process from σ_latent with the photo's latents as x, decode, crop the padding off.
 *
 * With a clean reference the result carries PSNR and SSIM of the noisy input, the output and a
 * classical baseline (3×3 median through sharp). `addNoise` first adds seeded Gaussian noise of that
 * σ to a clean photo, which then serves as the reference (demonstrations).
 *
 * Defaults (decisions): empty prompt (the model's unconditional prior; a prompt biases the result
 * toward it), CFG 1 (guidance would push the photo toward the prompt), Euler (deterministic: a
 * stochastic sampler would add fresh noise back), 10 steps, karras.
 */
import type { Rgb8Image } from '../imageio/convert.ts';
import { pixelsToRgb8, rgb8ToPixels } from '../imageio/convert.ts';
import { readImage } from '../imageio/input.ts';
import type { ImageSource } from '../imageio/input.ts';
import { addGaussianNoise, estimateNoiseSigma, medianFilter } from '../imageio/noise.ts';
import { encodePng } from '../imageio/png.ts';
import { quality } from '../imageio/quality.ts';
import type { QualityReport } from '../imageio/quality.ts';
import type { ProviderId } from '../runtime/ort.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';
import { PipelineCache } from './cache.ts';
import { dropEmptyPromptWarning, RunRecordings, batchItem, runMeta } from './edit-common.ts';
import type { EditOptions } from './edit-common.ts';
import { latentNoiseSigma, pixelSigmaFrom8bit, sigmasFrom } from './noise-level.ts';
import { MAX_SIZE, MIN_SIZE, checkTxt2ImgParams } from './params.ts';
import type { Txt2ImgParams } from './params.ts';
import type { Recording } from './record.ts';
import { infotext, prepare, sampleAll, summary } from './txt2img.ts';
import type { RunParams, Txt2ImgTimings } from './txt2img.ts';

export interface DenoiseParams extends Omit<Txt2ImgParams, 'prompt' | 'width' | 'height' | 'batchSize' | 'batchCount'> {
  image: ImageSource;
  /** default '' */
  prompt?: string;
  /** noise σ in 8-bit units (0..255 scale, e.g. 25); default: estimated from the image */
  noiseSigma?: number;
  /** a clean version of the image, for PSNR/SSIM */
  reference?: ImageSource;
  /** demonstration: add Gaussian noise of this σ (8-bit units, seeded) first; the clean image becomes the reference */
  addNoise?: number;
  maxPixels?: number;
}

export interface DenoiseQuality {
  input: QualityReport;
  output: QualityReport;
  baseline: QualityReport;
}

export interface DenoiseResult {
  /** the denoised image, PNG with parameters */
  png: Buffer;
  /** the image that was denoised (the noisy one in addNoise mode) */
  noisyPng: Buffer;
  /** 3×3 median filter of the noisy image */
  baselinePng: Buffer;
  width: number;
  height: number;
  /** σ used, 8-bit units; `estimatedSigma` is Donoho's estimate (always computed) */
  noiseSigma: number;
  estimatedSigma: number;
  /** the diffusion noise level the reverse process started at, and its timestep (null: nothing to do) */
  latentSigma: number;
  startT: number | null;
  stepsRun: number;
  quality?: DenoiseQuality;
  recording?: Recording;
  seed: number;
  provider: ProviderId;
  timings: Txt2ImgTimings;
  warnings: string[];
  params: RunParams;
}

function checkSigma(name: string, v: number | undefined): void {
  if (v !== undefined && (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v) || v > 255)) {
    throw new EngineError('BAD_INPUT', `${name} must be a noise standard deviation from 0 to 255 in 8-bit units (e.g. 25), got ${String(v)}`);
  }
}

/** Pads right and bottom by repeating the last column/row, to multiples of the VAE factor and at least 64. */
function padImage(image: Rgb8Image, factor: number): Rgb8Image {
  const pad = (v: number): number => Math.max(MIN_SIZE, Math.ceil(v / factor) * factor);
  const width = pad(image.width);
  const height = pad(image.height);
  if (width === image.width && height === image.height) return image;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = (Math.min(y, image.height - 1) * image.width + Math.min(x, image.width - 1)) * 3;
      data.set(image.data.subarray(src, src + 3), (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

function cropImage(image: Rgb8Image, width: number, height: number): Rgb8Image {
  if (image.width === width && image.height === height) return image;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) data.set(image.data.subarray(y * image.width * 3, (y * image.width + width) * 3), y * width * 3);
  return { width, height, data };
}

async function inputs(params: DenoiseParams, seed: number): Promise<{ noisy: Rgb8Image; reference?: Rgb8Image }> {
  const image = (await readImage(params.image, { maxPixels: params.maxPixels })).rgb;
  if (params.addNoise !== undefined) {
    if (params.reference !== undefined) throw new EngineError('BAD_INPUT', 'give either a reference image or addNoise (which makes the clean input the reference), not both');
    return { noisy: addGaussianNoise(image, params.addNoise, seed), reference: image };
  }
  if (params.reference === undefined) return { noisy: image };
  const reference = (await readImage(params.reference, { maxPixels: params.maxPixels, what: 'reference image' })).rgb;
  if (reference.width !== image.width || reference.height !== image.height) {
    throw new EngineError('BAD_INPUT', `the reference image is ${reference.width}×${reference.height} but the image is ${image.width}×${image.height}; they must be the same size`);
  }
  return { noisy: image, reference };
}

export async function denoise(params: DenoiseParams, opts: EditOptions = {}): Promise<DenoiseResult> {
  const start = performance.now();
  checkSigma('the noise sigma', params.noiseSigma);
  checkSigma('the added noise sigma', params.addNoise);
  const base = { ...params, prompt: params.prompt ?? '', cfgScale: params.cfgScale ?? 1, sampler: params.sampler ?? 'euler', steps: params.steps ?? 10, schedule: params.schedule ?? 'karras' };
  const checked = checkTxt2ImgParams(base);
  const cache = opts.cache ?? new PipelineCache();
  try {
    const { noisy, reference } = await inputs(params, checked.seed);
    if (noisy.width > MAX_SIZE || noisy.height > MAX_SIZE) {
      throw new EngineError('BAD_INPUT', `the image is ${noisy.width}×${noisy.height}; denoising works at the image's own size, up to ${MAX_SIZE} pixels a side: downscale it first`);
    }
    const estimatedSigma = estimateNoiseSigma(noisy);
    const noiseSigma = params.noiseSigma ?? estimatedSigma;
    const loaded = await cache.model(checked.modelDir, checked.provider, opts.signal);
    const padded = padImage(noisy, loaded.info.sizeStep);
    const pr = await prepare({ ...base, seed: checked.seed, width: padded.width, height: padded.height, batchSize: 1, batchCount: 1 }, cache, opts);
    const { model } = pr;
    if (params.prompt === undefined) dropEmptyPromptWarning(pr);
    const t = performance.now();
    const pixels = rgb8ToPixels([padded]);
    const z = await model.encode(pixels);
    const latentSigma = await latentNoiseSigma(model, pixels, z, pixelSigmaFrom8bit(noiseSigma), (checked.seed + 1) % 2 ** 32);
    pr.timings.encode += performance.now() - t;
    const { sigmaMin, sigmaMax } = model.discrete;
    let startSigma = latentSigma;
    if (startSigma > sigmaMax) {
      pr.warnings.push(`the noise maps to sigma ${startSigma.toFixed(3)}, above the model's largest ${sigmaMax.toFixed(3)}; starting there`);
      startSigma = sigmaMax;
    }
    const recordings = new RunRecordings(model, opts.record ?? false);
    let out: F32Tensor = z;
    if (startSigma > sigmaMin) {
      pr.sigmas = sigmasFrom(pr.p.schedule, pr.p.steps, model.discrete, startSigma);
      pr.init = z;
      pr.noised = false;
      pr.extra = [['Noise sigma', noiseSigma.toFixed(2)], ['Start sigma', startSigma.toFixed(4)]];
      await sampleAll(pr, recordings.options(opts), (latents, seeds) => {
        recordings.close(pr.sigmas, latents, runMeta(pr, seeds, { noiseSigma, latentSigma: startSigma }));
        out = latents;
        return Promise.resolve();
      });
    } else {
      pr.sigmas = Float64Array.of(0);
      pr.warnings.push(`the noise (σ ${noiseSigma.toFixed(2)} in 8-bit units) maps below the model's smallest noise level; the image is returned unchanged`);
    }
    const d = performance.now();
    const denoised = pr.sigmas.length > 1 ? cropImage(pixelsToRgb8(await model.decode(batchItem(out, 0)))[0], noisy.width, noisy.height) : noisy;
    pr.timings.decode += performance.now() - d;
    const baseline = await medianFilter(noisy, 3);
    const report = reference ? { input: quality(noisy, reference), output: quality(denoised, reference), baseline: quality(baseline, reference) } : undefined;
    const text = infotext(pr, checked.seed);
    pr.timings.total = performance.now() - start;
    const { seed, provider, timings, warnings, params: runParams } = summary(pr);
    return {
      png: await encodePng(denoised, [{ keyword: 'parameters', text }]),
      noisyPng: await encodePng(noisy),
      baselinePng: await encodePng(baseline),
      width: noisy.width,
      height: noisy.height,
      noiseSigma,
      estimatedSigma,
      latentSigma: startSigma,
      startT: pr.sigmas.length > 1 ? model.discrete.sigmaToT(startSigma) : null,
      stepsRun: pr.sigmas.length - 1,
      ...(report ? { quality: report } : {}),
      ...(recordings.list[0] ? { recording: recordings.list[0] } : {}),
      seed,
      provider,
      timings,
      warnings,
      params: runParams,
    };
  } finally {
    if (!opts.cache) await cache.dispose();
  }
}
