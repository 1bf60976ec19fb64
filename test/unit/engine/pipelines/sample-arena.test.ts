/**
 * sampleLatents runs the sampler's buffers in an arena (samplers/ops-kernels.ts kernelArena): the same
 * latents, bit for bit, as the sampler on ordinary arrays, run after run in the same arena, and the
 * result leaves the arena.
 */
import { describe, expect, it } from 'vitest';
import type { ModelDenoiser } from '../../../../src-main/engine/models/model.ts';
import { brownianSpec, imageNoise, sampleLatents } from '../../../../src-main/engine/pipelines/sample.ts';
import { WasmArena } from '../../../../src-main/engine/runtime/wasm-arena.ts';
import { kernelArena, releaseArena } from '../../../../src-main/engine/samplers/ops-kernels.ts';
import { SAMPLERS } from '../../../../src-main/engine/samplers/registry.ts';
import { karrasSigmas } from '../../../../src-main/engine/schedules/index.ts';
import type { F32Tensor } from '../../../../src-main/engine/types.ts';

const shape = [4, 32, 32] as const;

/** the exact denoiser of Gaussian data, with a ripple so that every element differs */
function predict(x: F32Tensor, sigma: number): F32Tensor {
  const k = 0.25 / (0.25 + sigma * sigma);
  const data = new Float32Array(x.data.length);
  for (let i = 0; i < data.length; i++) data[i] = 0.1 + (x.data[i] - 0.1) * k + Math.sin(i * 0.01) * 0.03;
  return { dtype: 'float32', dims: x.dims, data };
}

const bits = (t: F32Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

describe('sampleLatents in an arena', () => {
  it('gives every sampler the latents of its run on ordinary arrays, and hands back an array of its own', async () => {
    const sigmas = karrasSigmas(4, 0.03, 14.6);
    const context: F32Tensor = { dtype: 'float32', dims: [1, 77, 8], data: new Float32Array(77 * 8) };
    const denoise = (async (x: F32Tensor, sigma: number) => predict(x, sigma)) as ModelDenoiser;
    let seen: WasmArena | undefined;
    for (const entry of SAMPLERS) {
      let stepsInArena = 0;
      const got = await sampleLatents({
        denoise, cond: context, uncond: null, cfgScale: 1, cfgBatched: false, unetBatchable: true,
        sampler: entry, sigmas, seeds: [5], latentShape: shape,
        onStep: (info) => {
          stepsInArena += WasmArena.holding(info.x.data) ? 1 : 0;
          if (entry === SAMPLERS[SAMPLERS.length - 1]) seen = WasmArena.holding(info.x.data);
        },
      });
      const { initial, noise } = imageNoise([5], shape, false, brownianSpec(entry, entry.defaults, sigmas));
      const x: F32Tensor = { ...initial, data: initial.data.map((v) => 0 + v * sigmas[0]) };
      const want = await entry.fn(async (t, s) => predict(t, s), x, sigmas, { noise }, entry.defaults);
      expect(WasmArena.holding(want.data)).toBeUndefined();
      expect({ id: entry.id, same: bits(got.latents).equals(bits(want)) }).toEqual({ id: entry.id, same: true });
      expect(stepsInArena).toBe(sigmas.length - 1);
      expect(WasmArena.holding(got.latents.data)).toBeUndefined();
      expect(got.latents.dims).toEqual([1, ...shape]);
    }
    // every run after the first took the arena the one before gave back, and left it reset
    const arena = kernelArena(4 * 32 * 32);
    expect(arena).toBe(seen);
    expect(arena!.take(1)!.byteOffset).toBe(0);
    releaseArena(4 * 32 * 32, arena!);
  });
});
