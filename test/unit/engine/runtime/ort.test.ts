import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSession, linuxGpuDevicePresent, ortVersion, probeProviders, shortOrtMessage } from '../../../../src-main/engine/runtime/ort.ts';
import { EngineError } from '../../../../src-main/engine/types.ts';

const MODELS = path.resolve(import.meta.dirname, '../../../fixtures/models');
const VAE = path.join(MODELS, 'sd15-script', 'vae_decoder', 'model.onnx');

describe('ortVersion', () => {
  it('reports the installed onnxruntime-node version', () => {
    expect(ortVersion()).toMatch(/^1\.30\.\d+$/);
  });
});

describe('probeProviders', () => {
  it('reports every provider, with CPU working, and caches the verdict', async () => {
    const started = Date.now();
    const statuses = await probeProviders();
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(statuses.map((s) => s.id)).toEqual(['cpu', 'cuda', 'webgpu', 'dml', 'coreml']);
    const cpu = statuses.find((s) => s.id === 'cpu');
    expect(cpu).toMatchObject({ label: 'CPU', bundled: true, works: true });
    for (const s of statuses) {
      expect(s.detail.length).toBeGreaterThan(0);
      if (!s.bundled) expect(s.works).toBe(false);
    }
    expect(await probeProviders()).toBe(statuses); // same cached array
  });

  it('matches this platform: DirectML only on Windows, CoreML only on macOS', async () => {
    const statuses = await probeProviders();
    expect(statuses.find((s) => s.id === 'dml')?.bundled).toBe(process.platform === 'win32');
    expect(statuses.find((s) => s.id === 'coreml')?.bundled).toBe(process.platform === 'darwin');
  });
});

describe('createSession', () => {
  it('creates a CPU session with the model metadata', async () => {
    const { model, note } = await createSession(VAE, 'cpu');
    expect(model.provider).toBe('cpu');
    expect(note).toBeUndefined();
    expect(model.inputs).toEqual([{ name: 'latent_sample', type: 'float32', dims: ['batch', 'channels', 'height', 'width'] }]);
    const out = await model.run({ latent_sample: { dtype: 'float32', dims: [1, 4, 1, 1], data: new Float32Array(4) } });
    expect(out.sample.dims).toEqual([1, 3, 8, 8]);
    await model.release();
  });

  it('auto uses a GPU provider only when its probe worked, else CPU with a note', async () => {
    const statuses = await probeProviders();
    const gpuWorks = statuses.some((s) => s.id !== 'cpu' && s.works && !s.software);
    const started = Date.now();
    const { model, note } = await createSession(VAE, 'auto', 'vae_decoder/model.onnx');
    expect(Date.now() - started).toBeLessThan(10_000);
    if (!gpuWorks) {
      expect(model.provider).toBe('cpu');
      expect(note).toMatch(/^no GPU provider is available on this machine \(\w+: [^;]+(; \w+: [^;]+)*\); using CPU$/);
      if (/No supported adapters/.test(statuses.find((s) => s.id === 'webgpu')?.detail ?? '')) expect(note).toContain('webgpu: no adapter');
      // a provider that works on a software device only (WebGPU on Mesa's lavapipe) is passed over
      for (const soft of statuses.filter((s) => s.software)) expect(note).toContain(`${soft.id}: a software device only`);
    }
    await model.release();
  });

  it('falls back to CPU with a note when an explicitly chosen provider is not available', async () => {
    const statuses = await probeProviders();
    const missing = statuses.find((s) => !s.bundled);
    if (!missing) return; // every provider bundled: nothing to fall back from
    const { model, note } = await createSession(VAE, missing.id, 'vae_decoder/model.onnx');
    expect(model.provider).toBe('cpu');
    expect(note).toBe(`${missing.id} is not available (${missing.detail}); using cpu`);
    await model.release();
  });

  it('falls back to CPU with a note when a bundled provider does not work here', async () => {
    const broken = (await probeProviders()).find((s) => s.bundled && !s.works);
    if (!broken) return; // every bundled provider works on this machine
    const { model, note } = await createSession(VAE, broken.id, 'vae_decoder/model.onnx');
    expect(model.provider).toBe('cpu');
    expect(note).toBe(`${broken.id} is unavailable on this machine (${broken.detail}); using cpu`);
    await model.release();
  });

  it('throws MODEL_INVALID naming the file when even the CPU cannot load it', async () => {
    const bad = path.join(MODELS, 'broken-corrupt-onnx', 'vae_decoder', 'model.onnx');
    const err = await createSession(bad, 'cpu', 'vae_decoder/model.onnx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('MODEL_INVALID');
    expect((err as EngineError).message).toMatch(/^ONNX Runtime could not load vae_decoder\/model\.onnx: /);
  });
});

describe('linuxGpuDevicePresent', () => {
  it('a DRM render node or an NVIDIA device file means a GPU; neither on Linux means software Vulkan only', () => {
    const fs = (entries: Record<string, string[]>) => (dir: string) => entries[dir] ?? [];
    expect(linuxGpuDevicePresent('linux', fs({ '/dev/dri': ['card0', 'renderD128'] }))).toBe(true);
    expect(linuxGpuDevicePresent('linux', fs({ '/dev': ['null', 'nvidia0', 'nvidiactl'] }))).toBe(true);
    expect(linuxGpuDevicePresent('linux', fs({ '/dev/dri': ['card0'], '/dev': ['null', 'nvidiactl'] }))).toBe(false);
    expect(linuxGpuDevicePresent('linux', fs({}))).toBe(false);
    expect(linuxGpuDevicePresent('win32', fs({}))).toBe(true);
    expect(linuxGpuDevicePresent('darwin', fs({}))).toBe(true);
  });
});

describe('shortOrtMessage', () => {
  it('keeps the human part of an ORT assertion message', () => {
    const raw =
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize() ' +
      'adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters';
    expect(shortOrtMessage(new Error(raw))).toBe('Failed to get a WebGPU adapter: No supported adapters');
    expect(shortOrtMessage('x'.repeat(500))).toHaveLength(240);
  });
});
