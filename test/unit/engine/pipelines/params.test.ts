import { describe, expect, it } from 'vitest';
import { checkTxt2ImgParams, resolveForModel, resolveSchedule, seedFor } from '../../../../src-main/engine/pipelines/params.ts';
import type { Txt2ImgParams } from '../../../../src-main/engine/pipelines/params.ts';
import type { ModelInfo } from '../../../../src-main/engine/models/model.ts';
import { EngineError } from '../../../../src-main/engine/types.ts';

const base: Txt2ImgParams = { modelDir: '/models/x', prompt: 'a cat' };

function errorOf(p: Partial<Txt2ImgParams>): EngineError {
  try {
    checkTxt2ImgParams({ ...base, ...p } as Txt2ImgParams);
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error(`no error for ${JSON.stringify(p)}`);
}

describe('txt2img parameter validation', () => {
  it.each([
    [{ steps: 0 }, 'steps must be a whole number from 1 to 1000, got 0 (use at least 1 step; 20 is typical)'],
    [{ steps: 2.5 }, 'steps must be a whole number from 1 to 1000, got 2.5'],
    [{ width: 500 }, 'width must be a multiple of 8 (the VAE works on 8×8 blocks), got 500; nearest valid: 496 or 504'],
    [{ height: 515 }, 'height must be a multiple of 8 (the VAE works on 8×8 blocks), got 515; nearest valid: 512 or 520'],
    [{ width: 32 }, 'width must be from 64 to 4096 pixels, got 32'],
    [{ height: 8192 }, 'height must be from 64 to 4096 pixels, got 8192'],
    [{ width: Number.NaN }, 'width must be a number of pixels, got NaN'],
    [{ cfgScale: Number.NaN }, 'CFG scale must be a number from 0 to 100 (1 = no guidance, 7 is typical), got NaN'],
    [{ cfgScale: -1 }, 'CFG scale must be a number from 0 to 100 (1 = no guidance, 7 is typical), got -1'],
    [{ seed: 2 ** 32 }, 'seed must be a whole number from 0 to 4294967295, got 4294967296 (or -1 for a random seed)'],
    [{ seed: -2 }, 'seed must be a whole number from 0 to 4294967295, got -2 (or -1 for a random seed)'],
    [{ batchSize: 0 }, 'batch size must be a whole number from 1 to 16, got 0'],
    [{ batchCount: 1001 }, 'batch count must be a whole number from 1 to 1000, got 1001'],
    [{ modelDir: '' }, 'modelDir is required: the folder of an ONNX diffusion model'],
    [{ provider: 'tpu' as never }, 'unknown provider "tpu"; valid: auto, cpu, cuda, webgpu, dml, coreml'],
  ])('%o → %s', (p, message) => {
    const err = errorOf(p);
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toBe(message);
  });

  it('names the valid sampler and schedule ids for unknown ones', () => {
    expect(errorOf({ sampler: 'warp' }).message).toMatch(/^unknown sampler "warp"; valid ids: euler, euler_ancestral, /);
    expect(errorOf({ schedule: 'zigzag' }).message).toMatch(/^unknown schedule "zigzag"; valid ids: normal, karras, /);
    expect(errorOf({ sampler: 'euler', samplerOptions: { eta: 1 } }).message).toMatch(/sampler euler has no option "eta"/);
  });

  it('accepts ids, A1111 labels, the old "DPM++ 2M Karras" form and A1111 schedule names', () => {
    expect(checkTxt2ImgParams({ ...base, sampler: 'Euler a' }).sampler?.id).toBe('euler_ancestral');
    const old = checkTxt2ImgParams({ ...base, sampler: 'DPM++ 2M Karras' });
    expect([old.sampler?.id, old.schedule]).toEqual(['dpmpp_2m', 'karras']);
    const explicit = checkTxt2ImgParams({ ...base, sampler: 'DPM++ 2M Karras', schedule: 'exponential' });
    expect(explicit.schedule).toBe('exponential');
    expect(resolveSchedule('Uniform')).toBe('normal');
    expect(resolveSchedule('SGM Uniform')).toBe('sgm_uniform');
    expect(checkTxt2ImgParams({ ...base, schedule: 'Automatic' }).schedule).toBeUndefined();
  });

  it('allows an empty prompt, keeps an explicit seed, draws a random one for -1', () => {
    const p = checkTxt2ImgParams({ ...base, prompt: '', seed: 1234 });
    expect([p.prompt, p.seed, p.seedWasRandom]).toEqual(['', 1234, false]);
    const seeds = new Set(Array.from({ length: 8 }, () => checkTxt2ImgParams({ ...base, seed: -1 }).seed));
    expect(seeds.size).toBeGreaterThan(1);
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s <= 2 ** 32 - 1).toBe(true);
    expect(checkTxt2ImgParams(base).seedWasRandom).toBe(true);
  });

  it('fills model defaults: size, and no guidance with euler a for guidance-distilled models', () => {
    const info = { name: 'm', defaultWidth: 256, defaultHeight: 384, guidanceFree: false, vaeFactor: 8, sizeStep: 8 } as ModelInfo;
    const r = resolveForModel(checkTxt2ImgParams({ ...base, seed: 1 }), info);
    expect([r.width, r.height, r.steps, r.cfgScale, r.sampler.id, r.schedule]).toEqual([256, 384, 20, 7, 'dpmpp_2m', 'karras']);
    const turbo = resolveForModel(checkTxt2ImgParams({ ...base, seed: 1 }), { ...info, guidanceFree: true });
    expect([turbo.steps, turbo.cfgScale, turbo.sampler.id, turbo.schedule]).toEqual([1, 1, 'euler_ancestral', 'normal']);
    expect(turbo.samplerOptions).toEqual({ eta: 1, s_noise: 1 });
    const chosen = resolveForModel(checkTxt2ImgParams({ ...base, seed: 1, width: 512, cfgScale: 3, steps: 4 }), { ...info, guidanceFree: true });
    expect([chosen.width, chosen.height, chosen.cfgScale, chosen.steps]).toEqual([512, 384, 3, 4]);
  });

  it("sdeNoise (the studio's SDE noise choice) reaches the samplers that take it, is ignored by the others, and loses to an explicit option", () => {
    const info = { name: 'm', defaultWidth: 256, defaultHeight: 256, guidanceFree: false, vaeFactor: 8, sizeStep: 8 } as ModelInfo;
    const run = (p: Partial<Txt2ImgParams>) => resolveForModel(checkTxt2ImgParams({ ...base, seed: 1, ...p }), info).samplerOptions;
    expect(run({ sampler: 'dpmpp_2m_sde', sdeNoise: 'brownian' })).toEqual({ eta: 1, s_noise: 1, solver_type: 'midpoint', noise: 'brownian' });
    expect(run({ sampler: 'DPM++ SDE', sdeNoise: 'brownian' }).noise).toBe('brownian');
    expect(run({ sampler: 'dpmpp_3m_sde', sdeNoise: 'gaussian' }).noise).toBe('gaussian');
    expect(run({ sampler: 'dpmpp_3m_sde' }).noise).toBeUndefined();
    // Euler and the model's default sampler (DPM++ 2M) draw no SDE noise: no option, no error
    expect(run({ sampler: 'euler', sdeNoise: 'brownian' })).toEqual({ s_churn: 0, s_tmin: 0, s_noise: 1 });
    expect(run({ sdeNoise: 'brownian' })).toEqual({});
    expect(run({ sampler: 'dpmpp_sde', samplerOptions: { noise: 'gaussian' }, sdeNoise: 'brownian' }).noise).toBe('gaussian');
    expect(errorOf({ sdeNoise: 'pink' as never }).message).toBe('SDE noise must be gaussian or brownian, got "pink"');
  });

  it("refuses a side the UNet cannot halve evenly, naming the model's size step and the nearest valid sides", () => {
    // reverie-mini v2: a ×16 VAE and a UNet that halves the latents twice: sides are multiples of 64
    const info = { name: 'reverie-mini', defaultWidth: 256, defaultHeight: 256, guidanceFree: false, vaeFactor: 16, sizeStep: 64 } as ModelInfo;
    expect(resolveForModel(checkTxt2ImgParams({ ...base, seed: 1, width: 320, height: 192 }), info)).toMatchObject({ width: 320, height: 192 });
    expect(() => resolveForModel(checkTxt2ImgParams({ ...base, seed: 1, width: 336, height: 256 }), info)).toThrow(
      'width must be a multiple of 64 for reverie-mini (its VAE works on 16×16 blocks and its UNet halves the latents 2 times), got 336; nearest valid: 320 or 384',
    );
  });

  it('seeds of later images are seed + n, wrapping at 2^32', () => {
    expect(seedFor(10, 3)).toBe(13);
    expect(seedFor(2 ** 32 - 1, 1)).toBe(0);
  });
});
