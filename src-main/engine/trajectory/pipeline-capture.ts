/**
 * One text-to-image run with every stage kept, for the Process tab's Pipeline view (the idea of
 * Diffusion Explainer, Lee et al., VIS 2023, on any model and live): the prompt's tokens as the encoder
 * got them, the prompt and negative-prompt embeddings, the sigmas, per step x_t and x̂₀ (k-diffusion's
 * callback), per step the first guided call's split into the model's unconditional and conditional
 * predictions (guidance/cfg.ts `onSplit`), the final latents and the VAE's pixels.
 *
 * It runs the ordinary pipeline (pipelines/run.ts prepare + sampleAll) with hooks, one image, no hires
 * pass; normal jobs never set these hooks, so they cost nothing there. Tensors are kept by reference
 * (samplers never write into tensors they have handed out).
 */
import type { GuidanceSplit } from '../guidance/cfg.ts';
import { listPromptTokens } from '../models/token-listing.ts';
import type { TokenListing } from '../models/token-listing.ts';
import type { PipelineCache } from '../pipelines/cache.ts';
import type { Txt2ImgParams } from '../pipelines/params.ts';
import { prepare, sampleAll } from '../pipelines/run.ts';
import type { Prepared } from '../pipelines/run-types.ts';
import { clone } from '../samplers/ops.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';

export type PipelineParams = Omit<Txt2ImgParams, 'batchSize' | 'batchCount' | 'hires'>;

export interface CapturedStep {
  readonly i: number;
  readonly sigma: number;
  readonly sigmaHat: number;
  /** x_t as the sampler holds it (k-diffusion scaling x₀ + σ·ε), [1, C, h, w] */
  readonly x: F32Tensor;
  /** the guided x̂₀ the sampler used at this step */
  readonly denoised: F32Tensor;
  /** the first guided model call of the step (null when CFG is off: scale 1, or no negative pass) */
  readonly split: GuidanceSplit | null;
}

export interface CapturedPipeline {
  readonly pr: Prepared;
  readonly tokens: TokenListing;
  readonly negativeTokens: TokenListing | null;
  readonly steps: CapturedStep[];
  /** the sampler's result, [1, C, h, w] */
  readonly latents: F32Tensor;
  /** the VAE decoder's output in [-1, 1], [1, 3, H, W] */
  readonly pixels: F32Tensor;
}

export async function capturePipeline(params: PipelineParams, cache: PipelineCache, signal?: AbortSignal): Promise<CapturedPipeline> {
  const opts = signal ? { signal } : {};
  const pr = await prepare({ ...params, batchSize: 1, batchCount: 1 }, cache, opts);
  const { model, p } = pr;
  const steps: CapturedStep[] = [];
  let pending: GuidanceSplit | null = null;
  let latents: F32Tensor | null = null;
  await sampleAll(
    pr,
    {
      ...opts,
      // a sampler may call the model more than once per step (Heun); the step's own call is its first
      onGuidance: (split) => {
        pending ??= split;
      },
      onStep: (info) => {
        // x is the sampler's working buffer (updated in place by the next step): kept as a copy
        steps.push({ i: info.i, sigma: info.sigma, sigmaHat: info.sigmaHat, x: clone(info.x), denoised: info.denoised, split: pending });
        pending = null;
      },
    },
    (result) => {
      latents = result;
      return Promise.resolve();
    },
  );
  if (latents === null) throw new EngineError('INTERNAL', 'the pipeline run ended without latents');
  const final: F32Tensor = latents;
  const pixels = await model.decode(final);
  const chunks = model.info.maxPromptChunks;
  return {
    pr,
    tokens: listPromptTokens(model.tokenizer, p.prompt, chunks),
    negativeTokens: pr.uncond ? listPromptTokens(model.tokenizer, p.negativePrompt, chunks) : null,
    steps,
    latents: final,
    pixels,
  };
}
