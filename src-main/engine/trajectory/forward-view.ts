/**
 * The forward viewer and the schedule plot, engine side: frames of x_t = x₀ + σ·ε for a list of
 * timesteps (pipelines/forward.ts, shown in DDPM scaling √ᾱ·x₀ + √(1 − ᾱ)·ε so the picture fades
 * into noise instead of saturating), a model's sigma / ᾱ / log-SNR curves and the sigmas a schedule
 * visits (pipelines/curves.ts, read from the folder's scheduler config — no ONNX session), a check of
 * an uploaded image (size, format, alpha, estimated noise), and the anomaly map.
 */
import { readImage } from '../imageio/input.ts';
import type { FitMode } from '../imageio/input.ts';
import { estimateNoiseSigma } from '../imageio/noise.ts';
import { readModelFolder } from '../models/folder.ts';
import { anomalyMap } from '../pipelines/anomaly.ts';
import type { AnomalyResult } from '../pipelines/anomaly.ts';
import type { PipelineCache } from '../pipelines/cache.ts';
import { scheduleCurves, visitedSigmas } from '../pipelines/curves.ts';
import { forwardProcess } from '../pipelines/forward.ts';
import type { ProviderPreference } from '../runtime/ort.ts';
import { DiscreteSchedule } from '../schedules/discrete.ts';
import { getSchedule } from '../schedules/index.ts';
import type { ScheduleId } from '../schedules/index.ts';
import { EngineError } from '../types.ts';

const dataUrl = (png: Uint8Array): string => `data:image/png;base64,${Buffer.from(png).toString('base64')}`;

export interface ForwardInput {
  modelDir: string;
  image: string;
  t?: number[];
  sigma?: number[];
  seed: number;
  decoder: 'vae' | 'preview';
  width?: number;
  height?: number;
  fit: FitMode;
  provider: ProviderPreference;
}

export interface ForwardFrameView {
  t: number | null;
  sigma: number;
  alphaBar: number;
  /** null at sigma 0 (infinite) */
  logSnr: number | null;
  url: string;
  width: number;
  height: number;
}

export async function forwardFrames(input: ForwardInput, cache: PipelineCache, signal?: AbortSignal): Promise<{ frames: ForwardFrameView[]; seed: number; width: number; height: number }> {
  const r = await forwardProcess(
    {
      modelDir: input.modelDir,
      image: input.image,
      seed: input.seed,
      decoder: input.decoder,
      scaling: 'ddpm',
      fit: input.fit,
      provider: input.provider,
      ...(input.t ? { t: input.t } : {}),
      ...(input.sigma ? { sigma: input.sigma } : {}),
      ...(input.width === undefined ? {} : { width: input.width }),
      ...(input.height === undefined ? {} : { height: input.height }),
    },
    { cache, ...(signal ? { signal } : {}) },
  );
  return {
    seed: r.seed,
    width: r.width,
    height: r.height,
    frames: r.frames.map((f) => ({ t: f.t, sigma: f.sigma, alphaBar: f.alphaBar, logSnr: f.sigma > 0 ? -2 * Math.log(f.sigma) : null, url: dataUrl(f.png), width: f.width, height: f.height })),
  };
}

export interface CurvesInput {
  modelDir: string;
  schedule: string;
  steps: number;
  strength: number;
}

export interface CurvesView {
  /** per training timestep 0..T−1 */
  t: number[];
  sigma: number[];
  alphaBar: number[];
  logSnr: number[];
  /** the sigmas the schedule visits, ending in 0 */
  visited: { i: number; sigma: number; t: number | null; alphaBar: number }[];
  sigmaMin: number;
  sigmaMax: number;
}

export async function curves(input: CurvesInput): Promise<CurvesView> {
  const { report, facts } = await readModelFolder(input.modelDir);
  if (!facts) throw new EngineError('MODEL_INVALID', `${report.name} cannot be used: ${report.problems.join('; ')}`);
  const model = new DiscreteSchedule(facts.schedule);
  const c = scheduleCurves(model);
  const schedule = getSchedule(input.schedule).id as ScheduleId;
  return {
    t: Array.from(c.t),
    sigma: Array.from(c.sigma),
    alphaBar: Array.from(c.alphaBar),
    logSnr: Array.from(c.logSnr),
    visited: visitedSigmas(model, schedule, input.steps, input.strength).map((v) => ({ ...v })),
    sigmaMin: model.sigmaMin,
    sigmaMax: model.sigmaMax,
  };
}

export interface InspectedImage {
  width: number;
  height: number;
  format: string;
  hasAlpha: boolean;
  /** Donoho's MAD estimate of the photo's noise, 8-bit units */
  noiseSigma: number;
}

/** Checks an uploaded image as the pipelines will read it (pixel budget, decodable) and estimates its noise. */
export async function inspectImage(file: string, what: string): Promise<InspectedImage> {
  const image = await readImage(file, { what });
  return { width: image.rgb.width, height: image.rgb.height, format: image.format, hasAlpha: image.alpha !== null, noiseSigma: estimateNoiseSigma(image.rgb) };
}

export interface AnomalyInput {
  modelDir: string;
  image: string;
  prompt: string;
  strength: number;
  samples: number;
  seed: number;
  steps?: number;
  fit: FitMode;
  provider: ProviderPreference;
}

/** The anomaly map for the renderer: the pictures as PNG data URLs, the numbers as the pipeline gives them. */
export interface AnomalyView extends Pick<AnomalyResult, 'width' | 'height' | 'score' | 'p99' | 'max' | 'scale' | 'seeds'> {
  heatmapUrl: string;
  overlayUrl: string;
  reconstructionUrl: string;
}

export async function anomaly(input: AnomalyInput, cache: PipelineCache, signal?: AbortSignal): Promise<AnomalyView> {
  const r = await anomalyMap(
    { modelDir: input.modelDir, image: input.image, prompt: input.prompt, strength: input.strength, samples: input.samples, seed: input.seed, fit: input.fit, provider: input.provider, ...(input.steps === undefined ? {} : { steps: input.steps }) },
    { cache, ...(signal ? { signal } : {}) },
  );
  return {
    heatmapUrl: dataUrl(r.heatmapPng),
    overlayUrl: dataUrl(r.overlayPng),
    reconstructionUrl: dataUrl(r.reconstructionPng),
    width: r.width,
    height: r.height,
    score: r.score,
    p99: r.p99,
    max: r.max,
    scale: r.scale,
    seeds: r.seeds,
  };
}
