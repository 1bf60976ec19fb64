import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectModelFolder, scanModelFolders } from '../../../../src-main/engine/models/folder.ts';
import type { ModelFolderReport } from '../../../../src-main/engine/models/folder.ts';

const MODELS = path.resolve(import.meta.dirname, '../../../fixtures/models');

/** Every fixture folder with its expected verdict: family/inpainting for valid ones, exact problems otherwise. */
const EXPECTED: Record<string, Partial<Omit<ModelFolderReport, 'problems'>> & { problems: unknown[] }> = {
  'sd15-script': { valid: true, family: 'sd1', inpainting: false, problems: [] },
  'sd15-optimum': { valid: true, family: 'sd1', inpainting: false, problems: [] },
  'sd15-fp16': { valid: true, family: 'sd1', inpainting: false, problems: [] },
  'sd15-static': { valid: true, family: 'sd1', inpainting: false, problems: [] },
  'sd15-inpaint': { valid: true, family: 'sd1', inpainting: true, problems: [] },
  'sd2-v': { valid: true, family: 'sd2', inpainting: false, problems: [] },
  'sd-turbo': { valid: true, family: 'sd-turbo', inpainting: false, problems: [] },
  'reverie-tiny': { valid: true, family: 'reverie', inpainting: false, problems: [] },
  'reverie-f16': { valid: true, family: 'reverie', inpainting: false, problems: [] },
  'sd15-lowvar': { valid: true, family: 'sd1', inpainting: false, problems: [] },
  'sdxl-tiny': { valid: true, family: 'sdxl', inpainting: false, problems: [] },
  'sdxl-turbo-tiny': { valid: true, family: 'sdxl-turbo', inpainting: false, problems: [] },
  'sdxl-refiner-refused': {
    valid: false,
    problems: [
      'SDXL refiner folders are not supported (_class_name is StableDiffusionXLImg2ImgPipeline, no text_encoder/): the refiner conditions on an aesthetic score; ' +
        'use an SDXL base or SDXL-Turbo export (text_encoder/ and text_encoder_2/)',
    ],
  },
  'broken-missing-unet': { valid: false, problems: ['unet/model.onnx is missing'] },
  'broken-bad-json': {
    valid: false,
    problems: [
      // V8's JSON.parse wording varies between Node versions
      expect.stringMatching(/^model_index\.json is not valid JSON \(.*position 47.*\)$/),
      'tokenizer/merges.txt is missing',
    ],
  },
  'broken-corrupt-onnx': {
    valid: false,
    problems: [
      expect.stringMatching(/^unet\/model\.onnx is not a readable ONNX model \(truncated \(a field runs to byte \d+, the file has 200\)\)$/),
      'vae_decoder/model.onnx is not a readable ONNX model (unexpected protobuf tag 116)',
    ],
  },
  'broken-missing-weights': { valid: false, problems: ['unet/model.onnx needs its external weights file unet/weights.pb, which is missing'] },
  'broken-scheduler': {
    valid: false,
    problems: ['scheduler/scheduler_config.json: "prediction_type" is "sample"; supported values are epsilon, v_prediction'],
  },
  'broken-tensor-names': {
    valid: false,
    problems: [
      'unet/model.onnx: expected inputs sample, timestep, encoder_hidden_states and output out_sample; found inputs x, t, context and outputs y',
    ],
  },
  'sd-width512': {
    valid: true,
    family: 'sd1',
    problems: [],
    warnings: [
      'text_encoder/model.onnx gives hidden size 512, which matches no known family (768: Stable Diffusion 1.x, 1024: Stable Diffusion 2.x); ' +
        "it runs with Stable Diffusion 1.x defaults (512×512, the VAE config's scaling factor or 0.18215)",
    ],
  },
};

describe('inspectModelFolder', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: ${expected.valid ? `valid ${expected.family}` : 'reports its problems'}`, async () => {
      const report = await inspectModelFolder(path.join(MODELS, name));
      expect(report).toMatchObject({ ...expected, name, path: path.join(MODELS, name) });
      expect(report.sizeBytes).toBeGreaterThan(1000);
    });
  }

  it('reports a folder that does not exist', async () => {
    const report = await inspectModelFolder(path.join(MODELS, 'nope'));
    expect(report).toMatchObject({ valid: false, problems: [`model folder not found: ${path.join(MODELS, 'nope')}`] });
  });

  it('reports every problem of an empty folder at once', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'reverie-empty-'));
    try {
      const report = await inspectModelFolder(dir);
      expect(report.problems).toEqual([
        'model_index.json is missing (a diffusers ONNX folder has one at its top level)',
        'scheduler/scheduler_config.json is missing',
        'tokenizer/vocab.json is missing',
        'tokenizer/merges.txt is missing',
        'text_encoder/model.onnx is missing',
        'unet/model.onnx is missing',
        'vae_decoder/model.onnx is missing',
      ]);
      await writeFile(path.join(dir, 'model_index.json'), JSON.stringify({ _class_name: 'FluxPipeline' }));
      const flux = await inspectModelFolder(dir);
      expect(flux.problems[0]).toBe(
        'model_index.json: pipeline FluxPipeline is not supported; Reverie runs Stable Diffusion 1.x/2.x, SD-Turbo, SDXL, SDXL-Turbo and Reverie ONNX folders',
      );
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('scanModelFolders', () => {
  it('inspects each subfolder of each root, skipping missing roots and plain files', async () => {
    const reports = await scanModelFolders([path.join(MODELS, 'does-not-exist'), MODELS]);
    expect(reports.map((r) => r.name)).toEqual(Object.keys(EXPECTED).sort());
    expect(reports.filter((r) => r.valid).map((r) => r.name).sort()).toEqual(
      Object.entries(EXPECTED).filter(([, e]) => e.valid).map(([n]) => n).sort(),
    );
  });
});
