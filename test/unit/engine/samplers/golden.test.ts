/** Every case of ../shared/reference/samplers.json: k-diffusion's samplers in float64 on the analytic denoiser. */
import { afterAll, describe, expect, it } from 'vitest';
import { getSampler } from '../../../../src-main/engine/samplers/registry.ts';
import { DiscreteSchedule, trainingScheduleFromConfig } from '../../../../src-main/engine/schedules/discrete.ts';
import { buildSigmas } from '../../../../src-main/engine/schedules/index.ts';
import { loadGolden, relErr } from '../schedules/golden.ts';
import { f32, f64, gaussianDenoiser, replayContext } from './harness.ts';

const golden = loadGolden();
const { mean, var: v } = golden.denoiser;
const model = new DiscreteSchedule(trainingScheduleFromConfig(golden.training_schedule));
let worst64 = 0;
let worst32 = 0;
let passed = 0;

describe('golden sampler cases (k-diffusion, float64)', () => {
  it('has the expected cases', () => {
    expect(golden.cases.length).toBe(22);
  });

  for (const c of golden.cases) {
    const name = `${c.sampler} ${JSON.stringify(c.options)} on ${c.schedule}`;

    it(`${name}: schedule matches buildSigmas`, () => {
      const steps = c.sigmas.length - 1;
      const ours = c.schedule === 'karras' ? buildSigmas('karras', steps, model) : buildSigmas('normal', steps, model);
      expect(relErr(ours, c.sigmas)).toBeLessThan(1e-12);
      expect(c.schedule === 'karras' || c.schedule === 'discrete').toBe(true);
    });

    it(`${name}: float64 reproduces every step and the result to ~1e-12`, async () => {
      const entry = getSampler(c.sampler);
      const denoise = gaussianDenoiser(mean, v, (a) => f64(a));
      const { ctx, steps, noiseCalls } = replayContext(c.noise, (a) => f64(a));
      const out = await entry.fn(denoise, f64(c.x_init), Float64Array.from(c.sigmas), ctx, c.options);
      expect(noiseCalls.length).toBe(c.noise.length);
      expect(steps.length).toBe(c.steps.length);
      let err = relErr(out.data, c.expected);
      for (const [k, g] of c.steps.entries()) {
        expect(steps[k].i).toBe(g.i);
        expect(steps[k].sigma).toBe(g.sigma);
        err = Math.max(err, relErr(steps[k].x.data, g.x), relErr(steps[k].denoised.data, g.denoised));
      }
      worst64 = Math.max(worst64, err);
      expect(err).toBeLessThan(1e-11);
      passed++;
    });

    it(`${name}: float32 stays within 1e-5`, async () => {
      const entry = getSampler(c.sampler);
      const denoise = gaussianDenoiser(mean, v, (a) => f32(a));
      const { ctx } = replayContext(c.noise, (a) => f32(a));
      const out = await entry.fn(denoise, f32(c.x_init), Float64Array.from(c.sigmas), ctx, c.options);
      expect(out.data).toBeInstanceOf(Float32Array);
      const err = relErr(out.data, c.expected);
      worst32 = Math.max(worst32, err);
      expect(err).toBeLessThan(1e-5);
    });
  }

  afterAll(() => {
    console.log(`golden: ${passed}/${golden.cases.length} float64 cases passed; max rel err float64 ${worst64.toExponential(2)}, float32 ${worst32.toExponential(2)}`);
  });
});
