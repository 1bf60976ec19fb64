/**
 * diffusers' own inpainting ONNX export (issue 18, item 11): model_index.json says
 * OnnxStableDiffusionPipeline, the UNet's `sample` channels are symbolic, and only conv_in.weight's
 * shape [C, 9, 3, 3] shows the 9 input channels. Such a folder must load and run as the inpainting
 * model it is (the same numbers as the correctly labelled fixture), not fail with a raw Conv error.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../../src-main/engine/imageio/png.ts';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { inpaint } from '../../../src-main/engine/pipelines/inpaint.ts';
import { txt2imgLatents } from '../../../src-main/engine/pipelines/txt2img.ts';
import { addWeight, copyFixture, editJson, FIXTURE_MODELS } from '../../helpers/model-copies.ts';
import { rectMaskPng } from '../edit/helpers.ts';

const cache = new PipelineCache({ maxModels: 4 });
const LABELLED = path.join(FIXTURE_MODELS, 'sd15-inpaint');
let tmp = '';
let relabelled = '';

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-diffusers-inpaint-'));
  relabelled = await copyFixture('sd15-inpaint', path.join(tmp, 'exported-inpaint'));
  await editJson(relabelled, 'model_index.json', (index) => {
    index._class_name = 'OnnxStableDiffusionPipeline';
  });
  await writeFile(path.join(relabelled, 'unet', 'config.json'), JSON.stringify({ _class_name: 'UNet2DConditionModel', in_channels: 4 }));
  await addWeight(relabelled, 'unet', 'conv_in.weight', [8, 9, 3, 3]);
});
afterAll(async () => {
  await cache.dispose();
  await rm(tmp, { recursive: true, force: true });
});

const BASE = { prompt: 'a red cat', cfgScale: 1, sampler: 'euler', schedule: 'karras', steps: 4, seed: 3, width: 64, height: 64 };

describe("diffusers' inpainting export labelled OnnxStableDiffusionPipeline", () => {
  it('loads as a 9-channel inpainting model', async () => {
    const model = await cache.model(relabelled, 'cpu');
    expect(model.info).toMatchObject({ inpainting: true, unetInChannels: 9, latentChannels: 4 });
  });

  it('text to image runs (mask of ones) and matches the correctly labelled folder', async () => {
    const [a, b] = await Promise.all([LABELLED, relabelled].map((modelDir) => txt2imgLatents({ ...BASE, modelDir, provider: 'cpu' }, { cache })));
    expect(b.batches[0].latents.data).toEqual(a.batches[0].latents.data);
  });

  it('inpainting uses the 9-channel UNet and matches the correctly labelled folder', async () => {
    const image = await encodePng({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(90) });
    const mask = await rectMaskPng(64, 64, { x: 16, y: 16, w: 32, h: 24 });
    const run = (modelDir: string) => inpaint({ ...BASE, modelDir, provider: 'cpu', image, mask, feather: 0, latentBlend: false }, { cache, record: true });
    const [a, b] = [await run(LABELLED), await run(relabelled)];
    expect(b.nineChannel).toBe(true);
    expect(b.recordings[0].final?.data).toEqual(a.recordings[0].final?.data);
  });
});
