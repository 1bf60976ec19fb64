import { z } from 'zod';
import { ProcessPipelineRequestSchema, RunFactsSchema } from './pipeline.ts';

/**
 * The Process tab's Attention view (process.attention): one text-to-image run whose cross-attention
 * probabilities are aggregated into one heatmap per prompt token (DAAM: Tang et al., 2022, "What the
 * DAAM: Interpreting Stable Diffusion Using Cross Attention"; engine/trajectory/attention-view.ts).
 * Models whose UNet does not expose attention answer with the reason instead.
 */

/** the Generate form's settings (one image), cancellable by requestId like process.pipeline */
export const ProcessAttentionRequestSchema = ProcessPipelineRequestSchema;

export const AttentionTokenSchema = z.object({
  /** position in the text context (BOS is 0) */
  slot: z.int(),
  text: z.string(),
  /** Turbo heatmap PNG data URL at the latent size, normalised to the token's maximum */
  map: z.string(),
  /** the same map's values in [0, 1], row-major, mapHeight × mapWidth */
  values: z.array(z.number()),
});

export const ProcessAttentionSchema = z.discriminatedUnion('supported', [
  z.object({ supported: z.literal(false), model: z.string(), reason: z.string() }),
  z.object({
    supported: z.literal(true),
    run: RunFactsSchema,
    image: z.string(),
    mapWidth: z.int(),
    mapHeight: z.int(),
    tokens: z.array(AttentionTokenSchema),
    /** cross-attention layers per UNet call, UNet calls aggregated, layer maps summed, their spatial sizes */
    layers: z.int(),
    calls: z.int(),
    maps: z.int(),
    layerSizes: z.array(z.string()),
  }),
]);
