import { z } from 'zod';
import { promptText } from './prompt.ts';
import { IdSchema, ScheduleIdSchema } from './common.ts';
import { FitModeSchema, ImageRefSchema } from './edit.ts';
import { GalleryItemSchema } from './gallery.ts';
import { JobSummarySchema } from './jobs.ts';
import { Txt2ImgParamsSchema } from './txt2img.ts';

/**
 * The process viewers: the reverse process of any saved result (its recording, saved beside the
 * gallery item), the forward process of any image, and the schedule behind both.
 */

/** x_t (the noisy latent), x̂₀ (the model's guess of the clean image), ε̂ = (x_t − x̂₀)/σ (its guess of the noise) */
export const StepKindSchema = z.enum(['x', 'denoised', 'noise']);

const MetaValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.number())]);

export const ProcessIdRequestSchema = z.object({ id: IdSchema }).strict();

export const RecordedStepSchema = z.object({
  /** 0-based step */
  i: z.int().min(0),
  /** the noise level at the start of the step, and the one the model saw (after churn) */
  sigma: z.number(),
  sigmaHat: z.number(),
  /** fractional training timestep of sigmaHat */
  t: z.number(),
  /** PNG data URLs of the linear previews (latent resolution) */
  x: z.string(),
  denoised: z.string(),
  noise: z.string(),
});

export const ProcessRecordingSchema = z.object({
  item: GalleryItemSchema,
  /** [1, C, h, w] of the recorded latents */
  dims: z.array(z.int()),
  /** the schedule that ran, descending, ending in 0 */
  sigmas: z.array(z.number()),
  steps: z.array(RecordedStepSchema),
  meta: z.record(z.string(), MetaValueSchema),
  /** the preview colours come from the model folder, or from the SD default when the model is gone */
  factors: z.enum(['model', 'default']),
});

/** the caller's name for a long process call, so process.cancel can stop it */
const RequestIdSchema = z.string().min(1).max(64);

export const ProcessDecodeStepRequestSchema = z
  .object({ id: IdSchema, step: z.int().min(0), kind: z.enum(['x', 'denoised']), requestId: RequestIdSchema.optional() })
  .strict();
export const ProcessDecodeStepSchema = z.object({ url: z.string(), width: z.int(), height: z.int() });

export const ProcessExportRequestSchema = z
  .object({
    id: IdSchema,
    kind: StepKindSchema.default('denoised'),
    format: z.enum(['webp', 'gif', 'contact']),
    /** 'preview': the linear previews scaled up (fast); 'full': a VAE decode per step */
    quality: z.enum(['preview', 'full']).default('preview'),
    frameMs: z.int().min(20).max(10_000).default(160),
    requestId: RequestIdSchema.optional(),
  })
  .strict();
/** process.exportProgress: frames made of all (then 'joining': the animation or sheet is being written), for a call with a requestId */
export const ProcessExportProgressEventSchema = z.object({
  requestId: z.string(),
  stage: z.enum(['frames', 'joining']),
  done: z.int().min(0),
  total: z.int().min(0),
});
export const ProcessExportSchema = z.object({
  /** the file's bytes, base64 */
  data: z.string(),
  mime: z.string(),
  fileName: z.string(),
  frames: z.int(),
  width: z.int(),
  height: z.int(),
});

const MAX_FRAMES = 200;

export const ProcessForwardRequestSchema = z
  .object({
    /** a model id from models.list */
    model: z.string().min(1),
    image: ImageRefSchema,
    /** training timesteps (0 … T−1), one frame each */
    t: z.array(z.number().min(0)).max(MAX_FRAMES).optional(),
    /** noise levels, one frame each */
    sigma: z.array(z.number().min(0)).max(MAX_FRAMES).optional(),
    /** the noise ε of every frame comes from this seed */
    seed: z.int().min(0).max(4294967295).default(0),
    /** 'preview': linear latent→RGB map (fast, latent resolution); 'vae': full decode */
    decoder: z.enum(['vae', 'preview']).default('preview'),
    width: z.int().min(64).max(4096).multipleOf(8).optional(),
    height: z.int().min(64).max(4096).multipleOf(8).optional(),
    fit: FitModeSchema.default('resize'),
    requestId: RequestIdSchema.optional(),
  })
  .strict()
  .refine((r) => (r.t?.length ?? 0) + (r.sigma?.length ?? 0) > 0, { message: 'give at least one timestep t or noise level sigma', path: ['t'] })
  .refine((r) => (r.t?.length ?? 0) + (r.sigma?.length ?? 0) <= MAX_FRAMES, { message: `at most ${MAX_FRAMES} frames per call`, path: ['t'] });

export const ForwardFrameSchema = z.object({
  t: z.number().nullable(),
  sigma: z.number(),
  alphaBar: z.number(),
  /** null at sigma 0 (infinite) */
  logSnr: z.number().nullable(),
  url: z.string(),
  width: z.int(),
  height: z.int(),
});
export const ProcessForwardSchema = z.object({ frames: z.array(ForwardFrameSchema), seed: z.int(), width: z.int(), height: z.int() });

export const ProcessCurvesRequestSchema = z
  .object({
    model: z.string().min(1),
    schedule: ScheduleIdSchema.default('karras'),
    steps: z.int().min(1).max(1000).default(20),
    strength: z.number().min(0).max(1).default(1),
  })
  .strict();
export const ProcessCurvesSchema = z.object({
  /** per training timestep 0 … T−1 */
  t: z.array(z.number()),
  sigma: z.array(z.number()),
  alphaBar: z.array(z.number()),
  logSnr: z.array(z.number()),
  /** the sigmas the schedule visits (the last is 0, the clean end) */
  visited: z.array(z.object({ i: z.int(), sigma: z.number(), t: z.number().nullable(), alphaBar: z.number() })),
  sigmaMin: z.number(),
  sigmaMax: z.number(),
});

/** ODE vs SDE from one seed: two text-to-image jobs with the same seed, each recorded. */
export const ProcessTrajectoriesRequestSchema = Txt2ImgParamsSchema.omit({ sampler: true, batchSize: true, batchCount: true })
  .extend({
    /** a deterministic sampler (probability-flow ODE) */
    ode: z.string().min(1).default('euler'),
    /** a stochastic one (reverse SDE / ancestral) */
    sde: z.string().min(1).default('euler_ancestral'),
  })
  .strict();
export const ProcessTrajectoriesSchema = z.object({ jobs: z.array(JobSummarySchema).length(2) });

export const ProcessAnomalyRequestSchema = z
  .object({
    model: z.string().min(1),
    image: ImageRefSchema,
    prompt: promptText('prompt').default(''),
    strength: z.number().min(0.01).max(1).default(0.3),
    samples: z.int().min(1).max(16).default(4),
    seed: z.int().min(-1).max(4294967295).default(-1),
    steps: z.int().min(1).max(200).optional(),
    fit: FitModeSchema.default('resize'),
    /** the caller's name for this call, so process.cancel can stop it (an anomaly map on a large model takes minutes) */
    requestId: RequestIdSchema.optional(),
  })
  .strict();
/** Stops a running process call that was given a requestId (anomaly, export, forward, decodeStep). */
export const ProcessCancelRequestSchema = z.object({ requestId: RequestIdSchema }).strict();
/** false when no call by that id was running (it had finished, or never started) */
export const ProcessCancelSchema = z.object({ cancelled: z.boolean() });
export const ProcessAnomalySchema = z.object({
  heatmapUrl: z.string(),
  overlayUrl: z.string(),
  reconstructionUrl: z.string(),
  width: z.int(),
  height: z.int(),
  /** mean reconstruction error, 8-bit units */
  score: z.number(),
  p99: z.number(),
  max: z.number(),
  scale: z.number(),
  seeds: z.array(z.int()),
});
