/** LoadedModel.load over every fixture folder: model facts, provider choice, refusals. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoadedModel } from '../../../src-main/engine/models/model.ts';
import type { ModelInfo } from '../../../src-main/engine/models/model.ts';
import { probeProviders } from '../../../src-main/engine/runtime/ort.ts';
import { CancelledError, EngineError } from '../../../src-main/engine/types.ts';
import { FACTS, FIXTURE_MODELS } from './fixture-facts.ts';

const SD15_PREVIEW = [
  [0.3444, 0.1385, 0.067],
  [0.1247, 0.4027, 0.1494],
  [-0.3192, 0.2513, 0.2103],
  [-0.1307, -0.1874, -0.7445],
];

const EXPECTED: Record<string, Partial<ModelInfo>> = {
  'sd15-script': { family: 'sd1', defaultWidth: 512, guidanceFree: false, cfgBatchable: true },
  'sd15-optimum': { family: 'sd1', defaultWidth: 512, guidanceFree: false, cfgBatchable: true },
  'sd15-fp16': { family: 'sd1', defaultWidth: 512, guidanceFree: false, cfgBatchable: true },
  'sd15-static': { family: 'sd1', defaultWidth: 512, guidanceFree: false, cfgBatchable: false },
  'sd15-inpaint': { family: 'sd1', defaultWidth: 512, guidanceFree: false, cfgBatchable: true },
  'sd2-v': { family: 'sd2', defaultWidth: 768, defaultHeight: 768, guidanceFree: false },
  'sd-turbo': { family: 'sd-turbo', defaultWidth: 512, guidanceFree: true },
  'reverie-tiny': { family: 'reverie', defaultWidth: 256, defaultHeight: 256, guidanceFree: false },
  'reverie-f16': { family: 'reverie', defaultWidth: 256, defaultHeight: 256, guidanceFree: false },
};

describe('LoadedModel.load', () => {
  it.each(Object.keys(EXPECTED))('%s: model facts from configs and session metadata', async (name) => {
    const spec = FACTS.folders[name];
    const model = await LoadedModel.load(path.join(FIXTURE_MODELS, name), { provider: 'cpu' });
    try {
      expect(model.info).toMatchObject({
        ...EXPECTED[name],
        dir: path.join(FIXTURE_MODELS, name),
        name,
        scalingFactor: spec.scaling_factor,
        latentChannels: spec.channels,
        unetInChannels: spec.inpaint ? 2 * spec.channels + 1 : spec.channels,
        inpainting: spec.inpaint,
        textHiddenSize: spec.hidden,
        textLength: 77,
        // from the VAE config's block_out_channels where it says (reverie-f16: 5 entries = 16), else the family's 8
        vaeFactor: spec.factor,
      });
      expect(model.info.schedule).toMatchObject({ predictionType: spec.prediction, timestepSpacing: spec.spacing });
      expect(model.provider).toBe('cpu');
      expect(model.providerNote).toBeUndefined();
      expect(model.tokenizer.padId).toBe(spec.pad_token === '!' ? 0 : model.tokenizer.eosId);
      expect(model.discrete.sigmaMax).toBeCloseTo(14.6146, 3);
      if (name === 'reverie-tiny') {
        expect(model.info.previewFactors).toEqual({ weights: [[0.9, 0.1, -0.2], [0.1, 0.8, 0.1], [-0.2, 0.2, 0.7]], bias: [0.05, -0.05, 0.02] });
      } else if (name === 'reverie-f16') {
        expect(model.info.previewFactors.weights).toHaveLength(4);
      } else {
        expect(model.info.previewFactors).toEqual({ weights: SD15_PREVIEW, bias: [0, 0, 0] });
      }
    } finally {
      await model.dispose();
    }
  });

  it('auto picks a working GPU provider or falls back to CPU with a note', async () => {
    // a provider that works on a software device only (WebGPU on Mesa's lavapipe) is passed over by auto
    const gpu = (await probeProviders()).find((s) => s.id !== 'cpu' && s.works && !s.software);
    const started = Date.now();
    const model = await LoadedModel.load(path.join(FIXTURE_MODELS, 'sd15-script'));
    try {
      expect(Date.now() - started).toBeLessThan(15_000);
      if (gpu) {
        expect(model.provider).not.toBe('cpu');
      } else {
        expect(model.provider).toBe('cpu');
        expect(model.providerNote).toMatch(/^no GPU provider is available on this machine \(.+\); using CPU$/);
      }
      const ids = [model.tokenizer.encodePadded('red').ids];
      expect((await model.encodeText(ids)).dims).toEqual([1, 77, 768]);
    } finally {
      await model.dispose();
    }
  });

  it('refuses broken and unsupported folders with every problem in one message', async () => {
    const cases: [string, string, string][] = [
      ['sdxl-refiner-refused', 'MODEL_UNSUPPORTED', 'sdxl-refiner-refused cannot be loaded: SDXL refiner folders are not supported (_class_name is StableDiffusionXLImg2ImgPipeline'],
      ['broken-missing-unet', 'MODEL_INVALID', 'broken-missing-unet cannot be loaded: unet/model.onnx is missing'],
      ['broken-corrupt-onnx', 'MODEL_INVALID', 'broken-corrupt-onnx cannot be loaded: unet/model.onnx is not a readable ONNX model'],
      ['does-not-exist', 'MODEL_NOT_FOUND', 'does-not-exist cannot be loaded: model folder not found'],
    ];
    for (const [name, code, start] of cases) {
      const err = await LoadedModel.load(path.join(FIXTURE_MODELS, name)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe(code);
      expect((err as EngineError).message.startsWith(start)).toBe(true);
    }
    const err = (await LoadedModel.load(path.join(FIXTURE_MODELS, 'broken-corrupt-onnx')).catch((e: unknown) => e)) as EngineError;
    expect(err.message).toContain('; vae_decoder/model.onnx is not a readable ONNX model');
  });

  it('stops when the signal is aborted', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(LoadedModel.load(path.join(FIXTURE_MODELS, 'sd15-script'), { signal: ctl.signal })).rejects.toBeInstanceOf(CancelledError);
  });

  it('cannot be used after dispose', async () => {
    const model = await LoadedModel.load(path.join(FIXTURE_MODELS, 'sd15-script'), { provider: 'cpu' });
    await model.dispose();
    await expect(model.encodeText([model.tokenizer.encodePadded('red').ids])).rejects.toThrow('text_encoder/model.onnx: session used after dispose()');
  });
});
