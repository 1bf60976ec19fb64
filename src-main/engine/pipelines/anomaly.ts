/**
 * Anomaly map: reconstruct the image through a partial reverse process — img2img at a moderate
 * strength (default 0.3), averaged over k seeds (one batch) — and show where the reconstruction differs. What the
 * model cannot explain (detail its VAE cannot represent, content far from what it learnt) comes back
 * changed; what it knows comes back nearly as it was. The idea of diffusion-based anomaly detection
 * (Wolleb et al. 2022, "Diffusion Models for Medical Anomaly Detection"; AnoDDPM, Wyatt et al. 2022).
 *
 * Error per pixel: RMS over R, G, B of (input − mean reconstruction), in 8-bit units. Score: the mean
 * of that map. The heatmap maps 0 → dark blue to `scale` → dark red (Turbo); `scale` defaults to the
 * map's 99th percentile (a relative view), and a fixed scale makes maps of different images comparable.
 */
import { randomInt } from 'node:crypto';
import type { Rgb8Image } from '../imageio/convert.ts';
import { heatmapRgb8, quantile } from '../imageio/heatmap.ts';
import { fitImage, readImage } from '../imageio/input.ts';
import { encodePng } from '../imageio/png.ts';
import type { ProviderId } from '../runtime/ort.ts';
import { sigmasForStrength } from '../schedules/index.ts';
import { EngineError } from '../types.ts';
import { PipelineCache } from './cache.ts';
import { dropEmptyPromptWarning, checkFit, checkStrength, decodeEach, encodeRgb8, workSize } from './edit-common.ts';
import type { EditOptions, ImageInputParams } from './edit-common.ts';
import { MAX_BATCH_SIZE, MAX_SEED, checkTxt2ImgParams } from './params.ts';
import type { Txt2ImgParams } from './params.ts';
import { prepare, sampleAll } from './txt2img.ts';

export interface AnomalyParams extends Omit<Txt2ImgParams, 'prompt' | 'batchSize' | 'batchCount'>, ImageInputParams {
  /** default '' (the model's unconditional prior) */
  prompt?: string;
  /** default 0.3 (AnoDDPM noises to about t = 250 of 1000; higher strengths regenerate normal regions too) */
  strength?: number;
  /** reconstructions averaged, seeds seed .. seed + samples − 1 (default 4, at most 16) */
  samples?: number;
  /** error (8-bit units) shown as full red; default: the error map's 99th percentile */
  scale?: number;
}

export interface AnomalyResult {
  /** Turbo-coloured error map */
  heatmapPng: Buffer;
  /** the heatmap over the greyed input, half and half */
  overlayPng: Buffer;
  /** the mean reconstruction */
  reconstructionPng: Buffer;
  /** width·height errors, RMS over RGB in 8-bit units */
  errors: Float32Array;
  width: number;
  height: number;
  /** mean error (8-bit units) */
  score: number;
  p99: number;
  max: number;
  scale: number;
  strength: number;
  seeds: number[];
  provider: ProviderId;
  warnings: string[];
}

function errorMap(input: Rgb8Image, reconstructions: readonly Rgb8Image[]): { mean: Rgb8Image; errors: Float32Array } {
  const n = input.width * input.height;
  const errors = new Float32Array(n);
  const mean = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < 3; c++) {
      let acc = 0;
      for (const r of reconstructions) acc += r.data[i * 3 + c];
      const avg = acc / reconstructions.length;
      mean[i * 3 + c] = Math.round(avg);
      s += (input.data[i * 3 + c] - avg) ** 2;
    }
    errors[i] = Math.sqrt(s / 3);
  }
  return { mean: { width: input.width, height: input.height, data: mean }, errors };
}

function overlay(input: Rgb8Image, heat: Rgb8Image): Rgb8Image {
  const data = new Uint8Array(input.data.length);
  for (let i = 0; i < input.width * input.height; i++) {
    const grey = 0.299 * input.data[i * 3] + 0.587 * input.data[i * 3 + 1] + 0.114 * input.data[i * 3 + 2];
    for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.round(0.5 * grey + 0.5 * heat.data[i * 3 + c]);
  }
  return { width: input.width, height: input.height, data };
}

export async function anomalyMap(params: AnomalyParams, opts: EditOptions = {}): Promise<AnomalyResult> {
  const strength = checkStrength(params.strength, 0.3);
  if (strength === 0) throw new EngineError('BAD_INPUT', 'an anomaly map needs a strength above 0 (0.2 to 0.5 works well): at 0 nothing is reconstructed');
  const fit = checkFit(params.fit);
  const samples = params.samples ?? 4;
  if (!Number.isInteger(samples) || samples < 1 || samples > MAX_BATCH_SIZE) {
    throw new EngineError('BAD_INPUT', `samples must be a whole number from 1 to ${MAX_BATCH_SIZE}, got ${String(params.samples)}`);
  }
  if (params.scale !== undefined && !(params.scale > 0)) throw new EngineError('BAD_INPUT', `heatmap scale must be a positive error in 8-bit units, got ${params.scale}`);
  const seed = params.seed === undefined || params.seed === -1 ? randomInt(0, MAX_SEED + 1) : params.seed;
  const base = { ...params, prompt: params.prompt ?? '', cfgScale: params.cfgScale ?? 1, seed, batchSize: samples, batchCount: 1 };
  const checked = checkTxt2ImgParams(base);
  const cache = opts.cache ?? new PipelineCache();
  try {
    const input = await readImage(params.image, { maxPixels: params.maxPixels });
    const model = await cache.model(checked.modelDir, checked.provider, opts.signal);
    const size = workSize(input.rgb, model.info, checked.width, checked.height);
    const fitted = await fitImage(input.rgb, size.width, size.height, fit);
    const pr = await prepare({ ...base, ...size }, cache, opts);
    if (params.prompt === undefined) dropEmptyPromptWarning(pr);
    pr.sigmas = sigmasForStrength(pr.sigmas, strength);
    pr.init = await encodeRgb8(model, fitted);
    let reconstructions: Rgb8Image[] = [];
    let seeds: number[] = [];
    await sampleAll(pr, opts, async (latents, s) => {
      seeds = s;
      reconstructions = await decodeEach(model, latents, opts.signal);
    });
    const { mean, errors } = errorMap(fitted, reconstructions);
    const p99 = quantile(errors, 0.99);
    let max = 0;
    let sum = 0;
    for (const e of errors) {
      max = Math.max(max, e);
      sum += e;
    }
    const scale = params.scale ?? (p99 > 0 ? p99 : 1);
    const heat = heatmapRgb8(errors, fitted.width, fitted.height, scale);
    return {
      heatmapPng: await encodePng(heat),
      overlayPng: await encodePng(overlay(fitted, heat)),
      reconstructionPng: await encodePng(mean),
      errors,
      width: fitted.width,
      height: fitted.height,
      score: sum / errors.length,
      p99,
      max,
      scale,
      strength,
      seeds,
      provider: model.provider,
      warnings: pr.warnings,
    };
  } finally {
    if (!opts.cache) await cache.dispose();
  }
}
