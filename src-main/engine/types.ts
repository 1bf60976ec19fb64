/**
 * Core engine types shared by every layer of the engine.
 * Tensors are plain `{data, dims, dtype}` in NCHW, height before width (house rule 3).
 */

/** Element types the engine handles at its boundaries. fp16 data is stored as raw Uint16 bits. */
export type DType = 'float32' | 'float16' | 'int32' | 'int64';

export type TensorData<D extends DType = DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float16'
    ? Uint16Array
    : D extends 'int32'
      ? Int32Array
      : D extends 'int64'
        ? BigInt64Array
        : never;

export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly dims: readonly number[];
  readonly data: TensorData<D>;
}

/** A float32 NCHW tensor: the engine's working type for latents and images. */
export type F32Tensor = Tensor<'float32'>;

/**
 * A denoiser in k-diffusion's sense: given x at noise level sigma, return the model's
 * estimate of the clean sample x̂₀ (same dims as x). UNets, CFG, inpainting blends are all
 * wrappers that produce one of these. Batched: x has a leading batch dimension and sigma is
 * shared by the whole batch. x is lent for the call (the caller updates it in place afterwards: read
 * it, never keep or write it); the result is a new tensor per call that the caller may keep (multistep
 * samplers keep earlier ones) and that nobody writes to after it is returned.
 */
export type Denoiser = (x: F32Tensor, sigma: number) => Promise<F32Tensor>;

/** Per-step observability hook, k-diffusion's callback dict. */
export interface StepInfo {
  /** step index, 0-based */
  readonly i: number;
  /** sigma at the start of the step */
  readonly sigma: number;
  /** sigma_hat (after churn), equal to sigma for samplers without churn */
  readonly sigmaHat: number;
  /**
   * x before the step: the sampler's working buffer, which the step then updates in place; valid
   * during the callback only, so a hook that keeps it copies it (StepRecorder does)
   */
  readonly x: F32Tensor;
  /** the denoised estimate used by this step */
  readonly denoised: F32Tensor;
}

/** Source of standard-normal noise shaped like x (one call per noise draw); a draw is valid until the next call (the noise thread reuses its buffers). */
export type NoiseSampler = (sigma: number, sigmaNext: number) => F32Tensor;

export interface SamplerContext {
  /** draws standard-normal noise with x's dims; only ancestral/SDE samplers call it */
  readonly noise: NoiseSampler;
  /** abort signal; samplers check it before each model call */
  readonly signal?: AbortSignal;
  /** called once per step, before x is updated */
  readonly onStep?: (info: StepInfo) => void;
}

/** sampler-specific options, each sampler documents its own (eta, s_noise, s_churn, ...) */
export type SamplerOptions = Readonly<Record<string, number | string>>;

/**
 * A sampler: k-diffusion's shape. `sigmas` is descending and ends in 0.
 * Returns the final x. Pure apart from the denoiser and noise calls.
 */
export type Sampler = (
  denoise: Denoiser,
  x: F32Tensor,
  sigmas: Float64Array,
  ctx: SamplerContext,
  options?: SamplerOptions,
) => Promise<F32Tensor>;

/** Thrown when a job's AbortSignal fires. */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/** A user-facing engine error: code for programs, message in plain words for people. */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export type EngineErrorCode =
  | 'BAD_INPUT'
  | 'MODEL_INVALID'
  | 'MODEL_UNSUPPORTED'
  | 'MODEL_NOT_FOUND'
  | 'RUNTIME'
  | 'PROVIDER_UNAVAILABLE'
  | 'CANCELLED'
  | 'IMAGE_INVALID'
  /** a network returned NaN or infinite values (damaged weights, float16 overflow): models/finite.ts */
  | 'NAN_OUTPUT'
  /** the job would not fit in this machine's memory (pipelines/memory-check.ts): refused before it starts */
  | 'OUT_OF_MEMORY'
  | 'INTERNAL';

/** What an engine method runs with: the abort signal of its call and the sink for its events. */
export interface EngineCallContext<E = unknown> {
  signal: AbortSignal;
  emit: (event: E) => void;
}
