/**
 * Model folders as they arrive from outside (issue 18, items 10 and 11): a "reverie" default_size the
 * VAE cannot run, diffusers' own inpainting export (labelled OnnxStableDiffusionPipeline, 9 channels
 * only in conv_in.weight's shape), and model folders that are symbolic links, good and broken.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectModelFolder, scanModelFolders } from '../../../../src-main/engine/models/folder.ts';
import { modelFolderSize } from '../../../../src-main/engine/models/files.ts';
import { listModelFolders } from '../../../../src-main/engine/models/model-list.ts';
import { addWeight, copyFixture, editJson, FIXTURE_MODELS } from '../../../helpers/model-copies.ts';

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-real-exports-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('"reverie".default_size', () => {
  const cases: [string, string, unknown, RegExp | null][] = [
    ['reverie-tiny', 'tiny-8', [8, 8], /default_size is \[8,8\]; expected \[width, height\] in pixels, multiples of 8 from 64 to 4096/],
    ['reverie-tiny', 'tiny-huge', [65536, 65536], /default_size is \[65536,65536\]; expected .* from 64 to 4096/],
    ['reverie-tiny', 'tiny-odd', [250, 256], /default_size is \[250,256\]; expected .*multiples of 8/],
    ['reverie-tiny', 'tiny-ok', [512, 320], null],
    // reverie-f16's VAE downsamples by 16: 200 is a multiple of 8 but not a whole number of latent cells
    ['reverie-f16', 'f16-200', [200, 256], /default_size is \[200,256\]; this model's VAE works on 16×16 blocks, so expected multiples of 16 from 64 to 4096 \(nearest: \[208,256\]\)/],
    ['reverie-f16', 'f16-ok', [320, 256], null],
  ];
  for (const [fixture, name, size, problem] of cases) {
    it(`${fixture} with ${JSON.stringify(size)}: ${problem ? 'invalid, naming the field, value and range' : 'valid'}`, async () => {
      const dir = await copyFixture(fixture, path.join(tmp, name));
      await editJson(dir, 'model_index.json', (index) => {
        (index.reverie as Record<string, unknown>).default_size = size;
      });
      const report = await inspectModelFolder(dir);
      if (problem === null) {
        expect(report).toMatchObject({ valid: true, problems: [] });
      } else {
        expect(report.valid).toBe(false);
        expect(report.problems).toEqual([expect.stringMatching(problem)]);
        expect(report.problems[0]).toMatch(/^model_index\.json: "reverie"\.default_size/);
      }
    });
  }
});

describe("diffusers' inpainting export: 9 channels only in conv_in.weight", () => {
  it('is an inpainting model whatever model_index.json and unet/config.json say', async () => {
    const dir = await copyFixture('sd15-inpaint', path.join(tmp, 'diffusers-inpaint'));
    await editJson(dir, 'model_index.json', (index) => {
      index._class_name = 'OnnxStableDiffusionPipeline';
    });
    await writeFile(path.join(dir, 'unet', 'config.json'), JSON.stringify({ _class_name: 'UNet2DConditionModel', in_channels: 4, out_channels: 4 }));
    // the fixture's sample input has a symbolic channel dim, as the script export's does: without the weight the class name decides
    expect(await inspectModelFolder(dir)).toMatchObject({ valid: true, inpainting: false });
    await addWeight(dir, 'unet', 'conv_in.weight', [8, 9, 3, 3]);
    expect(await inspectModelFolder(dir)).toMatchObject({ valid: true, family: 'sd1', inpainting: true, problems: [] });
  });

  it('a 4-channel conv_in.weight overrides an Inpaint class name; another count is a problem', async () => {
    const plain = await copyFixture('sd15-script', path.join(tmp, 'labelled-inpaint'));
    await editJson(plain, 'model_index.json', (index) => {
      index._class_name = 'OnnxStableDiffusionInpaintPipeline';
    });
    await addWeight(plain, 'unet', 'conv_in.weight', [8, 4, 3, 3]);
    expect(await inspectModelFolder(plain)).toMatchObject({ valid: true, inpainting: false });
    const odd = await copyFixture('sd15-script', path.join(tmp, 'seven-channels'));
    await addWeight(odd, 'unet', 'unet.conv_in.weight', [8, 7, 3, 3]);
    expect((await inspectModelFolder(odd)).problems).toEqual(['unet/model.onnx takes 7 input channels; expected 4 (text-to-image) or 9 (inpainting)']);
  });
});

describe('model folders that are symbolic links', () => {
  let root = '';
  beforeAll(async () => {
    root = path.join(tmp, 'links-root');
    await mkdir(root);
    await symlink(path.join(FIXTURE_MODELS, 'sd15-script'), path.join(root, 'linked-model'));
    await symlink(path.join(tmp, 'nowhere'), path.join(root, 'dangling'));
    await symlink(root, path.join(root, 'self'));
    await symlink('..', path.join(root, 'parent'));
    await symlink(path.join(root, 'loop-b'), path.join(root, 'loop-a'));
    await symlink(path.join(root, 'loop-a'), path.join(root, 'loop-b'));
    await writeFile(path.join(tmp, 'notes.txt'), 'not a model');
    await symlink(path.join(tmp, 'notes.txt'), path.join(root, 'file-link'));
  });

  it('lists a linked model folder as valid, under the link name and path', async () => {
    const reports = await scanModelFolders([root]);
    expect(reports.map((r) => r.name)).toEqual(['dangling', 'linked-model', 'loop-a', 'loop-b', 'parent', 'self']);
    const linked = reports.find((r) => r.name === 'linked-model');
    expect(linked).toMatchObject({ valid: true, family: 'sd1', path: path.join(root, 'linked-model') });
    expect(linked?.sizeBytes).toBe(await modelFolderSize(path.join(FIXTURE_MODELS, 'sd15-script')));
    const listed = await listModelFolders([root]);
    expect(listed.find((e) => e.name === 'linked-model')).toMatchObject({ valid: true, defaultWidth: 512, sizeStep: 8 });
  });

  it('reports dangling, looping and self-containing links with a reason instead of recursing', async () => {
    const byName = new Map((await scanModelFolders([root])).map((r) => [r.name, r]));
    expect(byName.get('dangling')).toMatchObject({ valid: false, problems: [`dangling is a symbolic link to ${path.join(tmp, 'nowhere')}, which does not exist; restore the target or remove the link`] });
    expect(byName.get('loop-a')?.problems).toEqual([expect.stringMatching(/^loop-a is a symbolic link to .*loop-b that leads round in a loop of links/)]);
    expect(byName.get('self')?.problems).toEqual([`self is a symbolic link to ${root}, a folder that holds the link itself (a loop); point it at a model folder instead`]);
    expect(byName.get('parent')?.problems).toEqual(['parent is a symbolic link to .., a folder that holds the link itself (a loop); point it at a model folder instead']);
  });

  it('counts linked files and folders once each, and a link back up does not loop', async () => {
    const dir = path.join(tmp, 'size-links');
    await mkdir(path.join(dir, 'unet'), { recursive: true });
    await writeFile(path.join(tmp, 'blob'), 'x'.repeat(1000));
    await symlink(path.join(tmp, 'blob'), path.join(dir, 'unet', 'model.onnx'));
    await symlink(path.join(tmp, 'blob'), path.join(dir, 'unet', 'again.onnx'));
    await symlink('..', path.join(dir, 'unet', 'up'));
    await symlink(path.join(tmp, 'missing'), path.join(dir, 'unet', 'dangling'));
    await writeFile(path.join(dir, 'model_index.json'), '{}');
    expect(await modelFolderSize(dir)).toBe(1002);
  });
});
