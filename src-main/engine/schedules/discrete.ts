/**
 * The training noise schedule of a discrete-time (DDPM-style) model, seen in k-diffusion's terms:
 * one sigma per training timestep, sigma_t = sqrt((1 − ᾱ_t) / ᾱ_t).
 *
 * Follows k-diffusion `external.py` (`DiscreteSchedule`, `CompVisDenoiser`) for the sigma table and
 * the sigma ↔ t conversions, and diffusers' schedulers for the beta schedules and config fields.
 */
import { EngineError } from '../types.ts';

export type BetaSchedule = 'scaled_linear' | 'linear' | 'squaredcos_cap_v2';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export type PredictionType = 'epsilon' | 'v_prediction';

export interface TrainingSchedule {
  betaSchedule: BetaSchedule;
  betaStart: number;
  betaEnd: number;
  numTrainTimesteps: number;
  timestepSpacing: TimestepSpacing;
  stepsOffset: number;
  predictionType: PredictionType;
}

/** Stable Diffusion 1.x's scheduler config: the defaults for fields a config leaves out. */
export const SD1_TRAINING_SCHEDULE: Readonly<TrainingSchedule> = Object.freeze({
  betaSchedule: 'scaled_linear',
  betaStart: 0.00085,
  betaEnd: 0.012,
  numTrainTimesteps: 1000,
  timestepSpacing: 'leading',
  stepsOffset: 1,
  predictionType: 'epsilon',
});

const BETA_SCHEDULES: readonly BetaSchedule[] = ['scaled_linear', 'linear', 'squaredcos_cap_v2'];
const SPACINGS: readonly TimestepSpacing[] = ['leading', 'trailing', 'linspace'];
const PREDICTIONS: readonly PredictionType[] = ['epsilon', 'v_prediction'];

function invalid(message: string, details?: unknown): EngineError {
  return new EngineError('MODEL_INVALID', `scheduler_config.json: ${message}`, details);
}

function pickEnum<T extends string>(cfg: Record<string, unknown>, key: string, allowed: readonly T[], fallback: T): T {
  const v = cfg[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw invalid(`"${key}" is ${JSON.stringify(v)}; supported values are ${allowed.join(', ')}`);
}

function pickNumber(cfg: Record<string, unknown>, key: string, fallback: number, check: (n: number) => boolean, rule: string): number {
  const v = cfg[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) {
    throw invalid(`"${key}" is ${JSON.stringify(v)}; it must be ${rule}`);
  }
  return v;
}

/**
 * Reads a diffusers `scheduler_config.json` (already parsed). Missing fields take SD 1.x's values;
 * present but wrong fields throw EngineError('MODEL_INVALID'). Features we cannot honour
 * (`trained_betas`, `rescale_betas_zero_snr`) throw EngineError('MODEL_UNSUPPORTED').
 */
export function trainingScheduleFromConfig(json: unknown): TrainingSchedule {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid(`expected a JSON object, got ${Array.isArray(json) ? 'an array' : JSON.stringify(json)}`);
  }
  const cfg = json as Record<string, unknown>;
  if (cfg.trained_betas !== undefined && cfg.trained_betas !== null) {
    throw new EngineError('MODEL_UNSUPPORTED', 'scheduler_config.json: "trained_betas" is not supported; use a config with beta_schedule');
  }
  if (cfg.rescale_betas_zero_snr === true) {
    throw new EngineError('MODEL_UNSUPPORTED', 'scheduler_config.json: "rescale_betas_zero_snr": true (infinite sigma_max) is not supported');
  }
  const d = SD1_TRAINING_SCHEDULE;
  const ts: TrainingSchedule = {
    betaSchedule: pickEnum(cfg, 'beta_schedule', BETA_SCHEDULES, d.betaSchedule),
    betaStart: pickNumber(cfg, 'beta_start', d.betaStart, (n) => n > 0 && n < 1, 'a number in (0, 1)'),
    betaEnd: pickNumber(cfg, 'beta_end', d.betaEnd, (n) => n > 0 && n < 1, 'a number in (0, 1)'),
    numTrainTimesteps: pickNumber(cfg, 'num_train_timesteps', d.numTrainTimesteps, (n) => Number.isInteger(n) && n >= 2, 'an integer ≥ 2'),
    timestepSpacing: pickEnum(cfg, 'timestep_spacing', SPACINGS, d.timestepSpacing),
    stepsOffset: pickNumber(cfg, 'steps_offset', d.stepsOffset, (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0'),
    predictionType: pickEnum(cfg, 'prediction_type', PREDICTIONS, d.predictionType),
  };
  if (ts.betaSchedule !== 'squaredcos_cap_v2' && ts.betaEnd < ts.betaStart) {
    throw invalid(`"beta_end" (${ts.betaEnd}) is smaller than "beta_start" (${ts.betaStart})`);
  }
  return ts;
}

/** torch.linspace in float64: the first half counts up from start, the second half down from end. */
export function linspace(start: number, end: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  const step = (end - start) / (n - 1);
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) out[i] = i < half ? start + i * step : end - (n - 1 - i) * step;
  return out;
}

/** diffusers `betas_for_alpha_bar` with the cosine ᾱ(t) of Nichol & Dhariwal (2021), betas capped at 0.999. */
function cosineBetas(n: number): Float64Array {
  const alphaBar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * Math.PI * 0.5) ** 2;
  const betas = new Float64Array(n);
  for (let i = 0; i < n; i++) betas[i] = Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999);
  return betas;
}

/** The betas of a training schedule, as diffusers computes them (in float64). */
export function betasFor(ts: TrainingSchedule): Float64Array {
  const n = ts.numTrainTimesteps;
  switch (ts.betaSchedule) {
    case 'linear':
      return linspace(ts.betaStart, ts.betaEnd, n);
    case 'scaled_linear':
      return linspace(Math.sqrt(ts.betaStart), Math.sqrt(ts.betaEnd), n).map((b) => b * b);
    case 'squaredcos_cap_v2':
      return cosineBetas(n);
  }
}

/** k-diffusion's DiscreteSchedule: the model's sigma table and fractional-timestep interpolation. */
export class DiscreteSchedule {
  readonly training: Readonly<TrainingSchedule>;
  /** ascending, one per training timestep (index = timestep) */
  readonly sigmas: Float64Array;
  readonly alphasCumprod: Float64Array;
  readonly logSigmas: Float64Array;
  readonly sigmaMin: number;
  readonly sigmaMax: number;

  constructor(ts: TrainingSchedule) {
    this.training = Object.freeze({ ...ts });
    const betas = betasFor(ts);
    const n = betas.length;
    this.alphasCumprod = new Float64Array(n);
    this.sigmas = new Float64Array(n);
    this.logSigmas = new Float64Array(n);
    let acc = 1;
    for (let i = 0; i < n; i++) {
      acc *= 1 - betas[i];
      this.alphasCumprod[i] = acc;
      this.sigmas[i] = Math.sqrt((1 - acc) / acc);
      this.logSigmas[i] = Math.log(this.sigmas[i]);
    }
    this.sigmaMin = this.sigmas[0];
    this.sigmaMax = this.sigmas[n - 1];
  }

  /**
   * Fractional timestep of a sigma: linear interpolation of log-sigma between the two bracketing
   * table entries, clamped to [0, len − 1] (k-diffusion `sigma_to_t` without quantize).
   */
  sigmaToT(sigma: number): number {
    if (!(sigma > 0)) {
      throw new EngineError('BAD_INPUT', `sigmaToT needs a positive sigma, got ${sigma}`);
    }
    const ls = this.logSigmas;
    const logSigma = Math.log(sigma);
    // low = last index whose log-sigma is ≤ logSigma (0 if none), at most len − 2
    let low = 0;
    for (let i = 0; i < ls.length; i++) if (logSigma >= ls[i]) low = i;
    low = Math.min(low, ls.length - 2);
    const w = Math.min(1, Math.max(0, (ls[low] - logSigma) / (ls[low] - ls[low + 1])));
    return (1 - w) * low + w * (low + 1);
  }

  /** Sigma at a fractional timestep: log-sigma interpolated between floor(t) and ceil(t) (k-diffusion `t_to_sigma`). */
  tToSigma(t: number): number {
    if (!Number.isFinite(t) || t < 0 || t > this.sigmas.length - 1) {
      throw new EngineError('BAD_INPUT', `tToSigma needs t in [0, ${this.sigmas.length - 1}], got ${t}`);
    }
    const low = Math.floor(t);
    const high = Math.ceil(t);
    const w = t - low;
    return Math.exp((1 - w) * this.logSigmas[low] + w * this.logSigmas[high]);
  }
}
