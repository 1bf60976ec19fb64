/**
 * SDXL folder checks on copies of the sdxl-tiny fixture with one thing changed: what is missing or
 * inconsistent is said in plain words, and the default size follows unet/config.json.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelFolder } from '../../../../src-main/engine/models/folder.ts';

const SDXL = path.resolve(import.meta.dirname, '../../../fixtures/models/sdxl-tiny');
let tmp = '';
let count = 0;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'reverie-sdxl-folder-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function copy(change: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(tmp, `sdxl-${++count}`);
  await cp(SDXL, dir, { recursive: true });
  await change(dir);
  return dir;
}

async function editJson(file: string, patch: Record<string, unknown>): Promise<void> {
  const value = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify({ ...value, ...patch }));
}

describe('SDXL folder checks', () => {
  it('an SDXL UNet without text_encoder_2/ says what the folder lacks', async () => {
    const dir = await copy(async (d) => {
      await rm(path.join(d, 'text_encoder_2'), { recursive: true });
      await rm(path.join(d, 'tokenizer_2'), { recursive: true });
      await editJson(path.join(d, 'model_index.json'), { _class_name: 'StableDiffusionPipeline' });
    });
    const { report } = await readModelFolder(dir);
    expect(report.valid).toBe(false);
    expect(report.problems).toContain('unet/model.onnx has an input this engine cannot feed: text_embeds (an SDXL UNet: the folder needs text_encoder_2/ and tokenizer_2/ beside it)');
  });

  it('a missing tokenizer_2 and an odd force_zeros_for_empty_prompt are problems', async () => {
    const dir = await copy(async (d) => {
      await rm(path.join(d, 'tokenizer_2', 'merges.txt'));
      await editJson(path.join(d, 'model_index.json'), { force_zeros_for_empty_prompt: 'yes' });
    });
    const { report } = await readModelFolder(dir);
    expect(report.problems).toEqual(['model_index.json: force_zeros_for_empty_prompt is "yes"; expected true or false', 'tokenizer_2/merges.txt is missing']);
  });

  it('a refiner (requires_aesthetics_score) is refused with what runs instead', async () => {
    const dir = await copy((d) => editJson(path.join(d, 'model_index.json'), { requires_aesthetics_score: true }));
    const { report } = await readModelFolder(dir);
    expect(report.problems).toEqual([
      'SDXL refiner folders are not supported (_class_name is StableDiffusionXLPipeline, requires_aesthetics_score is true): the refiner conditions on an aesthetic score; ' +
        'use an SDXL base or SDXL-Turbo export (text_encoder/ and text_encoder_2/)',
    ]);
  });

  it('the default size is unet/config.json sample_size × the VAE factor; force_zeros defaults to true', async () => {
    const dir = await copy(async (d) => {
      await editJson(path.join(d, 'unet', 'config.json'), { sample_size: 96 });
      const index = JSON.parse(await readFile(path.join(d, 'model_index.json'), 'utf8')) as Record<string, unknown>;
      delete index.force_zeros_for_empty_prompt;
      await writeFile(path.join(d, 'model_index.json'), JSON.stringify(index));
    });
    const { facts } = await readModelFolder(dir);
    expect(facts).toMatchObject({ family: 'sdxl', defaultSize: [768, 768], scalingFactor: 0.13025, vaeFactor: 8, sdxl: { forceZerosForEmptyPrompt: true } });
    const bad = await copy((d) => editJson(path.join(d, 'unet', 'config.json'), { sample_size: 'big' }));
    expect((await readModelFolder(bad)).report.problems).toEqual(['unet/config.json: sample_size is "big"; expected a whole number of latent cells such as 128']);
  });
});
