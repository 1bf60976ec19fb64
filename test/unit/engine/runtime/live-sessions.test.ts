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
});
