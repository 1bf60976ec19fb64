/**
 * The reverse-process viewer's engine side: opens a saved recording (.rvrec beside a gallery item)
 * and renders, for every step, cheap linear previews of
 *   x_t  the noisy latent the UNet saw (DDPM scaling x/√(σ² + 1), see pipelines/preview.ts),
 *   x̂₀   the model's estimate of the clean latent,
 *   ε̂    the noise the model thinks is in x_t: ε̂ = (x_t − x̂₀)/σ̂ (x_t in k-diffusion scaling x₀ + σ·ε);
 * and full VAE decodes of one step on demand. Previews need only the model folder's latent→RGB
 * factors (no ONNX session); decodes load the model through the engine's cache.
 */
import { stat } from 'node:fs/promises';
import type { Rgb8Image } from '../imageio/convert.ts';
import { encodePng } from '../imageio/png.ts';
import { FAMILIES } from '../models/families.ts';
import { readModelFolder } from '../models/folder.ts';
import type { PipelineCache } from '../pipelines/cache.ts';
import { decodeStep, latentItem, previewRgb8 } from '../pipelines/preview.ts';
import type { PreviewFactors } from '../pipelines/preview.ts';
import { deserializeRecording } from '../pipelines/record.ts';
import type { Recording } from '../pipelines/record.ts';
import type { ProviderPreference } from '../runtime/ort.ts';
import { readRegularFile } from '../regular-file.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';

export type StepKind = 'x' | 'denoised' | 'noise';
export const STEP_KINDS: readonly StepKind[] = ['x', 'denoised', 'noise'];

export interface RecordingViewInput {
  /** the .rvrec file */
  file: string;
  /** the model folder that made it (for its latent→RGB factors); null or missing: the SD default */
  modelDir: string | null;
}

export interface RecordedStepView {
  i: number;
  sigma: number;
  sigmaHat: number;
  t: number;
  /** PNG data URLs at latent resolution */
  x: string;
  denoised: string;
  noise: string;
}

export interface RecordingView {
  /** [1, C, h, w] */
  dims: number[];
  sigmas: number[];
  steps: RecordedStepView[];
  meta: Record<string, string | number | boolean | number[]>;
  /** where the preview colours come from */
  factors: 'model' | 'default';
}

/** Recordings read from disk, the last few kept (the viewer asks for decodes and exports of the one it shows). */
export class RecordingStore {
  private readonly kept = new Map<string, { mtimeMs: number; rec: Recording }>();

  constructor(private readonly keep = 4) {}

  async load(file: string): Promise<Recording> {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(file)).mtimeMs;
    } catch {
      throw new EngineError('BAD_INPUT', `the recording ${file} is missing (results made before recordings existed, or from an older version, have none)`);
    }
    const hit = this.kept.get(file);
    if (hit && hit.mtimeMs === mtimeMs) return hit.rec;
    const rec = deserializeRecording(await readRegularFile(file));
    this.kept.delete(file);
    this.kept.set(file, { mtimeMs, rec });
    while (this.kept.size > this.keep) this.kept.delete(this.kept.keys().next().value as string);
    return rec;
  }
}

/** The latent→RGB factors of a model folder without loading it (reverie folders carry their own). */
export async function folderPreviewFactors(modelDir: string | null, channels: number): Promise<{ factors: PreviewFactors; from: 'model' | 'default' }> {
  if (modelDir !== null) {
    const { facts } = await readModelFolder(modelDir);
    if (facts?.reverie) return { factors: { weights: facts.reverie.latentRgbFactors, bias: facts.reverie.latentRgbBias }, from: 'model' };
    if (facts) return { factors: FAMILIES[facts.family].previewFactors, from: 'model' };
  }
  const fallback = FAMILIES.sd1.previewFactors;
  if (fallback.weights.length !== channels) {
    throw new EngineError('MODEL_NOT_FOUND', `the model that made this recording is not available, and its ${channels}-channel latents cannot be previewed without it; add the model folder back`);
  }
  return { factors: fallback, from: 'default' };
}

/** ε̂ = (x − x̂₀)/σ̂ of one recorded step, [1, C, h, w]. */
export function predictedNoise(x: F32Tensor, denoised: F32Tensor, sigmaHat: number): F32Tensor {
  const data = new Float32Array(x.data.length);
  const inv = sigmaHat > 0 ? 1 / sigmaHat : 0;
  for (let i = 0; i < data.length; i++) data[i] = (x.data[i] - denoised.data[i]) * inv;
  return { dtype: 'float32', dims: [...x.dims], data };
}

/** Linear preview of one kind of one step. */
export function stepPreview(rec: Recording, step: number, kind: StepKind, factors: PreviewFactors): Rgb8Image {
  const s = rec.steps[step];
  if (!s) throw new EngineError('BAD_INPUT', `step ${step} is not in the recording (it has steps 0 to ${rec.steps.length - 1})`);
  if (kind === 'x') return previewRgb8(s.x, factors, 0, s.sigmaHat);
  if (kind === 'denoised') return previewRgb8(s.denoised, factors, 0);
  return previewRgb8(predictedNoise(latentItem(s.x), latentItem(s.denoised), s.sigmaHat), factors, 0);
}

const dataUrl = (png: Buffer): string => `data:image/png;base64,${png.toString('base64')}`;

export async function recordingView(input: RecordingViewInput, store: RecordingStore): Promise<RecordingView> {
  const rec = await store.load(input.file);
  const { factors, from } = await folderPreviewFactors(input.modelDir, rec.dims[1] ?? 4);
  const steps: RecordedStepView[] = [];
  for (const [k, s] of rec.steps.entries()) {
    const [x, denoised, noise] = await Promise.all(STEP_KINDS.map(async (kind) => dataUrl(await encodePng(stepPreview(rec, k, kind, factors)))));
    steps.push({ i: s.i, sigma: s.sigma, sigmaHat: s.sigmaHat, t: s.t, x, denoised, noise });
  }
  const meta = Object.fromEntries(Object.entries(rec.meta).map(([key, v]) => [key, Array.isArray(v) ? [...(v as readonly number[])] : v])) as RecordingView['meta'];
  return { dims: [...rec.dims], sigmas: [...rec.sigmas], steps, meta, factors: from };
}

export interface DecodeStepInput {
  file: string;
  modelDir: string;
  provider: ProviderPreference;
  step: number;
  kind: 'x' | 'denoised';
}

/** Full VAE decode of one recorded step, as a PNG data URL at image resolution. */
export async function decodeRecordedStep(input: DecodeStepInput, store: RecordingStore, cache: PipelineCache, signal?: AbortSignal): Promise<{ url: string; width: number; height: number }> {
  const rec = await store.load(input.file);
  if (!rec.steps[input.step]) throw new EngineError('BAD_INPUT', `step ${input.step} is not in the recording (it has steps 0 to ${rec.steps.length - 1})`);
  const model = await cache.model(input.modelDir, input.provider, signal);
  const rgb = await decodeStep(model, rec, input.step, input.kind);
  return { url: dataUrl(await encodePng(rgb)), width: rgb.width, height: rgb.height };
}
