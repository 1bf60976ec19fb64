import { z } from 'zod';
import { promptText } from './prompt.ts';
import { ProviderPreferenceSchema, ScheduleIdSchema, SdeNoiseSchema } from './common.ts';

const MAX_SEED = 4294967295; // seeds are uint32, as in A1111

/**
 * Text to image parameters. Defaults follow A1111; cfgScale, steps, sampler, schedule, width and
 * height may be left out to get the model's own defaults (its size; for guidance-distilled turbo
 * models CFG 1 and 1 step). `seed: -1` means "pick one": the host resolves it before queueing, so
 * the queue and the gallery always show the real seed.
 */
/** Hires fix: upscale the result and refine it with a second image-to-image pass (A1111's fields). */
export const HiresSchema = z
  .object({
    /** the final size is the base size times this */
    scale: z.number().min(1).max(4),
    /** second-pass denoising strength */
    denoise: z.number().min(0).max(1),
    /** second-pass steps; 0: the base step count */
    steps: z.int().min(0).max(150).optional(),
    upscaler: z.enum(['latent', 'lanczos']).optional(),
  })
  .strict();

const conditioningSide = (what: string) =>
  z.int(`${what} must be a whole number of pixels`).min(1, `${what} must be at least 1 pixel`).max(16384, `${what} must be at most 16384 pixels`);
const cropOffset = (what: string) =>
  z.int(`${what} must be a whole number of pixels`).min(0, `${what} must be 0 or more (0, 0 is an uncropped picture)`).max(16384, `${what} must be at most 16384 pixels`);

/**
 * SDXL's size conditioning (engine/imageio/sdxl-size.ts; diffusers' `_get_add_time_ids`): what the UNet
 * is told about the picture's original size, crop and target size. Each left out takes its default:
 * the image's own size, crop 0, 0. Ignored, with a warning, for models that are not SDXL.
 */
export const SizeConditioningSchema = z
  .object({
    originalSize: z.object({ width: conditioningSide('original width'), height: conditioningSide('original height') }).strict().optional(),
    cropTopLeft: z.object({ x: cropOffset('crop x'), y: cropOffset('crop y') }).strict().optional(),
    targetSize: z.object({ width: conditioningSide('target width'), height: conditioningSide('target height') }).strict().optional(),
  })
  .strict();

export const Txt2ImgParamsSchema = z.object({
  /** a model id from models.list (the folder's path) */
  model: z.string().min(1, 'choose a model (models.list gives the ids)'),
  prompt: promptText('prompt'),
  negativePrompt: promptText('negative prompt').default(''),
  cfgScale: z.number().min(0).max(100).optional(),
  steps: z.int().min(1).max(1000).optional(),
  /** a sampler id or A1111 label/alias from engine.samplers */
  sampler: z.string().min(1).optional(),
  /** the SDE samplers' noise (engine.samplers' sdeNoise); the other samplers ignore it */
  sdeNoise: SdeNoiseSchema.optional(),
  schedule: ScheduleIdSchema.optional(),
  seed: z.int().min(-1).max(MAX_SEED).default(-1),
  width: z.int().min(64).max(4096).multipleOf(8).optional(),
  height: z.int().min(64).max(4096).multipleOf(8).optional(),
  /** images per engine run (batched through the UNet) */
  batchSize: z.int().min(1).max(16).default(1),
  /** runs, each with the next seed */
  batchCount: z.int().min(1).max(100).default(1),
  provider: ProviderPreferenceSchema.default('auto'),
  /** text to image only (edit jobs have their own strength) */
  hires: HiresSchema.optional(),
  /** SDXL only: original size, crop top-left and target size (the image's size and 0, 0 when left out) */
  sizeConditioning: SizeConditioningSchema.optional(),
});
