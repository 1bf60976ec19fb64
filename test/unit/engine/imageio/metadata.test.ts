import { describe, expect, it } from 'vitest';
import { parseComfy } from '../../../../src-main/engine/imageio/comfy.ts';
import { parseInvoke } from '../../../../src-main/engine/imageio/invoke.ts';
import { readGenerationMetadata } from '../../../../src-main/engine/imageio/metadata.ts';
import { encodePng } from '../../../../src-main/engine/imageio/png.ts';

// ComfyUI's default graph as its SaveImage node stores it (API format, `prompt` chunk).
const COMFY_PROMPT = JSON.stringify({
  '3': { inputs: { seed: 156680208700286, steps: 20, cfg: 8, sampler_name: 'euler', scheduler: 'normal', denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] }, class_type: 'KSampler' },
  '4': { inputs: { ckpt_name: 'v1-5-pruned-emaonly.safetensors' }, class_type: 'CheckpointLoaderSimple' },
  '5': { inputs: { width: 512, height: 768, batch_size: 1 }, class_type: 'EmptyLatentImage' },
  '6': { inputs: { text: 'beautiful scenery nature glass bottle landscape, , purple galaxy bottle,', clip: ['4', 1] }, class_type: 'CLIPTextEncode' },
  '7': { inputs: { text: 'text, watermark', clip: ['4', 1] }, class_type: 'CLIPTextEncode' },
  '8': { inputs: { samples: ['3', 0], vae: ['4', 2] }, class_type: 'VAEDecode' },
  '9': { inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] }, class_type: 'SaveImage' },
});

// The editor graph (`workflow` chunk) with KSamplerAdvanced, links [id, from, fromSlot, to, toSlot, type].
const COMFY_WORKFLOW = JSON.stringify({
  last_node_id: 9,
  nodes: [
    { id: 4, type: 'CheckpointLoaderSimple', widgets_values: ['dreamshaper_8.safetensors'] },
    { id: 5, type: 'EmptyLatentImage', widgets_values: [640, 448, 1] },
    { id: 6, type: 'CLIPTextEncode', inputs: [{ name: 'clip', link: 3 }], widgets_values: ['a red fox in snow'] },
    { id: 7, type: 'CLIPTextEncode', inputs: [{ name: 'clip', link: 5 }], widgets_values: ['blurry'] },
    {
      id: 3,
      type: 'KSamplerAdvanced',
      inputs: [{ name: 'model', link: 1 }, { name: 'positive', link: 4 }, { name: 'negative', link: 6 }, { name: 'latent_image', link: 2 }],
      widgets_values: ['enable', 987654, 'fixed', 28, 6.5, 'dpmpp_2m', 'karras', 0, 10000, 'disable'],
    },
  ],
  links: [[1, 4, 0, 3, 0, 'MODEL'], [2, 5, 0, 3, 3, 'LATENT'], [3, 4, 1, 6, 0, 'CLIP'], [4, 6, 0, 3, 1, 'CONDITIONING'], [5, 4, 1, 7, 0, 'CLIP'], [6, 7, 0, 3, 2, 'CONDITIONING']],
});

const INVOKE = JSON.stringify({
  generation_mode: 'txt2img',
  positive_prompt: 'a lighthouse, oil painting',
  negative_prompt: 'people',
  width: 512,
  height: 512,
  seed: 3141592,
  rand_device: 'cpu',
  cfg_scale: 7.5,
  steps: 30,
  scheduler: 'dpmpp_2m_k',
  model: { key: 'abc', hash: 'blake3:00', name: 'stable-diffusion-v1-5', base: 'sd-1', type: 'main' },
});

function tiny(): { width: number; height: number; data: Uint8Array } {
  return { width: 2, height: 2, data: new Uint8Array(12).fill(90) };
}

describe('ComfyUI metadata', () => {
  it('reads the API graph: follows KSampler positive/negative to CLIPTextEncode', () => {
    expect(parseComfy(COMFY_PROMPT, undefined)).toEqual({
      source: 'comfyui',
      prompt: 'beautiful scenery nature glass bottle landscape, , purple galaxy bottle,',
      negativePrompt: 'text, watermark',
      seed: 156680208700286,
      steps: 20,
      cfgScale: 8,
      sampler: 'euler',
      schedule: 'normal',
      width: 512,
      height: 768,
      model: 'v1-5-pruned-emaonly.safetensors',
      extra: {},
    });
  });

  it('falls back to the editor graph (KSamplerAdvanced widgets, links)', () => {
    expect(parseComfy('not json', COMFY_WORKFLOW)).toMatchObject({
      prompt: 'a red fox in snow',
      negativePrompt: 'blurry',
      seed: 987654,
      steps: 28,
      cfgScale: 6.5,
      sampler: 'dpmpp_2m',
      schedule: 'karras',
      width: 640,
      height: 448,
      model: 'dreamshaper_8.safetensors',
    });
  });

  it('follows text through a primitive node and returns null without a sampler', () => {
    const graph = JSON.parse(COMFY_PROMPT) as Record<string, { inputs: Record<string, unknown>; class_type: string }>;
    graph['6'].inputs.text = ['10', 0];
    graph['10'] = { inputs: { value: 'from a primitive' }, class_type: 'PrimitiveString' };
    expect(parseComfy(JSON.stringify(graph), undefined)?.prompt).toBe('from a primitive');
    expect(parseComfy(JSON.stringify({ '1': { class_type: 'SaveImage', inputs: {} } }), undefined)).toBeNull();
  });
});

describe('InvokeAI metadata', () => {
  it('reads invokeai_metadata', () => {
    expect(parseInvoke(INVOKE)).toEqual({
      source: 'invokeai',
      prompt: 'a lighthouse, oil painting',
      negativePrompt: 'people',
      seed: 3141592,
      steps: 30,
      cfgScale: 7.5,
      sampler: 'dpmpp_2m_k',
      width: 512,
      height: 512,
      model: 'stable-diffusion-v1-5',
      extra: { generation_mode: 'txt2img', rand_device: 'cpu' },
    });
    expect(parseInvoke('[1,2]')).toBeNull();
  });
});

describe('readGenerationMetadata on real PNG bytes', () => {
  it('prefers A1111 parameters, then ComfyUI, then InvokeAI; null without metadata', async () => {
    const a1111 = 'a cat\nSteps: 4, Sampler: Euler, CFG scale: 1, Seed: 0, Size: 2x2, Model: tiny';
    const both = await encodePng(tiny(), [{ keyword: 'prompt', text: COMFY_PROMPT }, { keyword: 'parameters', text: a1111 }]);
    expect(readGenerationMetadata(both)).toMatchObject({ source: 'a1111', prompt: 'a cat', width: 2 });
    const comfy = await encodePng(tiny(), [{ keyword: 'prompt', text: COMFY_PROMPT }, { keyword: 'workflow', text: COMFY_WORKFLOW }]);
    expect(readGenerationMetadata(comfy)).toMatchObject({ source: 'comfyui', seed: 156680208700286 });
    const invoke = await encodePng(tiny(), [{ keyword: 'invokeai_metadata', text: INVOKE }]);
    expect(readGenerationMetadata(invoke)).toMatchObject({ source: 'invokeai', seed: 3141592 });
    expect(readGenerationMetadata(await encodePng(tiny()))).toBeNull();
  });
});
