import { describe, expect, it } from 'vitest';
import { mapSamplerName, mapScheduleName, readImageParameters, sniffFormat } from '../../../../src-main/engine/imageio/read-parameters.ts';
import { encodePng } from '../../../../src-main/engine/imageio/png.ts';

const pixels = (width: number, height: number) => ({ width, height, data: new Uint8Array(width * height * 3).fill(120) });

// what A1111 (and Reverie) write: prompt, "Negative prompt:" line, then the settings line
const A1111 = 'a lighthouse at dusk, oil painting\nNegative prompt: blurry, people\nSteps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 1234567, Size: 512x768, Model hash: abc123, Model: reverie-tiny, Version: v1.6.0';

// ComfyUI's SaveImage `prompt` chunk (API graph) with a 64-bit seed and a GPU sampler variant
const COMFY = JSON.stringify({
  '3': { inputs: { seed: 8000000000, steps: 25, cfg: 7.5, sampler_name: 'dpmpp_2m_sde_gpu', scheduler: 'sgm_uniform', denoise: 1, positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0], model: ['4', 0] }, class_type: 'KSampler' },
  '4': { inputs: { ckpt_name: 'dreamshaper_8.safetensors' }, class_type: 'CheckpointLoaderSimple' },
  '5': { inputs: { width: 514, height: 640, batch_size: 1 }, class_type: 'EmptyLatentImage' },
  '6': { inputs: { text: 'a red fox in the snow' }, class_type: 'CLIPTextEncode' },
  '7': { inputs: { text: 'watermark' }, class_type: 'CLIPTextEncode' },
});

describe('images.readParameters in the engine', () => {
  it('reads an A1111 PNG: old-style sampler names carry the schedule, extras kept', async () => {
    const png = await encodePng(pixels(6, 4), [{ keyword: 'parameters', text: A1111 }]);
    const out = readImageParameters({ bytes: png, name: 'a.png' });
    expect(out).toMatchObject({ format: 'png', width: 6, height: 4, notes: [] });
    expect(out.parameters).toEqual({
      source: 'a1111',
      prompt: 'a lighthouse at dusk, oil painting',
      negativePrompt: 'blurry, people',
      steps: 28,
      sampler: 'dpmpp_2m',
      samplerName: 'DPM++ 2M Karras',
      schedule: 'karras',
      cfgScale: 6.5,
      seed: 1234567,
      width: 512,
      height: 768,
      model: 'reverie-tiny',
      extra: { 'Model hash': 'abc123', Version: 'v1.6.0' },
    });
  });

  it('reads a ComfyUI PNG and says what it had to change', async () => {
    const png = await encodePng(pixels(2, 2), [{ keyword: 'prompt', text: COMFY }]);
    const out = readImageParameters({ bytes: png, name: 'ComfyUI_0001.png' });
    expect(out.parameters).toMatchObject({
      source: 'comfyui',
      prompt: 'a red fox in the snow',
      negativePrompt: 'watermark',
      steps: 25,
      cfgScale: 7.5,
      sampler: 'dpmpp_2m_sde',
      samplerName: 'dpmpp_2m_sde_gpu',
      schedule: 'sgm_uniform',
      seed: 8000000000 % 4294967296,
      width: 512,
      height: 640,
      model: 'dreamshaper_8.safetensors',
    });
    expect(out.notes.join('\n')).toMatch(/Seed 8000000000 is larger than Reverie's 32-bit seeds; using 3705032704/);
    expect(out.notes.join('\n')).toMatch(/width 514 is not a multiple of 8.*using 512/);
  });

  it("reads the SDE noise of an SDE sampler: Reverie's key, its default without one, Brownian for ComfyUI", async () => {
    const read = async (text: string, keyword = 'parameters') => readImageParameters({ bytes: await encodePng(pixels(2, 2), [{ keyword, text }]) });
    const line = (sampler: string, extra = '') => `a fox\nSteps: 8, Sampler: ${sampler}, CFG scale: 7, Seed: 3, Size: 64x64, RNG: CPU${extra}`;
    expect((await read(line('DPM++ 2M SDE', ', SDE noise: Brownian'))).parameters).toMatchObject({ sampler: 'dpmpp_2m_sde', sdeNoise: 'brownian' });
    expect((await read(line('DPM++ SDE'))).parameters?.sdeNoise).toBe('gaussian');
    const odd = await read(line('DPM++ 3M SDE', ', SDE noise: pink'));
    expect(odd.parameters?.sdeNoise).toBe('gaussian');
    expect(odd.notes).toEqual(['The SDE noise "pink" is not one Reverie knows (Gaussian or Brownian); using Gaussian.']);
    // a sampler without SDE noise carries none, whatever the text says
    expect((await read(line('Euler a', ', SDE noise: Brownian'))).parameters?.sdeNoise).toBeUndefined();
    expect((await read(COMFY, 'prompt')).parameters).toMatchObject({ sampler: 'dpmpp_2m_sde', sdeNoise: 'brownian' });
  });

  it('says so when a PNG has no parameters, or the file is no PNG', async () => {
    const plain = readImageParameters({ bytes: await encodePng(pixels(3, 5)), name: 'photo.png' });
    expect(plain).toMatchObject({ format: 'png', width: 3, height: 5, parameters: null });
    expect(plain.notes[0]).toMatch(/"photo.png" has no generation parameters/);
    const jpeg = readImageParameters({ bytes: Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), name: 'x.jpg' });
    expect(jpeg).toEqual({ format: 'jpeg', parameters: null, notes: ['"x.jpg" is a JPEG image; Reverie reads generation parameters from PNG files only.'] });
  });

  it('refuses a broken PNG with IMAGE_INVALID', async () => {
    const png = await encodePng(pixels(2, 2), [{ keyword: 'parameters', text: A1111 }]);
    const broken = png.subarray(0, 40);
    expect(() => readImageParameters({ bytes: broken })).toThrow(expect.objectContaining({ code: 'IMAGE_INVALID' }));
  });

  it('reports a sampler or schedule Reverie does not have instead of guessing', async () => {
    const text = 'cat\nSteps: 20, Sampler: UniPC, Schedule type: Align Your Steps, CFG scale: 7, Seed: 1, Size: 512x512';
    const out = readImageParameters({ bytes: await encodePng(pixels(2, 2), [{ keyword: 'parameters', text }]) });
    expect(out.parameters?.sampler).toBeUndefined();
    expect(out.parameters?.schedule).toBeUndefined();
    expect(out.notes).toEqual([
      'The sampler "UniPC" is not available in Reverie; keeping the current sampler.',
      'The schedule "Align Your Steps" is not available in Reverie; keeping the current schedule.',
    ]);
  });
});

describe('name mapping', () => {
  it('maps every writer spelling onto sampler ids', () => {
    expect(mapSamplerName('Euler a')).toEqual({ sampler: 'euler_ancestral' });
    expect(mapSamplerName('DPM++ SDE Exponential')).toEqual({ sampler: 'dpmpp_sde', schedule: 'exponential' });
    expect(mapSamplerName('euler_ancestral')).toEqual({ sampler: 'euler_ancestral' });
    expect(mapSamplerName('dpmpp_3m_sde_gpu')).toEqual({ sampler: 'dpmpp_3m_sde' });
    expect(mapSamplerName('dpmpp_2m_k')).toEqual({ sampler: 'dpmpp_2m', schedule: 'karras' });
    expect(mapSamplerName('DPM++2M')).toEqual({ sampler: 'dpmpp_2m' });
    expect(mapSamplerName('uni_pc')).toEqual({});
  });

  it('maps schedule labels and ids', () => {
    expect(mapScheduleName('Karras')).toBe('karras');
    expect(mapScheduleName('SGM Uniform')).toBe('sgm_uniform');
    expect(mapScheduleName('sgm_uniform')).toBe('sgm_uniform');
    expect(mapScheduleName('Simple')).toBe('simple');
    expect(mapScheduleName('beta')).toBeUndefined();
  });

  it('recognises image formats by their first bytes', () => {
    expect(sniffFormat(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]))).toBe('png');
    expect(sniffFormat(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '))).toBe('webp');
    expect(sniffFormat(new TextEncoder().encode('GIF89a'))).toBe('gif');
    expect(sniffFormat(new TextEncoder().encode('hello'))).toBe('unknown');
  });
});
