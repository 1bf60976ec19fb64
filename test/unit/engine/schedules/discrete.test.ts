import { describe, expect, it } from 'vitest';
import {
  DiscreteSchedule,
  SD1_TRAINING_SCHEDULE,
  betasFor,
  linspace,
  trainingScheduleFromConfig,
} from '../../../../src-main/engine/schedules/discrete.ts';
import { EngineError } from '../../../../src-main/engine/types.ts';
import { loadGolden, relErr } from './golden.ts';

const golden = loadGolden();

function goldenModel(): DiscreteSchedule {
  const t = golden.training_schedule;
  return new DiscreteSchedule(
    trainingScheduleFromConfig({
      beta_schedule: t.beta_schedule,
      beta_start: t.beta_start,
      beta_end: t.beta_end,
      num_train_timesteps: t.num_train_timesteps,
    }),
  );
}

describe('DiscreteSchedule (golden: k-diffusion CompVisDenoiser sigmas)', () => {
  const model = goldenModel();
  const g = golden.schedules.model_sigmas;

  it('matches the first and last model sigmas and sigma_min/max', () => {
    expect(model.sigmas.length).toBe(1000);
    expect(relErr(model.sigmas.subarray(0, 5), g.first)).toBeLessThan(1e-13);
    expect(relErr(model.sigmas.subarray(995), g.last)).toBeLessThan(1e-13);
    expect(model.sigmaMin).toBeCloseTo(g.sigma_min, 14);
    expect(model.sigmaMax / g.sigma_max - 1).toBeLessThan(1e-13);
  });

  it('has ascending sigmas and consistent alphas_cumprod', () => {
    for (let i = 1; i < model.sigmas.length; i++) expect(model.sigmas[i]).toBeGreaterThan(model.sigmas[i - 1]);
    const i = 500;
    const a = model.alphasCumprod[i];
    expect(Math.sqrt((1 - a) / a)).toBeCloseTo(model.sigmas[i], 12);
  });

  it('reproduces get_sigmas(n) via tToSigma on t = linspace(len−1, 0, n)', () => {
    for (const n of ['10', '25']) {
      const ts = linspace(model.sigmas.length - 1, 0, Number(n));
      const sigmas = [...Array.from(ts, (t) => model.tToSigma(t)), 0];
      expect(relErr(sigmas, golden.schedules.discrete[n])).toBeLessThan(1e-12);
    }
  });

  it('sigmaToT inverts tToSigma and hits table entries exactly', () => {
    for (const t of [0, 0.25, 1, 17.5, 400.125, 998.9, 999]) {
      expect(model.sigmaToT(model.tToSigma(t))).toBeCloseTo(t, 9);
    }
    expect(model.sigmaToT(model.sigmas[123])).toBeCloseTo(123, 10);
    // outside the table it clamps to the ends, as k-diffusion does
    expect(model.sigmaToT(model.sigmaMax * 10)).toBe(999);
    expect(model.sigmaToT(model.sigmaMin / 10)).toBe(0);
  });

  it('rejects sigma ≤ 0 and t outside the table', () => {
    expect(() => model.sigmaToT(0)).toThrow(/positive sigma, got 0/);
    expect(() => model.tToSigma(1000)).toThrow(/\[0, 999\], got 1000/);
    expect(() => model.tToSigma(Number.NaN)).toThrow(EngineError);
  });
});

describe('beta schedules', () => {
  it('linear is a float64 linspace of betas', () => {
    const b = betasFor({ ...SD1_TRAINING_SCHEDULE, betaSchedule: 'linear', betaStart: 0.0001, betaEnd: 0.02 });
    expect(b[0]).toBeCloseTo(0.0001, 15);
    expect(b[999]).toBeCloseTo(0.02, 15);
    expect(b[1] - b[0]).toBeCloseTo((0.02 - 0.0001) / 999, 15);
  });

  it('scaled_linear squares a linspace of sqrt(beta)', () => {
    const b = betasFor(SD1_TRAINING_SCHEDULE);
    expect(Math.sqrt(b[500])).toBeCloseTo(Math.sqrt(0.00085) + (500 * (Math.sqrt(0.012) - Math.sqrt(0.00085))) / 999, 14);
  });

  it('squaredcos_cap_v2 follows the cosine alpha-bar of Nichol & Dhariwal, capped at 0.999', () => {
    const ts = { ...SD1_TRAINING_SCHEDULE, betaSchedule: 'squaredcos_cap_v2' as const };
    const model = new DiscreteSchedule(ts);
    const f = (t: number): number => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    // ᾱ_t is the product of (1 − β) and telescopes to f((t+1)/T) / f(0) while no beta is capped
    expect(model.alphasCumprod[100]).toBeCloseTo(f(101 / 1000) / f(0), 12);
    const b = betasFor(ts);
    expect(b[999]).toBe(0.999);
    for (let i = 1; i < model.sigmas.length; i++) expect(model.sigmas[i]).toBeGreaterThan(model.sigmas[i - 1]);
  });
});

describe('trainingScheduleFromConfig', () => {
  it('fills SD 1.x defaults for missing fields', () => {
    expect(trainingScheduleFromConfig({})).toEqual(SD1_TRAINING_SCHEDULE);
  });

  it('reads an SD-Turbo style config', () => {
    const ts = trainingScheduleFromConfig({
      _class_name: 'EulerDiscreteScheduler',
      beta_schedule: 'scaled_linear',
      beta_start: 0.00085,
      beta_end: 0.012,
      num_train_timesteps: 1000,
      prediction_type: 'v_prediction',
      steps_offset: 1,
      timestep_spacing: 'trailing',
    });
    expect(ts.timestepSpacing).toBe('trailing');
    expect(ts.predictionType).toBe('v_prediction');
  });

  it('rejects bad values with MODEL_INVALID naming the field and the value', () => {
    const bad: [unknown, RegExp][] = [
      [null, /expected a JSON object/],
      [[1], /an array/],
      [{ beta_schedule: 'sigmoid' }, /"beta_schedule" is "sigmoid"; supported values are scaled_linear, linear, squaredcos_cap_v2/],
      [{ prediction_type: 'sample' }, /"prediction_type" is "sample"/],
      [{ num_train_timesteps: 10.5 }, /"num_train_timesteps" is 10.5; it must be an integer/],
      [{ beta_start: '0.1' }, /"beta_start" is "0.1"/],
      [{ beta_start: 0.02, beta_end: 0.01 }, /"beta_end" \(0.01\) is smaller/],
      [{ timestep_spacing: 'uniform' }, /"timestep_spacing" is "uniform"/],
    ];
    for (const [cfg, re] of bad) {
      let err: unknown;
      try {
        trainingScheduleFromConfig(cfg);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe('MODEL_INVALID');
      expect((err as EngineError).message).toMatch(re);
    }
  });

  it('refuses trained_betas and zero-SNR rescaling as MODEL_UNSUPPORTED', () => {
    expect(() => trainingScheduleFromConfig({ trained_betas: [0.1, 0.2] })).toThrow(/trained_betas/);
    expect(() => trainingScheduleFromConfig({ rescale_betas_zero_snr: true })).toThrow(/rescale_betas_zero_snr/);
  });
});
