import { z } from 'zod';

/**
 * Errors cross the boundary as plain data: `code` for programs, `message` in plain words for
 * people (what was wrong, with what value, what to do), `details` for anything structured.
 */
export const ApiErrorSchema = z.object({
  code: z.string().min(1),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ApiErrorData = z.infer<typeof ApiErrorSchema>;

/** Codes used by the shell itself, in addition to the engine's EngineErrorCode values. */
export const SHELL_ERROR_CODES = [
  'BAD_REQUEST', // request failed its schema
  'UNKNOWN_CALL',
  'UNAUTHORIZED', // browser mode: no or wrong session token
  'FORBIDDEN', // wrong origin/host/sender, or a debug call while debug calls are off
  'NOT_FOUND',
  'ENGINE_CRASHED', // the engine process died while the call was pending
  'ENGINE_UNAVAILABLE', // the engine could not be started
  'SAVE_FAILED', // a result could not be written to the gallery (disk full, read-only folder)
  'QUEUE_FULL', // jobs.submit while the queue holds its most waiting jobs
  'INTERRUPTED', // a restored job during which Reverie died twice: not started again by itself (queue-store.ts)
  'INTERNAL',
] as const;

/** Calls without parameters take an empty object (or nothing at all on the client side). */
export const EmptySchema = z.object({}).strict();

/** Ids we mint (jobs, gallery items): letters, digits, '-' and '_' only — safe as file names. */
export const IdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,80}$/, 'ids contain only letters, digits, "-" and "_" (1–80 characters)');

/** Execution providers, as in engine/runtime/ort.ts (ProviderId / ProviderPreference). */
export const ProviderIdSchema = z.enum(['cpu', 'cuda', 'webgpu', 'dml', 'coreml']);
export const ProviderPreferenceSchema = z.enum(['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml']);

/** Noise schedules, as in engine/schedules/index.ts (ScheduleId). */
export const ScheduleIdSchema = z.enum(['normal', 'karras', 'exponential', 'sgm_uniform', 'simple']);

/**
 * The SDE samplers' noise, as in engine/samplers/common.ts (NOISE_KINDS): a fresh seeded draw per step, or
 * increments of one Brownian path per image (k-diffusion's BrownianTreeNoiseSampler, which A1111 and
 * ComfyUI use for these samplers).
 */
export const SdeNoiseSchema = z.enum(['gaussian', 'brownian']);
