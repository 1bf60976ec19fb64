/**
 * The Pipeline view's per-step stages: the latents at each shown step (a colour preview and every
 * channel in grey) and the guidance split at each shown step (the model's x̂₀ without and with the
 * prompt, their difference, the difference times the CFG scale, and the guided x̂₀), as small images
 * at latent resolution with the real tensors' statistics.
 */
import { heatmapRgb8 } from '../imageio/heatmap.ts';
import { previewRgb8 } from '../pipelines/preview.ts';
import type { PreviewFactors } from '../pipelines/preview.ts';
import type { F32Tensor } from '../types.ts';
import type { CapturedStep } from './pipeline-capture.ts';
import { absMax, channelNorm, dataUrl, greyRgb8, summarize, valueStats } from './tensor-summary.ts';
import type { TensorSummary, ValueStats } from './tensor-summary.ts';

/** At most this many steps are shown (evenly spread, first and last always). */
export const MAX_SHOWN_STEPS = 30;

export interface LatentStepView {
  i: number;
  sigma: number;
  /** x_t through the model's latent → RGB factors (DDPM scaling x/√(σ² + 1), as the UNet is fed) */
  preview: string;
  /** x̂₀ the same way */
  denoised: string;
  /** one grey picture per channel, each stretched to its own min … max */
  channels: string[];
  channelStats: ValueStats[];
  x: TensorSummary;
}

export interface GuidanceStepView {
  i: number;
  sigma: number;
  uncond: string;
  cond: string;
  /** ‖cond − uncond‖ per pixel (over channels), Turbo, on the same scale as `scaled` */
  difference: string;
  /** ‖scale·(cond − uncond)‖ per pixel */
  scaled: string;
  guided: string;
  /** the colour scale of `difference` and `scaled` (the largest ‖scale·(cond − uncond)‖) */
  heatScale: number;
  tensors: TensorSummary[];
}

/** The step indices shown: all of them, or MAX_SHOWN_STEPS spread evenly with the first and last. */
export function shownSteps(count: number, max = MAX_SHOWN_STEPS): number[] {
  if (count <= max) return Array.from({ length: count }, (_, k) => k);
  return [...new Set(Array.from({ length: max }, (_, k) => Math.round((k * (count - 1)) / (max - 1))))];
}

function sub(a: F32Tensor, b: F32Tensor, scale = 1): F32Tensor {
  const data = new Float32Array(a.data.length);
  for (let k = 0; k < data.length; k++) data[k] = scale * (a.data[k] - b.data[k]);
  return { dtype: 'float32', dims: [...a.dims], data };
}

export async function latentStep(s: CapturedStep, factors: PreviewFactors): Promise<LatentStepView> {
  const [, c, h, w] = s.x.dims;
  const plane = h * w;
  const channels: string[] = [];
  const channelStats: ValueStats[] = [];
  for (let k = 0; k < c; k++) {
    const values = s.x.data.subarray(k * plane, (k + 1) * plane);
    const stats = valueStats(values);
    channelStats.push(stats);
    channels.push(await dataUrl(greyRgb8(values, w, h, stats.min, stats.max)));
  }
  return {
    i: s.i,
    sigma: s.sigma,
    preview: await dataUrl(previewRgb8(s.x, factors, 0, s.sigmaHat)),
    denoised: await dataUrl(previewRgb8(s.denoised, factors, 0)),
    channels,
    channelStats,
    x: summarize(`x_t at step ${s.i + 1}`, s.x),
  };
}

export async function guidanceStep(s: CapturedStep, factors: PreviewFactors): Promise<GuidanceStepView | null> {
  const split = s.split;
  if (!split) return null;
  const [, c, h, w] = split.cond.dims;
  const diff = sub(split.cond, split.uncond);
  const scaled = sub(split.cond, split.uncond, split.scale);
  const diffNorm = channelNorm(diff.data, c, h * w);
  const scaledNorm = channelNorm(scaled.data, c, h * w);
  const heatScale = absMax(scaledNorm);
  return {
    i: s.i,
    sigma: split.sigma,
    uncond: await dataUrl(previewRgb8(split.uncond, factors, 0)),
    cond: await dataUrl(previewRgb8(split.cond, factors, 0)),
    difference: await dataUrl(heatmapRgb8(diffNorm, w, h, heatScale)),
    scaled: await dataUrl(heatmapRgb8(scaledNorm, w, h, heatScale)),
    guided: await dataUrl(previewRgb8(split.guided, factors, 0)),
    heatScale,
    tensors: [
      summarize('x̂₀ without the prompt (uncond)', split.uncond),
      summarize('x̂₀ with the prompt (cond)', split.cond),
      summarize('cond − uncond', diff),
      summarize(`${split.scale} · (cond − uncond)`, scaled),
      summarize('guided x̂₀ = uncond + scale · (cond − uncond)', split.guided),
    ],
  };
}
