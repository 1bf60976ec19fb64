import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelFolderSize } from '../../../../src-main/engine/models/files.ts';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('modelFolderSize', () => {
  it('counts top-level files and component folders, not a recipe or other folders beside them', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'reverie-size-'));
    dirs.push(dir);
    await mkdir(path.join(dir, 'unet'));
    await mkdir(path.join(dir, 'recipe', 'work'), { recursive: true });
    await writeFile(path.join(dir, 'model_index.json'), 'x'.repeat(10));
    await writeFile(path.join(dir, 'unet', 'model.onnx'), 'x'.repeat(100));
    await writeFile(path.join(dir, 'recipe', 'work', 'checkpoint.pt'), 'x'.repeat(5000));
    expect(await modelFolderSize(dir)).toBe(110);
  });
});
