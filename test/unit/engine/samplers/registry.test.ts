import { describe, expect, it } from 'vitest';
import { SAMPLERS, getSampler, parseA1111Sampler, resolveOptions, totalModelCalls } from '../../../../src-main/engine/samplers/registry.ts';
import type { SamplerId } from '../../../../src-main/engine/samplers/registry.ts';
import { EngineError } from '../../../../src-main/engine/types.ts';

const ALL: SamplerId[] = ['euler', 'euler_ancestral', 'heun', 'dpm_2', 'dpm_2_ancestral', 'lms', 'dpmpp_2s_ancestral', 'dpmpp_sde', 'dpmpp_2m', 'dpmpp_2m_sde', 'dpmpp_3m_sde', 'ddim', 'lcm'];

function engineError(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error('expected an EngineError');
}

describe('sampler registry', () => {
  it('lists every sampler once, with A1111 labels', () => {
    expect(SAMPLERS.map((s) => s.id)).toEqual(ALL);
    expect(SAMPLERS.map((s) => s.label)).toEqual(['Euler', 'Euler a', 'Heun', 'DPM2', 'DPM2 a', 'LMS', 'DPM++ 2S a', 'DPM++ SDE', 'DPM++ 2M', 'DPM++ 2M SDE', 'DPM++ 3M SDE', 'DDIM', 'LCM']);
    const owner = new Map<string, string>();
    for (const s of SAMPLERS) {
      for (const name of [s.id, s.label, ...s.aliases].map((n) => n.toLowerCase())) {
        expect(owner.get(name) ?? s.id).toBe(s.id); // no name resolves to two samplers
        owner.set(name, s.id);
        expect(getSampler(name).id).toBe(s.id);
      }
    }
  });

  it('every entry is complete and self-consistent', () => {
    for (const s of SAMPLERS) {
      expect(s.description.length).toBeGreaterThan(20);
      expect(s.description.endsWith('.')).toBe(true);
      expect([1, 2]).toContain(s.modelCallsPerStep);
      for (const k of Object.keys(s.defaults)) expect(s.options).toContain(k);
      expect(s.aliases).toContain(`sample_${s.id}`);
    }
  });

  it('finds samplers by id, label or alias, case-insensitively', () => {
    expect(getSampler('dpmpp_2m').id).toBe('dpmpp_2m');
    expect(getSampler('Euler a').id).toBe('euler_ancestral');
    expect(getSampler('  dpm++ 2m sde ').id).toBe('dpmpp_2m_sde');
    expect(getSampler('sample_lms').id).toBe('lms');
    expect(getSampler('k_euler_a').id).toBe('euler_ancestral');
    expect(getSampler('DPM2 a').id).toBe('dpm_2_ancestral');
  });

  it('unknown ids are BAD_INPUT listing the valid ids', () => {
    const e = engineError(() => getSampler('plms'));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toBe(`unknown sampler "plms"; valid ids: ${ALL.join(', ')}`);
  });

  it('reads old A1111 names that carry the schedule', () => {
    expect(parseA1111Sampler('DPM++ 2M Karras')).toMatchObject({ sampler: { id: 'dpmpp_2m' }, schedule: 'karras' });
    expect(parseA1111Sampler('DPM++ SDE Exponential')).toMatchObject({ sampler: { id: 'dpmpp_sde' }, schedule: 'exponential' });
    const plain = parseA1111Sampler('Euler a');
    expect(plain.sampler.id).toBe('euler_ancestral');
    expect(plain.schedule).toBeUndefined();
    expect(engineError(() => parseA1111Sampler('UniPC Karras')).code).toBe('BAD_INPUT');
  });

  it('resolveOptions overlays defaults and rejects options a sampler does not read', () => {
    expect(resolveOptions(getSampler('dpmpp_2m_sde'), { eta: 0.5 })).toEqual({ eta: 0.5, s_noise: 1, solver_type: 'midpoint' });
    expect(resolveOptions(getSampler('euler'), { s_tmax: 10 })).toEqual({ s_churn: 0, s_tmin: 0, s_noise: 1, s_tmax: 10 });
    expect(engineError(() => resolveOptions(getSampler('euler'), { eta: 1 })).message).toBe('sampler euler has no option "eta"; its options: s_churn, s_tmin, s_tmax, s_noise');
    expect(engineError(() => resolveOptions(getSampler('dpmpp_2m'), { eta: 1 })).message).toMatch(/its options: none/);
  });

  it('totalModelCalls saves one call on the last step of two-call samplers', () => {
    expect(totalModelCalls(getSampler('euler'), 20)).toBe(20);
    expect(totalModelCalls(getSampler('heun'), 20)).toBe(39);
    expect(totalModelCalls(getSampler('heun'), 1)).toBe(1);
    expect(totalModelCalls(getSampler('heun'), 0)).toBe(0);
  });
});
