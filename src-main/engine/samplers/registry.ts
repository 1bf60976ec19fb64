/**
 * The sampler table (A1111's idea: one row per sampler, the UI list is generated from it).
 * Each `fn` is generic over the tensor type; with F32Tensor it is exactly the engine's `Sampler`.
 */
import { EngineError } from '../types.ts';
import type { SamplerOptions } from '../types.ts';
import type { ScheduleId } from '../schedules/index.ts';
import { ddim } from './ddim.ts';
import { dpm2Ancestral } from './dpm2-ancestral.ts';
import { dpm2 } from './dpm2.ts';
import { dpmpp2mSde } from './dpmpp-2m-sde.ts';
import { dpmpp2m } from './dpmpp-2m.ts';
import { dpmpp2sAncestral } from './dpmpp-2s-ancestral.ts';
import { dpmpp3mSde } from './dpmpp-3m-sde.ts';
import { dpmppSde } from './dpmpp-sde.ts';
import { eulerAncestral } from './euler-ancestral.ts';
import { euler } from './euler.ts';
import { heun } from './heun.ts';
import { lcm } from './lcm.ts';
import { lms } from './lms.ts';
import type { GenericSampler } from './types.ts';

export type SamplerId =
  | 'euler' | 'euler_ancestral' | 'heun' | 'dpm_2' | 'dpm_2_ancestral' | 'lms' | 'dpmpp_2s_ancestral'
  | 'dpmpp_sde' | 'dpmpp_2m' | 'dpmpp_2m_sde' | 'dpmpp_3m_sde' | 'ddim' | 'lcm';

export interface SamplerEntry {
  id: SamplerId;
  /** A1111's display label */
  label: string;
  /** other accepted names: k-diffusion function names, A1111/ComfyUI ids (matched case-insensitively) */
  aliases: readonly string[];
  fn: GenericSampler;
  /** draws noise while sampling (with default options) */
  stochastic: boolean;
  /** model calls per step, for progress and ETA (the last step to sigma 0 needs only one) */
  modelCallsPerStep: number;
  defaults: SamplerOptions;
  /**
   * every option name the sampler reads (defaults may omit some, e.g. s_tmax = ∞). The SDE samplers'
   * `noise` ('gaussian', the default: a fresh seeded draw per step; or 'brownian': increments of one
   * Brownian path per image, k-diffusion's default for them) is read by the pipeline that draws it.
   */
  options: readonly string[];
  /** the option giving the half step at which the sampler also draws noise each step (DPM++ SDE's r) */
  halfStepOption?: string;
  description: string;
}

const CHURN = ['s_churn', 's_tmin', 's_tmax', 's_noise'] as const;
const CHURN_DEFAULTS = { s_churn: 0, s_tmin: 0, s_noise: 1 };

const TABLE: SamplerEntry[] = [
  { id: 'euler', label: 'Euler', aliases: ['sample_euler', 'k_euler'], fn: euler, stochastic: false, modelCallsPerStep: 1, defaults: CHURN_DEFAULTS, options: CHURN,
    description: 'The simplest solver: one model call per step, fast and predictable.' },
  { id: 'euler_ancestral', label: 'Euler a', aliases: ['sample_euler_ancestral', 'k_euler_a', 'k_euler_ancestral', 'euler_a'], fn: eulerAncestral, stochastic: true, modelCallsPerStep: 1, defaults: { eta: 1, s_noise: 1 }, options: ['eta', 's_noise'],
    description: 'Euler that adds fresh noise each step, so images keep changing as you add steps; creative and forgiving.' },
  { id: 'heun', label: 'Heun', aliases: ['sample_heun', 'k_heun'], fn: heun, stochastic: false, modelCallsPerStep: 2, defaults: CHURN_DEFAULTS, options: CHURN,
    description: 'A more accurate second-order solver that calls the model twice per step.' },
  { id: 'dpm_2', label: 'DPM2', aliases: ['sample_dpm_2', 'k_dpm_2'], fn: dpm2, stochastic: false, modelCallsPerStep: 2, defaults: CHURN_DEFAULTS, options: CHURN,
    description: 'A second-order solver that probes a midpoint each step; two model calls per step.' },
  { id: 'dpm_2_ancestral', label: 'DPM2 a', aliases: ['sample_dpm_2_ancestral', 'k_dpm_2_a', 'k_dpm_2_ancestral', 'dpm2_a'], fn: dpm2Ancestral, stochastic: true, modelCallsPerStep: 2, defaults: { eta: 1, s_noise: 1 }, options: ['eta', 's_noise'],
    description: 'DPM2 with fresh noise added each step; two model calls per step.' },
  { id: 'lms', label: 'LMS', aliases: ['sample_lms', 'k_lms'], fn: lms, stochastic: false, modelCallsPerStep: 1, defaults: { order: 4 }, options: ['order'],
    description: 'Reuses the last few steps to take bigger, smarter steps; can be unstable at very low step counts.' },
  { id: 'dpmpp_2s_ancestral', label: 'DPM++ 2S a', aliases: ['sample_dpmpp_2s_ancestral', 'k_dpmpp_2s_a', 'k_dpmpp_2s_ancestral', 'dpmpp_2s_a'], fn: dpmpp2sAncestral, stochastic: true, modelCallsPerStep: 2, defaults: { eta: 1, s_noise: 1 }, options: ['eta', 's_noise'],
    description: 'A second-order DPM++ step with fresh noise each step; two model calls per step.' },
  { id: 'dpmpp_sde', label: 'DPM++ SDE', aliases: ['sample_dpmpp_sde', 'k_dpmpp_sde'], fn: dpmppSde, stochastic: true, modelCallsPerStep: 2, defaults: { eta: 1, s_noise: 1, r: 0.5 }, options: ['eta', 's_noise', 'r', 'noise'], halfStepOption: 'r',
    description: 'A stochastic second-order solver that gives detailed images in few steps; two model calls per step.' },
  { id: 'dpmpp_2m', label: 'DPM++ 2M', aliases: ['sample_dpmpp_2m', 'k_dpmpp_2m'], fn: dpmpp2m, stochastic: false, modelCallsPerStep: 1, defaults: {}, options: [],
    description: 'A fast, accurate multistep solver and a good default: one model call per step.' },
  { id: 'dpmpp_2m_sde', label: 'DPM++ 2M SDE', aliases: ['sample_dpmpp_2m_sde', 'k_dpmpp_2m_sde'], fn: dpmpp2mSde, stochastic: true, modelCallsPerStep: 1, defaults: { eta: 1, s_noise: 1, solver_type: 'midpoint' }, options: ['eta', 's_noise', 'solver_type', 'noise'],
    description: 'DPM++ 2M with a little fresh noise each step, often crisper at medium step counts.' },
  { id: 'dpmpp_3m_sde', label: 'DPM++ 3M SDE', aliases: ['sample_dpmpp_3m_sde', 'k_dpmpp_3m_sde'], fn: dpmpp3mSde, stochastic: true, modelCallsPerStep: 1, defaults: { eta: 1, s_noise: 1 }, options: ['eta', 's_noise', 'noise'],
    description: 'A third-order stochastic multistep solver that shines with more steps (30 or so).' },
  { id: 'ddim', label: 'DDIM', aliases: ['sample_ddim', 'k_ddim'], fn: ddim, stochastic: false, modelCallsPerStep: 1, defaults: { eta: 0 }, options: ['eta'],
    description: 'The classic deterministic sampler of the original Stable Diffusion release: the same seed always gives the same image.' },
  { id: 'lcm', label: 'LCM', aliases: ['sample_lcm', 'k_lcm'], fn: lcm, stochastic: true, modelCallsPerStep: 1, defaults: {}, options: [],
    description: 'For LCM and turbo-distilled models: jumps to a clean image each step, useful at 1 to 8 steps.' },
];

export const SAMPLERS: readonly SamplerEntry[] = Object.freeze(TABLE);

const norm = (s: string): string => s.trim().toLowerCase();

/** The entry for an id, A1111 label or alias (case-insensitive); BAD_INPUT listing the valid ids otherwise. */
export function getSampler(id: string): SamplerEntry {
  const key = norm(String(id));
  const hit = SAMPLERS.find((s) => s.id === key || norm(s.label) === key || s.aliases.some((a) => norm(a) === key));
  if (!hit) {
    throw new EngineError('BAD_INPUT', `unknown sampler ${JSON.stringify(id)}; valid ids: ${SAMPLERS.map((s) => s.id).join(', ')}`);
  }
  return hit;
}

/**
 * Reads an A1111 "Sampler:" value, which before v1.9 folded the schedule into the name
 * ("DPM++ 2M Karras", "DPM++ SDE Exponential"): returns the sampler and the schedule it names, if any.
 */
export function parseA1111Sampler(name: string): { sampler: SamplerEntry; schedule?: ScheduleId } {
  const suffixes: readonly [string, ScheduleId][] = [[' karras', 'karras'], [' exponential', 'exponential']];
  const key = norm(name);
  for (const [suffix, schedule] of suffixes) {
    if (key.endsWith(suffix)) return { sampler: getSampler(key.slice(0, -suffix.length)), schedule };
  }
  return { sampler: getSampler(key) };
}

/** The sampler takes the SDE noise choice (its `noise` option: DPM++ SDE, 2M SDE, 3M SDE). */
export function takesSdeNoise(entry: SamplerEntry): boolean {
  return entry.options.includes('noise');
}

/** The entry's defaults overlaid with `options`; BAD_INPUT for an option the sampler does not read. */
export function resolveOptions(entry: SamplerEntry, options: SamplerOptions = {}): SamplerOptions {
  for (const name of Object.keys(options)) {
    if (!entry.options.includes(name)) {
      const known = entry.options.length ? entry.options.join(', ') : 'none';
      throw new EngineError('BAD_INPUT', `sampler ${entry.id} has no option ${JSON.stringify(name)}; its options: ${known}`);
    }
  }
  return { ...entry.defaults, ...options };
}

/** Exact model calls for a run of `steps` steps on a schedule ending in 0 (multi-call samplers save one on the last step). */
export function totalModelCalls(entry: SamplerEntry, steps: number): number {
  return steps === 0 ? 0 : steps * entry.modelCallsPerStep - (entry.modelCallsPerStep - 1);
}
