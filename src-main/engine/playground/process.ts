/**
 * The three forward processes of the playground, each x_t = α(t)·x₀ + σ(t)·ε for t ∈ [0, 1]:
 * - vp: the variance-preserving SDE (DDPM in continuous time), Song et al. (2021) eq. 11 with
 *   β(t) = β_min + t·(β_max − β_min), β_min = 0.1, β_max = 20: ᾱ(t) = exp(−∫₀ᵗβ), α = √ᾱ, σ = √(1 − ᾱ);
 * - ve: the variance-exploding SDE (NCSN/SMLD), σ(t) = σ_min·(σ_max/σ_min)^t with σ_min = 0.01 and
 *   σ_max = 50 (NCSN's σ₁ for CIFAR-10, larger than any distance between two data points), α = 1;
 * - flow: rectified flow / flow matching, x_t = (1 − t)·x₀ + t·ε (Liu et al. 2022, Lipman et al. 2023).
 * The samplers work in k-diffusion's frame x̃ = x_t/α with level σ̃ = σ/α (Karras et al. 2022,
 * §2 and App. C: every such process is x̃ = x₀ + σ̃·ε, so one sampler serves all three); α(σ̃) and
 * t(σ̃) bring the results back.
 */
import { EngineError } from '../types.ts';

export const PROCESSES = ['vp', 've', 'flow'] as const;
export type ProcessId = (typeof PROCESSES)[number];

export interface DiffusionProcess {
  readonly id: ProcessId;
  readonly label: string;
  /** x_t = alpha(t)·x₀ + sigma(t)·ε */
  alpha(t: number): number;
  sigma(t: number): number;
  /** α at k-diffusion level σ̃ (x_t = α·x̃) */
  alphaOf(kSigma: number): number;
  /** the time t at k-diffusion level σ̃ */
  timeOf(kSigma: number): number;
  /** the sampler runs from tMax down to tMin, then to σ̃ = 0 */
  readonly tMin: number;
  readonly tMax: number;
  /** the std of pure noise x_1 the reverse process starts from (mean 0) */
  readonly priorStd: number;
}

const BETA_MIN = 0.1;
const BETA_MAX = 20;
const VE_SIGMA_MIN = 0.01;
const VE_SIGMA_MAX = 50;
/** Song et al. (2021) stop the VP sampler at t = 1e-3; we use it for all three */
const T_EPS = 1e-3;

const vp: DiffusionProcess = {
  id: 'vp',
  label: 'VP SDE (DDPM)',
  alpha: (t) => Math.exp(-0.5 * (BETA_MIN * t + 0.5 * (BETA_MAX - BETA_MIN) * t * t)),
  sigma: (t) => Math.sqrt(-Math.expm1(-(BETA_MIN * t + 0.5 * (BETA_MAX - BETA_MIN) * t * t))),
  // σ̃² = (1 − ᾱ)/ᾱ, so ᾱ = 1/(1 + σ̃²)
  alphaOf: (s) => 1 / Math.sqrt(1 + s * s),
  timeOf: (s) => {
    // solve β_min·t + ½·Δβ·t² = log(1 + σ̃²) for t ≥ 0
    const d = BETA_MAX - BETA_MIN;
    const c = Math.log1p(s * s);
    return (-BETA_MIN + Math.sqrt(BETA_MIN * BETA_MIN + 2 * d * c)) / d;
  },
  tMin: T_EPS,
  tMax: 1,
  priorStd: 1,
};

const ve: DiffusionProcess = {
  id: 've',
  label: 'VE SDE (NCSN)',
  alpha: () => 1,
  // t = 0 is the clean data; for t > 0 the geometric schedule, which starts at σ_min
  sigma: (t) => (t > 0 ? VE_SIGMA_MIN * (VE_SIGMA_MAX / VE_SIGMA_MIN) ** t : 0),
  alphaOf: () => 1,
  timeOf: (s) => (s > 0 ? Math.max(0, Math.log(s / VE_SIGMA_MIN) / Math.log(VE_SIGMA_MAX / VE_SIGMA_MIN)) : 0),
  tMin: T_EPS,
  tMax: 1,
  priorStd: VE_SIGMA_MAX,
};

const flow: DiffusionProcess = {
  id: 'flow',
  label: 'Rectified flow',
  alpha: (t) => 1 - t,
  sigma: (t) => t,
  // σ̃ = t/(1 − t)
  alphaOf: (s) => 1 / (1 + s),
  timeOf: (s) => s / (1 + s),
  tMin: T_EPS,
  // σ̃ is infinite at t = 1; start at 0.999 from x ≈ ε (the 0.1% of x₀ it still holds is ignored)
  tMax: 1 - T_EPS,
  priorStd: 1,
};

const TABLE: Readonly<Record<ProcessId, DiffusionProcess>> = { vp, ve, flow };

export function getProcess(id: string): DiffusionProcess {
  if (!(PROCESSES as readonly string[]).includes(id)) {
    throw new EngineError('BAD_INPUT', `unknown process ${JSON.stringify(id)}; choose one of ${PROCESSES.join(', ')}`);
  }
  return TABLE[id as ProcessId];
}

/** k-diffusion's level σ̃ = σ(t)/α(t). */
export function kSigma(p: DiffusionProcess, t: number): number {
  return p.sigma(t) / p.alpha(t);
}

/**
 * The sampler's schedule: `steps` times evenly spaced from tMax down to tMin (the process's own
 * clock, as DDPM and rectified-flow samplers space them; for ve this is evenly spaced log σ),
 * as descending σ̃, then 0.
 */
export function processSigmas(p: DiffusionProcess, steps: number): Float64Array {
  if (!Number.isInteger(steps) || steps < 1) throw new EngineError('BAD_INPUT', `steps must be a whole number ≥ 1, got ${steps}`);
  const out = new Float64Array(steps + 1);
  for (let i = 0; i < steps; i++) {
    const t = steps === 1 ? p.tMax : p.tMax + ((p.tMin - p.tMax) * i) / (steps - 1);
    out[i] = kSigma(p, t);
  }
  return out;
}
