import { describe, expect, it } from 'vitest';
import type { GalleryItem, ImageParameters, ModelReport } from '../../../src-renderer/src/lib/api/types.ts';
import { GenerateForm } from '../../../src-renderer/src/lib/state/generate-form.svelte.ts';
import { drawSeed, parseSeed } from '../../../src-renderer/src/lib/state/seed.ts';
import { imageWorkSize, isValidSide, roundToEight, roundToStep, sizePresets } from '../../../src-renderer/src/lib/state/size-presets.ts';

const model = (name: string, w: number, h = w, extra: Partial<ModelReport> = {}): ModelReport => ({
  id: `/models/${name}`,
  path: `/models/${name}`,
  name,
  root: '/models',
  valid: true,
  problems: [],
  defaultWidth: w,
  defaultHeight: h,
  guidanceFree: false,
  ...extra,
});
const SD15 = model('sd15', 512);
const TINY = model('tiny', 256, 192);
const TURBO = model('turbo', 512, 512, { guidanceFree: true, family: 'sd-turbo' });

/** A model list the test can change (the form reads it live, as it reads SystemState). */
function source(models: ModelReport[]) {
  return { validModels: models };
}

describe('size presets', () => {
  it('keep the short side at the model size and round the long side to a multiple of 8', () => {
    expect(sizePresets(512, 512).map((p) => [p.label, p.width, p.height])).toEqual([
      ['1:1', 512, 512],
      ['3:4', 512, 680],
      ['4:3', 680, 512],
      ['2:3', 512, 768],
      ['3:2', 768, 512],
      ['9:16', 512, 912],
      ['16:9', 912, 512],
    ]);
    expect(sizePresets(256, 192)[0]).toMatchObject({ width: 192, height: 192 });
    for (const p of sizePresets(768, 768)) expect([p.width % 8, p.height % 8]).toEqual([0, 0]);
    expect([roundToEight(517), roundToEight(20), roundToEight(9000), roundToEight(Number.NaN)]).toEqual([520, 64, 4096, 64]);
  });

  it('follows a model whose VAE downsamples by 16 (reverie-mini v2): presets, rounding and validity in steps of 16', () => {
    const presets = sizePresets(256, 256, 16);
    expect(presets.find((p) => p.label === '3:4')).toMatchObject({ width: 256, height: 336 });
    expect(presets.find((p) => p.label === '16:9')).toMatchObject({ width: 448, height: 256 });
    for (const p of presets) expect([p.width % 16, p.height % 16]).toEqual([0, 0]);
    expect([roundToStep(264, 16), roundToStep(270, 16), roundToStep(20, 16)]).toEqual([272, 272, 64]);
    expect([isValidSide(264, 16), isValidSide(272, 16), isValidSide(264)]).toEqual([false, true, true]);
  });

  it('reverie-mini v2 (size step 64: ×16 VAE, UNet halving twice): presets and an image-derived size the UNet can take', () => {
    const presets = sizePresets(256, 256, 64);
    expect(presets.map((p) => `${p.label} ${p.width}×${p.height}`)).toEqual(['1:1 256×256', '3:4 256×320', '4:3 320×256', '2:3 256×384', '3:2 384×256', '9:16 256×448', '16:9 448×256']);
    // a 384×256 photo at the model's 256² area: 313.5×209 rounds to 320×192 (208, the ×16 rounding, failed inside the UNet)
    expect(imageWorkSize({ width: 384, height: 256 }, 256 * 256, 64)).toEqual({ width: 320, height: 192 });
    expect(imageWorkSize({ width: 96, height: 64 }, 512 * 512, 8)).toEqual({ width: 96, height: 64 }); // never scaled up
  });
});

describe('seeds', () => {
  it('reads empty and -1 as random, whole numbers up to 2^32-1 as fixed, anything else as a problem', () => {
    expect(parseSeed('')).toEqual({ ok: true, seed: -1 });
    expect(parseSeed(' -1 ')).toEqual({ ok: true, seed: -1 });
    expect(parseSeed('4294967295')).toEqual({ ok: true, seed: 4294967295 });
    expect(parseSeed('4294967296')).toMatchObject({ ok: false });
    expect(parseSeed('12.5')).toMatchObject({ ok: false, message: expect.stringContaining('"12.5" is not a whole number') });
    expect(drawSeed(() => 0.5)).toBe(2147483648);
    expect(drawSeed(() => 0.9999999999)).toBeLessThanOrEqual(4294967295);
  });
});

describe('GenerateForm', () => {
  it('picks the preferred model, else the first valid one, and derives the size from it', () => {
    const models = source([SD15, TINY]);
    const form = new GenerateForm(models);
    expect(form.model?.name).toBe('sd15');
    expect([form.width, form.height]).toEqual([512, 512]);
    form.preferModel(TINY.id);
    expect(form.model?.name).toBe('tiny');
    expect([form.width, form.height]).toEqual([256, 192]);
    form.modelId = SD15.id;
    expect(form.model?.name).toBe('sd15');
    // a preset follows the model; exact pixels do not
    form.setSize({ kind: 'preset', label: '2:3' });
    expect([form.width, form.height]).toEqual([512, 768]);
    form.modelId = TINY.id;
    expect([form.width, form.height]).toEqual([192, 288]);
    form.setWidth(333);
    expect([form.width, form.height]).toEqual([336, 288]);
    form.modelId = SD15.id;
    expect([form.width, form.height]).toEqual([336, 288]);
    form.swapSize();
    expect([form.width, form.height]).toEqual([288, 336]);
    form.setSize({ kind: 'default' });
    expect([form.width, form.height]).toEqual([512, 512]);
  });

  it('falls back to another model when the picked one goes away, and remembers which was picked', () => {
    // TINY was picked, then a rescan found it broken (it is no longer among the valid models)
    const form = new GenerateForm(source([SD15]));
    form.modelId = TINY.id;
    expect(form.model?.name).toBe('sd15');
    expect(form.chosenModelId).toBe(TINY.id);
    expect(form.modelId).toBe(SD15.id);
  });

  it('clamps numbers into the contract ranges', () => {
    const form = new GenerateForm(source([SD15]));
    form.steps = 0;
    expect(form.steps).toBe(1);
    form.steps = 5000;
    expect(form.steps).toBe(1000);
    form.cfgScale = 7.25;
    expect(form.cfgScale).toBe(7.3);
    form.cfgScale = -2;
    expect(form.cfgScale).toBe(0);
    form.batchSize = 40;
    form.batchCount = 0;
    expect([form.batchSize, form.batchCount]).toEqual([16, 1]);
  });

  it('locks and unlocks the seed, draws a new one with the dice', () => {
    const form = new GenerateForm(source([SD15]));
    expect(form.seedLocked).toBe(false);
    form.toggleSeedLock(777);
    expect([form.seedText, form.seedLocked]).toEqual(['777', true]);
    form.toggleSeedLock(777);
    expect([form.seedText, form.seedLocked]).toEqual(['', false]);
    form.newSeed(() => 0.25);
    expect(form.seedText).toBe('1073741824');
    expect(form.seedLocked).toBe(true);
  });

  it('builds the jobs.submit request, or lists what stops it', () => {
    const form = new GenerateForm(source([SD15]));
    form.prompt = 'a cat';
    form.applyDefaults({ sampler: 'dpmpp_2m', schedule: 'exponential', steps: 25, cfgScale: 6, negativePrompt: 'blurry', width: null, height: null });
    form.seedText = '42';
    expect(form.toRequest('cpu')).toEqual({
      kind: 'txt2img',
      params: { model: SD15.id, prompt: 'a cat', negativePrompt: 'blurry', cfgScale: 6, steps: 25, sampler: 'dpmpp_2m', schedule: 'exponential', seed: 42, width: 512, height: 512, batchSize: 1, batchCount: 1, provider: 'cpu' },
    });
    form.seedText = 'forty-two';
    expect(form.toRequest('cpu')).toBeNull();
    expect(form.problems).toEqual([expect.stringContaining('Seed "forty-two"')]);
    const empty = new GenerateForm(source([]));
    expect(empty.toRequest('auto')).toBeNull();
    expect(empty.problems[0]).toMatch(/No model is ready/);
  });

  it('adds the hires fix to the request when on, says when its final size is too large, and reads it back from PNG parameters', () => {
    const form = new GenerateForm(source([SD15]));
    form.prompt = 'a cat';
    form.seedText = '1';
    expect(form.toRequest('cpu')?.params).not.toHaveProperty('hires');
    form.hires.enabled = true;
    form.hires.scale = 1.5;
    form.hires.denoise = 0.55;
    expect(form.toRequest('cpu')?.params).toMatchObject({ hires: { scale: 1.5, denoise: 0.55, upscaler: 'latent' } });
    expect(form.hires.finalSize(form.width, form.height, form.sizeStep)).toEqual({ width: 768, height: 768 });
    form.hires.steps = 12;
    form.hires.upscaler = 'lanczos';
    expect(form.toRequest('cpu')?.params).toMatchObject({ hires: { scale: 1.5, denoise: 0.55, steps: 12, upscaler: 'lanczos' } });
    form.setSize({ kind: 'custom', width: 3072, height: 512 });
    expect(form.toRequest('cpu')).toBeNull();
    expect(form.problems).toEqual([expect.stringMatching(/Hires fix ×1\.5 of 3072×512 would be over 4096 pixels a side/)]);
    form.applyParameters({ source: 'a1111', prompt: 'p', negativePrompt: '', extra: {}, hires: { scale: 2, denoise: 0.4, upscaler: 'latent' } });
    expect([form.hires.enabled, form.hires.scale, form.hires.denoise, form.hires.steps, form.hires.upscaler]).toEqual([true, 2, 0.4, 0, 'latent']);
    form.applyParameters({ source: 'a1111', prompt: 'p', negativePrompt: '', extra: {} });
    expect(form.hires.enabled).toBe(false);
  });

  it('applies parameters read from a PNG, with the model matched by name and notes for what it cannot use', () => {
    const models = source([SD15, TINY]);
    const form = new GenerateForm(models);
    const p: ImageParameters = { source: 'a1111', prompt: 'castle', negativePrompt: 'fog', steps: 33, sampler: 'dpmpp_2m', samplerName: 'DPM++ 2M Karras', schedule: 'karras', cfgScale: 5.5, seed: 9, width: 320, height: 448, model: 'tiny', extra: {} };
    expect(form.applyParameters(p)).toEqual([]);
    expect([form.model?.name, form.prompt, form.negativePrompt, form.steps, form.cfgScale, form.sampler, form.schedule, form.seedText, form.width, form.height]).toEqual(['tiny', 'castle', 'fog', 33, 5.5, 'dpmpp_2m', 'karras', '9', 320, 448]);
    expect(form.applyParameters({ ...p, model: 'v1-5-pruned-emaonly.safetensors', sampler: undefined })).toEqual(['The image was made with "v1-5-pruned-emaonly.safetensors", which is not in your models; keeping tiny.']);
    expect(form.sampler).toBe('dpmpp_2m');
    expect(form.applyParameters({ ...p, model: 'SD15.safetensors' })).toEqual([]);
    expect(form.model?.name).toBe('sd15');
  });

  it('sends the SDE noise with a sampler that takes it, keeps it through a reload, and takes it back from an image or a gallery item', () => {
    const sampler = (id: string, sdeNoise: boolean) => ({ id, label: id, description: '', aliases: [], stochastic: sdeNoise, modelCallsPerStep: 1, sdeNoise });
    const models = { validModels: [SD15], registry: { samplers: [sampler('euler', false), sampler('dpmpp_2m_sde', true)], schedules: [] } };
    const form = new GenerateForm(models);
    form.prompt = 'a cat';
    form.seedText = '5';
    form.sampler = 'dpmpp_2m_sde';
    expect([form.takesSdeNoise, form.sdeNoise]).toEqual([true, 'gaussian']);
    expect(form.toRequest('cpu')?.params).not.toHaveProperty('sdeNoise'); // the engine's default goes unsaid
    const before = form.inputsKey;
    form.sdeNoise = 'brownian';
    expect(form.inputsKey).not.toBe(before);
    expect(form.toRequest('cpu')?.params).toMatchObject({ sampler: 'dpmpp_2m_sde', sdeNoise: 'brownian' });
    form.sdeNoise = 'pink' as never;
    expect(form.sdeNoise).toBe('brownian');
    // Euler draws no SDE noise: the choice stays in the form, out of the request
    form.sampler = 'euler';
    expect([form.takesSdeNoise, form.toRequest('cpu')?.params]).toEqual([false, expect.not.objectContaining({ sdeNoise: expect.anything() })]);
    form.sampler = 'dpmpp_2m_sde';
    const reloaded = new GenerateForm(models);
    expect(reloaded.restore(JSON.parse(JSON.stringify(form.snapshot())))).toBe(true);
    expect(reloaded.sdeNoise).toBe('brownian');
    // an image's parameters: its own choice, or the default when it had none
    reloaded.applyParameters({ source: 'a1111', prompt: 'p', negativePrompt: '', sampler: 'dpmpp_2m_sde', extra: {} });
    expect(reloaded.sdeNoise).toBe('gaussian');
    reloaded.applyParameters({ source: 'a1111', prompt: 'p', negativePrompt: '', sampler: 'dpmpp_2m_sde', sdeNoise: 'brownian', extra: {} });
    expect(reloaded.sdeNoise).toBe('brownian');
    const item = { id: 'y', width: 512, height: 512, seed: 7, modelName: 'sd15', request: { kind: 'txt2img', params: { model: SD15.id, prompt: 'fox', negativePrompt: '', sampler: 'dpmpp_2m_sde', seed: 7, batchSize: 1, batchCount: 1, provider: 'auto' } } } as unknown as GalleryItem;
    reloaded.applyItem(item);
    expect(reloaded.sdeNoise).toBe('gaussian');
  });

  it('reuses a gallery item: its request, its own seed, one image', () => {
    const form = new GenerateForm(source([SD15, TINY, TURBO]));
    form.batchSize = 4;
    const item = {
      id: 'x',
      width: 192,
      height: 256,
      seed: 1235,
      modelName: 'tiny',
      request: { kind: 'txt2img', params: { model: TINY.id, prompt: 'fox', negativePrompt: 'snow', steps: 6, cfgScale: 3, sampler: 'euler', schedule: 'normal', seed: 1234, batchSize: 2, batchCount: 1, provider: 'auto' } },
    } as unknown as GalleryItem;
    expect(form.applyItem(item)).toEqual([]);
    expect([form.model?.name, form.prompt, form.steps, form.sampler, form.seedText, form.width, form.height, form.batchSize]).toEqual(['tiny', 'fox', 6, 'euler', '1235', 192, 256, 1]);
    const gone = { ...item, modelName: 'deleted-model', request: { ...item.request, params: { ...item.request.params, model: '/elsewhere/deleted-model' } } } as GalleryItem;
    expect(form.applyItem(gone)).toEqual(['The model "deleted-model" is not available any more; keeping tiny.']);
  });
});
