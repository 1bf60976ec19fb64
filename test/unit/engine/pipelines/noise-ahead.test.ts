/**
 * Noise drawn ahead (pipelines/sample.ts): while the model call of a stochastic sampler runs, the
 * next noise is drawn; the values and their order are those of drawing on demand, so the image of a
 * seed does not change.
 */
import { describe, expect, it } from 'vitest';
import { drawingAhead, imageNoise } from '../../../../src-main/engine/pipelines/sample.ts';
import { SAMPLERS } from '../../../../src-main/engine/samplers/registry.ts';
import { karrasSigmas } from '../../../../src-main/engine/schedules/index.ts';
import type { F32Tensor } from '../../../../src-main/engine/types.ts';

const shape = [4, 8, 8] as const;

describe('noise drawn ahead', () => {
  it('noise() after prefetch() gives the same draws in the same order as on demand', () => {
    const plain = imageNoise([5, 6], shape);
    const ahead = imageNoise([5, 6], shape);
    expect(Array.from(ahead.initial.data)).toEqual(Array.from(plain.initial.data));
    expect(ahead.prefetch).not.toBeNull();
    ahead.prefetch?.();
    ahead.prefetch?.(); // a queue of one: a second prefetch draws nothing more
    for (let k = 0; k < 3; k++) {
      expect(Array.from(ahead.noise(0, 0).data)).toEqual(Array.from(plain.noise(0, 0).data));
    }
  });

  it('draws while the model call is pending, and every stochastic sampler gives the same latents', async () => {
    const sigmas = karrasSigmas(6, 0.03, 14.6);
    let pending = 0;
    let drawnWhilePending = 0;
    const model = async (x: F32Tensor, sigma: number): Promise<F32Tensor> => {
      pending++;
      await new Promise((r) => setTimeout(r, 1));
      pending--;
      const k = 0.25 / (0.25 + sigma * sigma);
      return { ...x, data: x.data.map((v) => 0.1 + (v - 0.1) * k) };
    };
    for (const entry of SAMPLERS.filter((s) => s.stochastic)) {
      const a = imageNoise([11], shape);
      const b = imageNoise([11], shape);
      expect(b.prefetch, entry.id).not.toBeNull();
      const x = (n: F32Tensor): F32Tensor => ({ ...n, data: n.data.map((v) => v * sigmas[0]) });
      const onDemand = await entry.fn(model, x(a.initial), sigmas, { noise: a.noise }, entry.defaults);
      const prefetch = (): void => {
        if (pending > 0) drawnWhilePending++;
        b.prefetch?.();
      };
      const ahead = await entry.fn(drawingAhead(model, prefetch), x(b.initial), sigmas, { noise: b.noise }, entry.defaults);
      expect(Array.from(ahead.data), entry.id).toEqual(Array.from(onDemand.data));
    }
    expect(drawnWhilePending).toBeGreaterThan(0);
  });
});
