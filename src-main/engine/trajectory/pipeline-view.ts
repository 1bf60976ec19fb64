/**
 * The Process tab's Pipeline view, engine side: one captured run (pipeline-capture.ts) summarised per
 * stage — tokens, text embeddings, sigma schedule, latents per step, guidance split, VAE decode — each
 * with its real tensors' shapes and statistics and small pictures (PNG data URLs). Plain data, so it
 * crosses the engine host as it is.
 */
import { pixelsToRgb8 } from '../imageio/convert.ts';
import { quantile } from '../imageio/heatmap.ts';
import type { ListedToken } from '../models/token-listing.ts';
import type { PipelineCache } from '../pipelines/cache.ts';
import type { F32Tensor } from '../types.ts';
import { capturePipeline } from './pipeline-capture.ts';
import { runFacts } from './run-facts.ts';
import type { RunFacts } from './run-facts.ts';
import type { CapturedPipeline, PipelineParams } from './pipeline-capture.ts';
import { guidanceStep, latentStep, shownSteps } from './pipeline-steps.ts';
import type { GuidanceStepView, LatentStepView } from './pipeline-steps.ts';
import { dataUrl, signedRgb8, summarize } from './tensor-summary.ts';
import type { TensorSummary } from './tensor-summary.ts';

export type { PipelineParams } from './pipeline-capture.ts';

/** The embedding heatmap keeps at most this many feature columns (each the mean of a run of features). */
const HEATMAP_COLUMNS = 192;

export interface PipelineViewResult {
  run: RunFacts;
  tokens: {
    /** the encoder's window (77 for CLIP) and how many windows the model takes */
    length: number;
    maxChunks: number;
    rows: ListedToken[][];
    tokenCount: number;
    cut: { id: number; text: string }[];
    negative: { tokenCount: number; rows: number; cut: number } | null;
    tensors: TensorSummary[];
  };
  embeddings: {
    length: number;
    width: number;
    /** rows = token positions, columns = features (binned), Turbo on ±scale */
    heatmap: string;
    heatmapColumns: number;
    scale: number;
    norms: number[];
    negativeNorms: number[] | null;
    tensors: TensorSummary[];
  };
  schedule: { sigmas: number[]; timesteps: (number | null)[]; sigmaMin: number; sigmaMax: number; tensors: TensorSummary[] };
  latents: { channels: number; height: number; width: number; stepCount: number; steps: LatentStepView[]; tensors: TensorSummary[] };
  guidance: { scale: number; split: boolean; steps: GuidanceStepView[] };
  decode: { scalingFactor: number; vaeFactor: number; image: string; width: number; height: number; tensors: TensorSummary[] };
}

/** Per-token L2 norm of [1, L, H]. */
function tokenNorms(t: F32Tensor): number[] {
  const [, length, width] = t.dims;
  return Array.from({ length }, (_, r) => {
    let sq = 0;
    for (let k = r * width; k < (r + 1) * width; k++) sq += t.data[k] ** 2;
    return Math.sqrt(sq);
  });
}

/** [1, L, H] → L × columns of means over runs of features, with the colour scale (99th percentile of |v|). */
function binnedFeatures(t: F32Tensor): { values: Float32Array; columns: number; scale: number } {
  const [, length, width] = t.dims;
  const columns = Math.min(width, HEATMAP_COLUMNS);
  const values = new Float32Array(length * columns);
  for (let r = 0; r < length; r++) {
    for (let c = 0; c < columns; c++) {
      const from = Math.floor((c * width) / columns);
      const to = Math.floor(((c + 1) * width) / columns);
      let sum = 0;
      for (let k = from; k < to; k++) sum += t.data[r * width + k];
      values[r * columns + c] = sum / (to - from);
    }
  }
  const scale = quantile(values.map(Math.abs), 0.99) || 1;
  return { values, columns, scale };
}

function idsTensor(rows: readonly ListedToken[][]): { dims: number[]; data: number[]; dtype: string } {
  return { dims: [rows.length, rows[0]?.length ?? 0], data: rows.flatMap((r) => r.map((t) => t.id)), dtype: 'int32' };
}

function scaled(t: F32Tensor, by: number): F32Tensor {
  return { dtype: 'float32', dims: [...t.dims], data: t.data.map((v) => v * by) };
}

export async function summarizePipeline(c: CapturedPipeline): Promise<PipelineViewResult> {
  const { pr } = c;
  const { model, p } = pr;
  const factors = model.info.previewFactors;
  const heat = binnedFeatures(pr.cond);
  const [, length, width] = pr.cond.dims;
  const shown = shownSteps(c.steps.length).map((k) => c.steps[k]);
  const guided = c.steps.some((s) => s.split !== null);
  const [rgb] = pixelsToRgb8(c.pixels);
  const sigmas = Array.from(pr.sigmas);
  const first = c.steps[0];
  return {
    run: runFacts(pr),
    tokens: {
      length: model.tokenizer.maxLength,
      maxChunks: model.info.maxPromptChunks,
      rows: c.tokens.rows,
      tokenCount: c.tokens.tokenCount,
      cut: c.tokens.cut,
      negative: c.negativeTokens ? { tokenCount: c.negativeTokens.tokenCount, rows: c.negativeTokens.rows.length, cut: c.negativeTokens.cut.length } : null,
      tensors: [summarize('input_ids of the prompt', idsTensor(c.tokens.rows)), ...(c.negativeTokens ? [summarize('input_ids of the negative prompt', idsTensor(c.negativeTokens.rows))] : [])],
    },
    embeddings: {
      length,
      width,
      heatmap: await dataUrl(signedRgb8(heat.values, heat.columns, length, heat.scale)),
      heatmapColumns: heat.columns,
      scale: heat.scale,
      norms: tokenNorms(pr.cond),
      negativeNorms: pr.uncond ? tokenNorms(pr.uncond) : null,
      tensors: [summarize('prompt embedding (cond)', pr.cond), ...(pr.uncond ? [summarize('negative prompt embedding (uncond)', pr.uncond)] : [])],
    },
    schedule: {
      sigmas,
      timesteps: sigmas.map((s) => (s > 0 ? model.discrete.sigmaToT(s) : null)),
      sigmaMin: model.discrete.sigmaMin,
      sigmaMax: model.discrete.sigmaMax,
      tensors: [summarize('sigmas', { dims: [sigmas.length], data: sigmas, dtype: 'float64' })],
    },
    latents: {
      channels: c.latents.dims[1],
      height: c.latents.dims[2],
      width: c.latents.dims[3],
      stepCount: c.steps.length,
      steps: await Promise.all(shown.map((s) => latentStep(s, factors))),
      tensors: [...(first ? [summarize('initial noise x_T = σ_max · ε', first.x)] : []), summarize('final latents z₀', c.latents)],
    },
    guidance: {
      scale: p.cfgScale,
      split: guided,
      steps: (await Promise.all(shown.map((s) => guidanceStep(s, factors)))).filter((g): g is GuidanceStepView => g !== null),
    },
    decode: {
      scalingFactor: model.info.scalingFactor,
      vaeFactor: model.info.vaeFactor,
      image: await dataUrl(rgb),
      width: rgb.width,
      height: rgb.height,
      tensors: [
        summarize('latents z₀', c.latents),
        summarize(`decoder input z₀ / ${model.info.scalingFactor}`, scaled(c.latents, 1 / model.info.scalingFactor)),
        summarize('decoded pixels (−1 … 1)', c.pixels),
      ],
    },
  };
}

export async function pipelineView(params: PipelineParams, cache: PipelineCache, signal?: AbortSignal): Promise<PipelineViewResult> {
  return summarizePipeline(await capturePipeline(params, cache, signal));
}
