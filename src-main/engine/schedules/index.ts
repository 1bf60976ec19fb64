/**
 * Noise schedules: a schedule is just a descending Float64Array of sigmas ending in 0 (k-diffusion's
 * convention), built from the model's training schedule. Sampler and schedule are independent choices.
 */
import { EngineError } from '../types.ts';
import { linspace } from './discrete.ts';
import type { DiscreteSchedule } from './discrete.ts';

export type ScheduleId = 'normal' | 'karras' | 'exponential' | 'sgm_uniform' | 'simple';

export const SCHEDULES: readonly { id: ScheduleId; label: string; description: string }[] = [
  {
    id: 'normal',
    label: 'Normal',
    description: "The model's own noise levels at evenly spaced training timesteps (trailing spacing for SD-Turbo).",
  },
  {
    id: 'karras',
    label: 'Karras',
    description: 'Spends more of the steps at low noise where fine detail forms; usually the best choice at low step counts.',
  },
  {
    id: 'exponential',
    label: 'Exponential',
    description: 'Noise levels evenly spaced on a log scale, so even more steps go to the low-noise end than with Karras.',
  },
  {
    id: 'sgm_uniform',
    label: 'SGM Uniform',
    description: 'Evenly spaced timesteps that stop one step short of the lowest noise, the schedule LCM and turbo models expect.',
  },
  {
    id: 'simple',
    label: 'Simple',
    description: "ComfyUI's simple schedule: every (1000 / steps)-th training noise level, counting down from the top.",
  },
];

/** Karras et al. (2022) eq. 5: sigmas evenly spaced in σ^(1/ρ) from sigmaMax to sigmaMin, then 0 (k-diffusion `get_sigmas_karras`). */
export function karrasSigmas(n: number, sigmaMin: number, sigmaMax: number, rho = 7): Float64Array {
  checkRange(sigmaMin, sigmaMax);
  const minInvRho = sigmaMin ** (1 / rho);
  const maxInvRho = sigmaMax ** (1 / rho);
  const ramp = linspace(0, 1, n);
  return withZero(ramp.map((r) => (maxInvRho + r * (minInvRho - maxInvRho)) ** rho));
}

/** Sigmas evenly spaced in log σ from sigmaMax to sigmaMin, then 0 (k-diffusion `get_sigmas_exponential`). */
export function exponentialSigmas(n: number, sigmaMin: number, sigmaMax: number): Float64Array {
  checkRange(sigmaMin, sigmaMax);
  return withZero(linspace(Math.log(sigmaMax), Math.log(sigmaMin), n).map(Math.exp));
}

/** log σ a polynomial of degree ρ in the ramp (ρ = 1 is exponential), then 0 (k-diffusion `get_sigmas_polyexponential`). */
export function polyexponentialSigmas(n: number, sigmaMin: number, sigmaMax: number, rho = 1): Float64Array {
  checkRange(sigmaMin, sigmaMax);
  const lo = Math.log(sigmaMin);
  const span = Math.log(sigmaMax) - lo;
  return withZero(linspace(1, 0, n).map((r) => Math.exp(r ** rho * span + lo)));
}

function checkRange(sigmaMin: number, sigmaMax: number): void {
  if (!(sigmaMin > 0) || !(sigmaMax > sigmaMin) || !Number.isFinite(sigmaMax)) {
    throw new EngineError('BAD_INPUT', `schedule needs 0 < sigma_min < sigma_max < ∞, got sigma_min ${sigmaMin}, sigma_max ${sigmaMax}`);
  }
}

function withZero(sigmas: Float64Array): Float64Array {
  const out = new Float64Array(sigmas.length + 1);
  out.set(sigmas);
  return out;
}

/** numpy's round (half to even), as diffusers uses for trailing timesteps. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * "normal": k-diffusion `DiscreteSchedule.get_sigmas(n)`, t = linspace(T−1, 0, n) interpolated in
 * log σ (what A1111 uses whatever the config says). For `timestepSpacing: 'trailing'` (SD-Turbo,
 * distilled at those exact timesteps) we follow diffusers instead: t = round(T − k·T/n) − 1.
 */
function normalSigmas(steps: number, model: DiscreteSchedule): Float64Array {
  const count = model.sigmas.length;
  if (model.training.timestepSpacing === 'trailing') {
    const ratio = count / steps;
    return withZero(Float64Array.from({ length: steps }, (_, k) => model.sigmas[roundHalfEven(count - k * ratio) - 1]));
  }
  return withZero(linspace(count - 1, 0, steps).map((t) => model.tToSigma(t)));
}

/** ComfyUI `normal_scheduler(sgm=True)`: t from t(σ_max) to t(σ_min) over steps + 1 points, last dropped, then 0. */
function sgmUniformSigmas(steps: number, model: DiscreteSchedule): Float64Array {
  const ts = linspace(model.sigmaToT(model.sigmaMax), model.sigmaToT(model.sigmaMin), steps + 1).subarray(0, steps);
  return withZero(ts.map((t) => model.tToSigma(t)));
}

/** ComfyUI `simple_scheduler`: the model sigma at index T−1−floor(k·T/steps) for k = 0..steps−1, then 0. */
function simpleSigmas(steps: number, model: DiscreteSchedule): Float64Array {
  const count = model.sigmas.length;
  const ss = count / steps;
  return withZero(Float64Array.from({ length: steps }, (_, k) => model.sigmas[count - 1 - Math.floor(k * ss)]));
}

/** The schedule entry for an id or label (case-insensitive); BAD_INPUT listing the valid ids otherwise. */
export function getSchedule(id: string): (typeof SCHEDULES)[number] {
  const key = String(id).trim().toLowerCase();
  const hit = SCHEDULES.find((s) => s.id === key || s.label.toLowerCase() === key);
  if (!hit) {
    throw new EngineError('BAD_INPUT', `unknown schedule ${JSON.stringify(id)}; valid ids: ${SCHEDULES.map((s) => s.id).join(', ')}`);
  }
  return hit;
}

/** Descending sigmas for `steps` steps: length steps + 1, last = 0. */
export function buildSigmas(id: ScheduleId, steps: number, model: DiscreteSchedule): Float64Array {
  const { id: sid } = getSchedule(id);
  const max = model.sigmas.length;
  if (!Number.isInteger(steps) || steps < 1 || steps > max) {
    throw new EngineError('BAD_INPUT', `steps must be a whole number from 1 to ${max}, got ${steps}`);
  }
  switch (sid) {
    case 'normal':
      return normalSigmas(steps, model);
    case 'karras':
      return karrasSigmas(steps, model.sigmaMin, model.sigmaMax);
    case 'exponential':
      return exponentialSigmas(steps, model.sigmaMin, model.sigmaMax);
    case 'sgm_uniform':
      return sgmUniformSigmas(steps, model);
    case 'simple':
      return simpleSigmas(steps, model);
  }
}

/**
 * img2img / denoising strength as sigma slicing: keep the last k = round(n·strength) of the n steps
 * (round half up, n·strength in float64), i.e. start at index n − k. Strength 0 gives [0] (no steps,
 * the input comes back unchanged); strength 1 gives the whole schedule (start from pure noise level).
 * For comparison: A1111 runs floor(min(strength, 0.999)·n) + 1 steps of the tail, and ComfyUI builds a
 * longer floor(n / strength)-step schedule and keeps its last n steps. We keep the user's schedule and
 * run the proportional share of it, so "20 steps at 0.5" is 10 model steps.
 */
export function sigmasForStrength(sigmas: Float64Array, strength: number): Float64Array {
  if (typeof strength !== 'number' || !(strength >= 0 && strength <= 1)) {
    throw new EngineError('BAD_INPUT', `strength must be a number from 0 to 1, got ${strength}`);
  }
  if (sigmas.length === 0 || sigmas[sigmas.length - 1] !== 0) {
    throw new EngineError('BAD_INPUT', `sigmasForStrength needs a schedule ending in 0, got ${sigmas.length} sigmas`);
  }
  const n = sigmas.length - 1;
  const k = Math.round(n * strength);
  return sigmas.slice(n - k);
}
