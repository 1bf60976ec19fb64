import { z } from 'zod';
import { ApiErrorSchema, IdSchema } from './common.ts';
import { editJobKinds } from './edit.ts';
import { Txt2ImgParamsSchema } from './txt2img.ts';

/** A job request; later job kinds (img2img, inpaint, denoise) join this union. */
export const JobRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('txt2img'), params: Txt2ImgParamsSchema }),
  // img2img, inpaint, denoise (schemas/edit.ts)
  ...editJobKinds(Txt2ImgParamsSchema),
]);

export const JobStatusSchema = z.enum(['queued', 'running', 'done', 'error', 'cancelled']);
export const JobStageSchema = z.enum(['loading', 'encoding', 'sampling', 'decoding', 'saving']);

export const JobSummarySchema = z.object({
  id: IdSchema,
  status: JobStatusSchema,
  /** the request as queued, seed resolved */
  request: JobRequestSchema,
  createdAt: z.number(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  /** gallery ids of the images saved so far */
  images: z.array(IdSchema),
  error: ApiErrorSchema.optional(),
});

export const JobSubmitResponseSchema = z.object({ job: JobSummarySchema });
export const JobIdRequestSchema = z.object({ jobId: IdSchema }).strict();
export const JobCancelResponseSchema = z.object({
  /** true when the job was queued or running and is now cancelled (or cancelling) */
  cancelled: z.boolean(),
});
export const JobsListSchema = z.object({ jobs: z.array(JobSummarySchema) });
/** move a queued job to `toIndex` among the queued jobs (0 = next to run) */
export const JobReorderRequestSchema = z.object({ jobId: IdSchema, toIndex: z.int().min(0) }).strict();
export const JobRemoveResponseSchema = z.object({ removed: z.boolean() });

// ── events ─────────────────────────────────────────────────────────────
export const JobQueuedEventSchema = z.object({ job: JobSummarySchema, position: z.int().min(0) });
export const JobStartedEventSchema = z.object({ jobId: IdSchema, startedAt: z.number() });
export const JobProgressEventSchema = z.object({
  jobId: IdSchema,
  stage: JobStageSchema,
  /** sampling step (1-based) and total, 0/0 outside sampling */
  step: z.int().min(0),
  steps: z.int().min(0),
  /** which run of batchCount (1-based) */
  run: z.int().min(1),
  runs: z.int().min(1),
  elapsedMs: z.number(),
  etaMs: z.number().nullable(),
});
export const JobStepEventSchema = z.object({
  jobId: IdSchema,
  step: z.int().min(0),
  steps: z.int().min(1),
  sigma: z.number(),
  /** a URL the renderer can load under its CSP (data:image/...), or null when previews are off */
  previewUrl: z.string().nullable(),
});
export const JobErrorEventSchema = z.object({
  jobId: IdSchema,
  error: ApiErrorSchema,
  cancelled: z.boolean(),
});
