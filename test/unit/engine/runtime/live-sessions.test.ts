import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoadedModel } from '../../../../src-main/engine/models/model.ts';
import { PipelineCache } from '../../../../src-main/engine/pipelines/cache.ts';
import { liveSessionCount } from '../../../../src-main/engine/runtime/session.ts';

const TINY = path.resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'models', 'reverie-tiny');

describe('live ONNX sessions (what the endurance run watches)', () => {
  it('counts the sessions a model opens and none after it is disposed, also when the cache evicts it', async () => {
    const before = liveSessionCount();
    const model = await LoadedModel.load(TINY, { provider: 'cpu' });
    const opened = liveSessionCount() - before;
    expect(opened).toBeGreaterThanOrEqual(3);
    await model.dispose();
    await model.dispose(); // twice is harmless and counts once
    expect(liveSessionCount()).toBe(before);

    const cache = new PipelineCache({ maxModels: 1 });
    await cache.model(TINY, 'cpu');
    await cache.model(TINY, 'cpu'); // a hit opens nothing
    expect(liveSessionCount()).toBe(before + opened);
    await cache.model(path.join(TINY, '.'), 'auto'); // another key: the first model is evicted and closed
    expect(liveSessionCount()).toBe(before + opened);
    await cache.dispose();
    expect(liveSessionCount()).toBe(before);
  });

  it('opens the VAE encoder on the first image to encode, once, and closes it with the model', async () => {
    const before = liveSessionCount();
    const model = await LoadedModel.load(TINY, { provider: 'cpu' });
    const loaded = liveSessionCount() - before;
    const side = model.info.sizeStep;
    const pixels = { dtype: 'float32' as const, dims: [1, 3, side, side], data: new Float32Array(3 * side * side).fill(0.25) };
    // two encodes at once open one session
    const [a, b] = await Promise.all([model.encode(pixels), model.encode(pixels)]);
    expect(liveSessionCount()).toBe(before + loaded + 1);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(a.dims).toEqual([1, model.info.latentChannels, side / model.info.vaeFactor, side / model.info.vaeFactor]);
    await model.encode(pixels);
    expect(liveSessionCount()).toBe(before + loaded + 1);
    await model.dispose();
    expect(liveSessionCount()).toBe(before);
    await expect(model.encode(pixels)).rejects.toThrow('vae_encoder/model.onnx: session used after dispose()');
    expect(liveSessionCount()).toBe(before);
  });

  it('a model loaded by a job that was then cancelled still opens its VAE encoder for a later job', async () => {
    const controller = new AbortController();
    const model = await LoadedModel.load(TINY, { provider: 'cpu', signal: controller.signal });
    controller.abort();
    const side = model.info.sizeStep;
    const latents = await model.encode({ dtype: 'float32', dims: [1, 3, side, side], data: new Float32Array(3 * side * side) });
    expect(latents.data.every(Number.isFinite)).toBe(true);
    await model.dispose();
  });
});
