import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelSession, validateFeeds } from '../../../../src-main/engine/runtime/session.ts';
import { f32, makeTensor } from '../../../../src-main/engine/runtime/tensor.ts';
import { CancelledError, EngineError } from '../../../../src-main/engine/types.ts';
import type { Tensor } from '../../../../src-main/engine/types.ts';

const MODELS = path.resolve(import.meta.dirname, '../../../fixtures/models');

function unetFeeds(over: Record<string, Tensor> = {}): Record<string, Tensor> {
  return {
    sample: f32([2, 4, 1, 1]),
    timestep: makeTensor('int64', [2], new BigInt64Array([500n, 500n])),
    encoder_hidden_states: f32([2, 77, 768]),
    ...over,
  };
}

function messageOf(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('MODEL_UNSUPPORTED');
    return (err as EngineError).message;
  }
  throw new Error('expected validateFeeds to throw');
}

describe('ModelSession feed validation (sd15-script unet: sample [batch,channels,height,width], timestep int64 [batch])', () => {
  let unet: ModelSession;
  beforeAll(async () => {
    unet = await ModelSession.open(path.join(MODELS, 'sd15-script/unet/model.onnx'), 'unet/model.onnx', 'cpu');
  });
  afterAll(() => unet.dispose());

  const check = (feeds: Record<string, Tensor>): string => messageOf(() => validateFeeds(unet.label, unet.inputs, feeds));

  it('reads names, types and dims from the session metadata', () => {
    expect(unet.inputs.map((i) => `${i.name} ${i.type} [${i.dims.join(', ')}]`)).toEqual([
      'sample float32 [batch, channels, height, width]',
      'timestep int64 [batch]',
      'encoder_hidden_states float32 [batch, sequence, 768]',
    ]);
    expect(unet.fixedBatch('sample')).toBeUndefined();
    expect(unet.provider).toBe('cpu');
  });

  it('accepts matching feeds and runs', async () => {
    const out = await unet.run(unetFeeds());
    expect(out.out_sample.dims).toEqual([2, 4, 1, 1]);
  });

  it('names a wrong element type the way the house rule asks', () => {
    expect(check(unetFeeds({ timestep: f32([2], [500, 500]) }))).toBe('unet/model.onnx expects timestep int64, got float32');
  });

  it('reports missing and unknown inputs', () => {
    const feeds = unetFeeds({ t: f32([1]) });
    delete feeds.timestep;
    expect(check(feeds)).toBe(
      'unet/model.onnx needs timestep (inputs: sample, timestep, encoder_hidden_states); ' +
        'has no input named t (inputs: sample, timestep, encoder_hidden_states)',
    );
  });

  it('reports wrong ranks and fixed dims with what was expected and what was passed', () => {
    expect(check(unetFeeds({ sample: f32([2, 4, 1]) }))).toBe(
      'unet/model.onnx expects sample float32 [batch, channels, height, width], got float32 [2, 4, 1] (rank 3 instead of 4)',
    );
    expect(check(unetFeeds({ encoder_hidden_states: f32([2, 77, 1024]) }))).toBe(
      'unet/model.onnx expects encoder_hidden_states float32 [batch, sequence, 768], got float32 [2, 77, 1024] (dim 2 must be 768)',
    );
  });

  it('checks that a symbolic dim has one value across inputs', () => {
    expect(check(unetFeeds({ timestep: makeTensor('int64', [1], new BigInt64Array([1n])) }))).toBe(
      'unet/model.onnx dim batch is 2 in sample but 1 in timestep',
    );
  });

  it('reports data whose length does not match its dims', () => {
    const bad: Tensor = { dtype: 'float32', dims: [2, 4, 1, 1], data: new Float32Array(3) };
    expect(check(unetFeeds({ sample: bad }))).toBe('unet/model.onnx got sample with 3 values for dims [2, 4, 1, 1] (8)');
  });

  it('validates before running: run() rejects bad feeds with the same message', async () => {
    await expect(unet.run(unetFeeds({ timestep: f32([2], [1, 2]) }))).rejects.toThrow('unet/model.onnx expects timestep int64, got float32');
  });

  it('honours an aborted signal before running', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(unet.run(unetFeeds(), ctl.signal)).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('ModelSession with a fixed batch size (sd15-static unet: sample [1,4,height,width])', () => {
  it('splits a batch into runs of the fixed size and concatenates the outputs', async () => {
    const unet = await ModelSession.open(path.join(MODELS, 'sd15-static/unet/model.onnx'), 'unet/model.onnx', 'cpu');
    try {
      expect(unet.fixedBatch('sample')).toBe(1);
      const sample = f32([3, 4, 1, 1], Array.from({ length: 12 }, (_, i) => i / 10));
      const ctx = f32([3, 77, 768]);
      const t = f32([1], [250]);
      await expect(unet.run({ sample, timestep: t, encoder_hidden_states: ctx })).rejects.toThrow(/dim 0 must be 1/);
      const all = await unet.runBatched({ sample, timestep: t, encoder_hidden_states: ctx }, ['sample', 'encoder_hidden_states'], 3);
      expect(all.out_sample.dims).toEqual([3, 4, 1, 1]);
      const second = await unet.run({ sample: f32([1, 4, 1, 1], sample.data.slice(4, 8)), timestep: t, encoder_hidden_states: f32([1, 77, 768]) });
      expect(all.out_sample.data.slice(4, 8)).toEqual(second.out_sample.data);
      expect(all.out_sample.data.slice(4, 8)).not.toEqual(all.out_sample.data.slice(0, 4));
    } finally {
      await unet.dispose();
    }
  });

  it('refuses use after dispose', async () => {
    const vae = await ModelSession.open(path.join(MODELS, 'sd15-script/vae_decoder/model.onnx'), 'vae_decoder/model.onnx', 'cpu');
    await vae.dispose();
    await expect(vae.run({ latent_sample: f32([1, 4, 1, 1]) })).rejects.toThrow('vae_decoder/model.onnx: session used after dispose()');
  });
});
