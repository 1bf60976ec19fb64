/**
 * Schedule curves for the forward-process viewer. Over the training timesteps t = 0..T−1 of a model:
 *   ᾱ_t = Π (1 − β_s)              the signal fraction (alphas_cumprod)
 *   σ_t = √((1 − ᾱ_t)/ᾱ_t)         k-diffusion's noise level of x = x₀ + σ·ε
 *   SNR_t = ᾱ_t/(1 − ᾱ_t) = 1/σ_t²  (Kingma et al. 2021, "Variational Diffusion Models")
 * and the sigmas a chosen schedule visits, with their fractional timesteps.
 */
import type { DiscreteSchedule } from '../schedules/discrete.ts';
import { buildSigmas, sigmasForStrength } from '../schedules/index.ts';
import type { ScheduleId } from '../schedules/index.ts';

export interface ScheduleCurves {
  /** 0..T−1 */
  readonly t: Float64Array;
  readonly sigma: Float64Array;
  readonly alphaBar: Float64Array;
  readonly snr: Float64Array;
  /** log SNR = −2·log σ, the natural axis for comparing schedules */
  readonly logSnr: Float64Array;
}

export function scheduleCurves(model: DiscreteSchedule): ScheduleCurves {
  const n = model.sigmas.length;
  const t = Float64Array.from({ length: n }, (_, i) => i);
  const alphaBar = Float64Array.from(model.alphasCumprod);
  const snr = alphaBar.map((a) => a / (1 - a));
  return { t, sigma: Float64Array.from(model.sigmas), alphaBar, snr, logSnr: snr.map(Math.log) };
}

export interface VisitedSigma {
  /** step index (the last entry is the final sigma 0) */
  readonly i: number;
  readonly sigma: number;
  /** fractional training timestep, null for sigma 0 (the clean end, below t = 0) */
  readonly t: number | null;
  readonly alphaBar: number;
}

/** The sigmas a schedule of `steps` steps visits at an img2img strength (descending, ending in 0), each with t and ᾱ. */
export function visitedSigmas(model: DiscreteSchedule, schedule: ScheduleId, steps: number, strength = 1): VisitedSigma[] {
  return sigmaPoints(model, sigmasForStrength(buildSigmas(schedule, steps, model), strength));
}

/** t and ᾱ = 1/(1 + σ²) of each sigma of a schedule. */
export function sigmaPoints(model: DiscreteSchedule, sigmas: Float64Array): VisitedSigma[] {
  return Array.from(sigmas, (sigma, i) => ({ i, sigma, t: sigma > 0 ? model.sigmaToT(sigma) : null, alphaBar: 1 / (1 + sigma * sigma) }));
}
