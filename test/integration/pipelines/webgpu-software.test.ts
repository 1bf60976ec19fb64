/**
 * The GPU path without a GPU: onnxruntime-node's bundled WebGPU provider (Dawn) on Mesa's software
 * Vulkan driver (llvmpipe/lavapipe). Dawn refuses Mesa 22.3's lavapipe ("Vulkan
 * shaderUniform*ArrayDynamicIndexing required": it lacks sampled- and storage-image array dynamic
 * indexing); Mesa 25 (Debian bookworm-backports) has them, and the default model then runs on WebGPU
 * and gives the CPU's image within a level or two of 255. CI installs that driver and sets
 * REVERIE_REQUIRE_WEBGPU=1, so there the test must run; elsewhere it runs when an adapter is found.
 */
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { txt2img } from '../../../src-main/engine/pipelines/txt2img.ts';
import { probeProviders } from '../../../src-main/engine/runtime/ort.ts';

const MODEL = path.join(import.meta.dirname, '..', '..', '..', 'models', 'reverie-mini');
const required = process.env.REVERIE_REQUIRE_WEBGPU === '1';
const webgpu = (await probeProviders()).find((s) => s.id === 'webgpu');
const available = webgpu?.works === true;

describe.runIf(available || required)('WebGPU on a software Vulkan device', () => {
  it('the WebGPU adapter is found (CI installs Mesa 25 lavapipe for it)', () => {
    expect(webgpu?.works, `WebGPU probe: ${webgpu?.detail ?? 'no status'}`).toBe(true);
  });

  it('the default model on WebGPU gives the CPU image within 2 levels of 255', { timeout: 240_000 }, async () => {
    const params = { modelDir: MODEL, prompt: 'a red apple on a blue background', seed: 3, steps: 4 };
    const images: Buffer[] = [];
    for (const provider of ['webgpu', 'cpu'] as const) {
      const cache = new PipelineCache();
      try {
        const r = await txt2img({ ...params, provider }, { cache });
        expect(r.provider).toBe(provider);
        images.push(await sharp(r.images[0].png).raw().toBuffer());
      } finally {
        await cache.dispose();
      }
    }
    const [gpu, cpu] = images;
    expect(gpu.length).toBe(cpu.length);
    let max = 0;
    let sum = 0;
    for (let i = 0; i < gpu.length; i++) {
      const d = Math.abs(gpu[i] - cpu[i]);
      max = Math.max(max, d);
      sum += d;
    }
    expect(max).toBeLessThanOrEqual(2);
    expect(sum / gpu.length).toBeLessThan(0.05);
  });
});
