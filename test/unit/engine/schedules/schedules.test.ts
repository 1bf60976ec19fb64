import { describe, expect, it } from 'vitest';
import { DiscreteSchedule, SD1_TRAINING_SCHEDULE, trainingScheduleFromConfig } from '../../../../src-main/engine/schedules/discrete.ts';
import {
  SCHEDULES,
  buildSigmas,
  exponentialSigmas,
  getSchedule,
  karrasSigmas,
  polyexponentialSigmas,
  sigmasForStrength,
} from '../../../../src-main/engine/schedules/index.ts';
import type { ScheduleId } from '../../../../src-main/engine/schedules/index.ts';
import { EngineError } from '../../../../src-main/engine/types.ts';
import { loadGolden, relErr } from './golden.ts';

const golden = loadGolden();
const model = new DiscreteSchedule(trainingScheduleFromConfig(golden.training_schedule));
const turbo = new DiscreteSchedule({ ...SD1_TRAINING_SCHEDULE, timestepSpacing: 'trailing', predictionType: 'v_prediction' });
const ids = SCHEDULES.map((s) => s.id);

function badInput(fn: () => unknown, re: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EngineError);
  expect((err as EngineError).code).toBe('BAD_INPUT');
  expect((err as EngineError).message).toMatch(re);
}

describe('schedules against k-diffusion golden numbers', () => {
  for (const n of ['10', '25']) {
    it(`normal ≡ DiscreteSchedule.get_sigmas(${n})`, () => {
      expect(relErr(buildSigmas('normal', Number(n), model), golden.schedules.discrete[n])).toBeLessThan(1e-12);
    });
    it(`karras(${n}) between the model's sigma_min and sigma_max, rho 7`, () => {
      expect(relErr(buildSigmas('karras', Number(n), model), golden.schedules.karras[n])).toBeLessThan(1e-12);
    });
    it(`exponential(${n})`, () => {
      expect(relErr(buildSigmas('exponential', Number(n), model), golden.schedules.exponential[n])).toBeLessThan(1e-12);
      expect(relErr(exponentialSigmas(Number(n), model.sigmaMin, model.sigmaMax), polyexponentialSigmas(Number(n), model.sigmaMin, model.sigmaMax, 1))).toBeLessThan(1e-13);
    });
    it(`polyexponential rho 2 (${n})`, () => {
      expect(relErr(polyexponentialSigmas(Number(n), model.sigmaMin, model.sigmaMax, 2), golden.schedules.polyexponential_rho2[n])).toBeLessThan(1e-12);
    });
  }
});

describe('every schedule', () => {
  for (const id of ids) {
    it(`${id}: steps + 1 strictly decreasing positive sigmas ending in 0, from sigma_max`, () => {
      for (const m of [model, turbo]) {
        for (const steps of [1, 2, 3, 7, 10, 25, 50, 150, 999, 1000]) {
          const s = buildSigmas(id, steps, m);
          expect(s.length).toBe(steps + 1);
          expect(s[steps]).toBe(0);
          expect(s[0] / m.sigmaMax).toBeCloseTo(1, 12);
          for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThan(s[i - 1]);
          expect(s[steps - 1]).toBeGreaterThan(0);
        }
      }
    });
    it(`${id}: steps = 1 is [sigma_max, 0]`, () => {
      const s = buildSigmas(id, 1, model);
      expect(s.length).toBe(2);
      expect(s[0] / model.sigmaMax).toBeCloseTo(1, 12);
      expect(s[1]).toBe(0);
    });
  }

  it('rejects bad steps and unknown ids with BAD_INPUT', () => {
    for (const steps of [0, -1, 2.5, Number.NaN, 1001]) badInput(() => buildSigmas('karras', steps, model), /steps must be a whole number from 1 to 1000, got/);
    badInput(() => buildSigmas('beta' as ScheduleId, 10, model), /unknown schedule "beta"; valid ids: normal, karras, exponential, sgm_uniform, simple/);
    expect(getSchedule('Karras').id).toBe('karras');
  });

  it('karras and friends refuse sigma_min ≤ 0 or an inverted range', () => {
    badInput(() => karrasSigmas(10, 0, 14.6), /0 < sigma_min < sigma_max/);
    badInput(() => exponentialSigmas(10, 2, 1), /sigma_min 2, sigma_max 1/);
    badInput(() => polyexponentialSigmas(10, 0.1, Infinity, 2), /sigma_max Infinity/);
  });

  it('karras with a tiny sigma_min stays strictly decreasing and ends at sigma_min, then 0', () => {
    const s = karrasSigmas(30, 1e-12, 14.614641229333635);
    expect(s[29] / 1e-12).toBeCloseTo(1, 6);
    expect(s[30]).toBe(0);
    for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThan(s[i - 1]);
  });
});

describe('normal with trailing spacing (SD-Turbo), as diffusers computes timesteps', () => {
  // np.round(np.arange(1000, 0, -1000 / steps)) - 1 (numpy rounds half to even)
  const expected: Record<number, number[]> = {
    3: [999, 666, 332],
    4: [999, 749, 499, 249],
    16: [999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61],
  };
  for (const [steps, ts] of Object.entries(expected)) {
    it(`${steps} steps hit timesteps ${ts.slice(0, 4).join(', ')}…`, () => {
      const s = buildSigmas('normal', Number(steps), turbo);
      expect(Array.from(s)).toEqual([...ts.map((t) => turbo.sigmas[t]), 0]);
    });
  }
  it('differs from the k-diffusion linspace for leading/linspace configs', () => {
    expect(buildSigmas('normal', 4, turbo)[1]).not.toBe(buildSigmas('normal', 4, model)[1]);
  });
});

describe('sgm_uniform and simple (ComfyUI)', () => {
  it('sgm_uniform(n) is normal(n + 1) without its lowest sigma', () => {
    for (const n of [1, 4, 10, 25]) {
      const sgm = buildSigmas('sgm_uniform', n, model);
      const normal = buildSigmas('normal', n + 1, model);
      expect(relErr(sgm.subarray(0, n), normal.subarray(0, n))).toBeLessThan(1e-14);
      expect(sgm[n - 1]).toBeGreaterThan(model.sigmaMin);
    }
  });

  it('simple takes every (1000 / steps)-th table sigma from the top', () => {
    expect(Array.from(buildSigmas('simple', 10, model))).toEqual([...[999, 899, 799, 699, 599, 499, 399, 299, 199, 99].map((t) => model.sigmas[t]), 0]);
    expect(Array.from(buildSigmas('simple', 3, model))).toEqual([model.sigmas[999], model.sigmas[666], model.sigmas[333], 0]);
  });
});

describe('sigmasForStrength (img2img tail slice)', () => {
  const s10 = buildSigmas('karras', 10, model);

  it('strength 1 keeps the whole schedule (a copy), strength 0 keeps only [0]', () => {
    const all = sigmasForStrength(s10, 1);
    expect(Array.from(all)).toEqual(Array.from(s10));
    expect(all).not.toBe(s10);
    expect(Array.from(sigmasForStrength(s10, 0))).toEqual([0]);
  });

  it('keeps round(n · strength) steps, rounding halves up', () => {
    const cases: [number, number][] = [[0.5, 5], [0.25, 3], [0.3, 3], [0.75, 8], [0.04, 0], [0.05, 1], [0.99, 10], [0.94, 9]];
    for (const [strength, steps] of cases) {
      const tail = sigmasForStrength(s10, strength);
      expect(tail.length - 1).toBe(steps);
      expect(Array.from(tail)).toEqual(Array.from(s10.subarray(10 - steps)));
    }
    expect(sigmasForStrength(buildSigmas('normal', 25, model), 0.5).length - 1).toBe(13); // 12.5 → 13
  });

  it('rejects strengths outside [0, 1] and schedules not ending in 0', () => {
    for (const bad of [Number.NaN, -0.1, 1.1, Infinity]) badInput(() => sigmasForStrength(s10, bad), /strength must be a number from 0 to 1, got/);
    badInput(() => sigmasForStrength(Float64Array.from([3, 2, 1]), 0.5), /ending in 0/);
  });
});
