import { z } from 'zod';
import { Txt2ImgParamsSchema } from './txt2img.ts';

/**
 * The Process tab's Pipeline view (process.pipeline): one text-to-image run with every stage kept —
 * tokens, text embeddings, sigmas, latents per step, the guidance split, the VAE decode — each with its
 * real tensors' shapes and statistics (engine/trajectory/pipeline-view.ts).
 */

export const ProcessPipelineRequestSchema = Txt2ImgParamsSchema.omit({ batchSize: true, batchCount: true, hires: true })
  .extend({
    /** the view shows every step up to 30, then 30 spread evenly; runs stay short */
    steps: z.int().min(1).max(150).optional(),
    /** the caller's name for this call, so process.cancel can stop it */
    requestId: z.string().min(1).max(64).optional(),
  })
  .strict();

export const TensorSummarySchema = z.object({
  name: z.string(),
  dims: z.array(z.int()),
  dtype: z.string(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  std: z.number(),
});

const ValueStatsSchema = TensorSummarySchema.pick({ min: true, max: true, mean: true, std: true });

export const PipelineTokenSchema = z.object({
  id: z.int(),
  text: z.string(),
  role: z.enum(['bos', 'token', 'eos', 'pad']),
  weight: z.number(),
});

const LatentStepSchema = z.object({
  i: z.int(),
  sigma: z.number(),
  preview: z.string(),
  denoised: z.string(),
  channels: z.array(z.string()),
  channelStats: z.array(ValueStatsSchema),
  x: TensorSummarySchema,
});

const GuidanceStepSchema = z.object({
  i: z.int(),
  sigma: z.number(),
  uncond: z.string(),
  cond: z.string(),
  difference: z.string(),
  scaled: z.string(),
  guided: z.string(),
  heatScale: z.number(),
  tensors: z.array(TensorSummarySchema),
});

/** what a process view's run was, defaults filled in (the seed drawn when the request said −1) */
export const RunFactsSchema = z.object({
  model: z.string(),
  seed: z.int(),
  steps: z.int(),
  cfgScale: z.number(),
  sampler: z.string(),
  schedule: z.string(),
  width: z.int(),
  height: z.int(),
  warnings: z.array(z.string()),
});

export const ProcessPipelineSchema = z.object({
  run: RunFactsSchema,
  tokens: z.object({
    length: z.int(),
    maxChunks: z.int(),
    rows: z.array(z.array(PipelineTokenSchema)),
    tokenCount: z.int(),
    cut: z.array(z.object({ id: z.int(), text: z.string() })),
    negative: z.object({ tokenCount: z.int(), rows: z.int(), cut: z.int() }).nullable(),
    tensors: z.array(TensorSummarySchema),
  }),
  embeddings: z.object({
    length: z.int(),
    width: z.int(),
    heatmap: z.string(),
    heatmapColumns: z.int(),
    scale: z.number(),
    norms: z.array(z.number()),
    negativeNorms: z.array(z.number()).nullable(),
    tensors: z.array(TensorSummarySchema),
  }),
  schedule: z.object({ sigmas: z.array(z.number()), timesteps: z.array(z.number().nullable()), sigmaMin: z.number(), sigmaMax: z.number(), tensors: z.array(TensorSummarySchema) }),
  latents: z.object({ channels: z.int(), height: z.int(), width: z.int(), stepCount: z.int(), steps: z.array(LatentStepSchema), tensors: z.array(TensorSummarySchema) }),
  guidance: z.object({ scale: z.number(), split: z.boolean(), steps: z.array(GuidanceStepSchema) }),
  decode: z.object({ scalingFactor: z.number(), vaeFactor: z.int(), image: z.string(), width: z.int(), height: z.int(), tensors: z.array(TensorSummarySchema) }),
});
