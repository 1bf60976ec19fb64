import { z } from 'zod';
import { ScheduleIdSchema, SdeNoiseSchema } from './common.ts';
import { SizeConditioningSchema } from './txt2img.ts';

/** Images read by images.readParameters may be this large (decoded bytes). */
export const MAX_IMAGE_BYTES = 32 * 1024 * 1024;
/** …which is this many base64 characters. */
export const MAX_IMAGE_BASE64 = Math.ceil(MAX_IMAGE_BYTES / 3) * 4;

/**
 * An image sent with a call: its bytes as base64 (no `data:` prefix), and its file name for
 * messages. Used by images.readParameters; edit pipelines can take the same shape.
 */
export const ImageUploadSchema = z
  .object({
    data: z
      .string()
      .min(1, 'the image is empty')
      .max(MAX_IMAGE_BASE64, `images are limited to ${MAX_IMAGE_BYTES / 1024 / 1024} MiB`)
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'data must be base64 without a data: prefix'),
    name: z.string().max(500).optional(),
  })
  .strict();

/** Generation parameters read from an image, in Reverie's vocabulary (engine/imageio/read-parameters.ts). */
export const ImageParametersSchema = z.object({
  /** who wrote them; Reverie writes A1111's format */
  source: z.enum(['a1111', 'comfyui', 'invokeai']),
  prompt: z.string(),
  negativePrompt: z.string(),
  steps: z.int().min(1).max(1000).optional(),
  /** a sampler id from engine.samplers, when the writer's sampler exists here */
  sampler: z.string().optional(),
  /** the sampler as the writer named it */
  samplerName: z.string().optional(),
  schedule: ScheduleIdSchema.optional(),
  scheduleName: z.string().optional(),
  /** for a sampler that takes it: Reverie's "SDE noise: Brownian", else the per-step Gaussian draws */
  sdeNoise: SdeNoiseSchema.optional(),
  cfgScale: z.number().min(0).max(100).optional(),
  seed: z.int().min(0).max(4294967295).optional(),
  width: z.int().min(64).max(4096).multipleOf(8).optional(),
  height: z.int().min(64).max(4096).multipleOf(8).optional(),
  /** the model name as written (a checkpoint name or a Reverie model folder name) */
  model: z.string().optional(),
  /** A1111's hires fix fields, read back */
  hires: z.object({ scale: z.number().min(1).max(4), denoise: z.number().min(0).max(1), steps: z.int().min(1).max(150).optional(), upscaler: z.enum(['latent', 'lanczos']) }).optional(),
  /** SDXL's size conditioning ("SDXL original size", "SDXL crop top-left", "SDXL target size") */
  sizeConditioning: SizeConditioningSchema.optional(),
  /** every other setting, as text */
  extra: z.record(z.string(), z.string()),
});

export const ReadParametersResponseSchema = z.object({
  format: z.enum(['png', 'jpeg', 'webp', 'gif', 'unknown']),
  width: z.int().min(1).optional(),
  height: z.int().min(1).optional(),
  /** null when the image carries no parameters Reverie can read */
  parameters: ImageParametersSchema.nullable(),
  /** what could not be carried over, in plain words */
  notes: z.array(z.string()),
});
