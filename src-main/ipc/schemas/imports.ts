/** Bringing checkpoints and LoRAs in: Models → Import (a .safetensors checkpoint) and the LoRA list. */
import { z } from 'zod';
import { ApiErrorSchema } from './common.ts';

export const ImportIdSchema = z.string().regex(/^import-[a-z0-9-]{1,40}$/);

export const ModelsImportRequestSchema = z.object({
  /** the checkpoint's path on this machine */
  file: z.string().min(1).max(4096),
  /** folder name (default: the file name without extension) */
  name: z.string().min(1).max(80).optional(),
  family: z.enum(['sd1', 'sd2', 'sdxl']).optional(),
  prediction: z.enum(['epsilon', 'v_prediction']).optional(),
  fp16: z.boolean().optional(),
}).strict();
export const ModelsImportResponseSchema = z.object({ importId: ImportIdSchema });
export const ImportIdRequestSchema = z.object({ importId: ImportIdSchema }).strict();
export const ModelsImportCancelResponseSchema = z.object({ cancelled: z.boolean() });

export const ImportProgressEventSchema = z.object({
  importId: ImportIdSchema,
  stage: z.enum(['checking', 'writing', 'finishing']),
  /** bytes of weights converted, of total */
  done: z.number().nonnegative(),
  total: z.number().nonnegative(),
});
export const ImportDoneEventSchema = z.object({
  importId: ImportIdSchema,
  name: z.string(),
  /** the new model's id (its folder) */
  model: z.string(),
  family: z.string(),
  prediction: z.enum(['epsilon', 'v_prediction']),
  inpainting: z.boolean(),
  warnings: z.array(z.string()),
});
export const ImportErrorEventSchema = z.object({
  importId: ImportIdSchema,
  error: ApiErrorSchema,
  cancelled: z.boolean(),
});

export const LorasListSchema = z.object({
  /** the folder a prompt's <lora:NAME:weight> looks in */
  dir: z.string(),
  loras: z.array(z.object({ name: z.string() })),
});
