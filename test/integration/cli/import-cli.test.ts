/** `reverie import` as users run it: a tiny LDM-named checkpoint imported, listed and generated with; bad files refused. */
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../../helpers/cli.ts';
import type { CliRun } from '../../helpers/cli.ts';

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'checkpoints');
const TEMPLATES = path.join(FIXTURES, 'templates');

let tmp = '';
const reverie = (args: string[]): Promise<CliRun> => runCli(args, { cwd: tmp });
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-import-cli-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('reverie import', () => {
  it('imports into the user models folder, `reverie models` lists it, and it generates an image', async () => {
    const r = await reverie(['import', path.join(FIXTURES, 'tiny-sd1.safetensors'), '--templates', TEMPLATES, '--name', 'My Tiny', '--json']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { dir: string; family: string; tensors: number; prediction: string };
    expect(doc).toMatchObject({ dir: path.join(tmp, 'data', 'models', 'My Tiny'), family: 'sd1', prediction: 'epsilon' });
    expect(r.stderr).toMatch(/importing 100%/);

    const list = await reverie(['models', '--json']);
    const models = (JSON.parse(list.stdout) as { models: { name: string; valid: boolean; family: string }[] }).models;
    expect(models.find((m) => m.name === 'My Tiny')).toMatchObject({ valid: true, family: 'sd1' });

    const gen = await reverie(['generate', '--model', doc.dir, '--prompt', 'a red cat', '--steps', '3', '--width', '64', '--height', '64', '--seed', '5', '--provider', 'cpu', '--out', 'cat.png']);
    expect(gen.stderr).not.toMatch(/error/);
    expect(gen.code).toBe(0);
    const meta = await sharp(path.join(tmp, 'cat.png')).metadata();
    expect(meta).toMatchObject({ width: 64, height: 64 });
    const stats = await sharp(path.join(tmp, 'cat.png')).stats();
    // random weights draw noise, but real noise: not a constant or NaN-black image
    expect(stats.channels.some((c) => c.stdev > 1)).toBe(true);
  }, 180_000);

  it('--lora merges a LoRA (named in the PNG parameters as A1111 does) and a prompt tag finds it in loras/', async () => {
    const model = path.join(tmp, 'data', 'models', 'My Tiny');
    const base = ['generate', '--model', model, '--prompt', 'a red cat', '--steps', '2', '--width', '64', '--height', '64', '--seed', '9', '--provider', 'cpu'];
    const plain = await reverie([...base, '--out', 'plain.png']);
    expect(plain.code).toBe(0);
    const withLora = await reverie([...base, '--lora', `${path.join(FIXTURES, 'lora-kohya.safetensors')}:0.8`, '--out', 'lora.png']);
    expect(withLora.stderr).not.toMatch(/error/);
    expect(withLora.code).toBe(0);
    const { readPngTextMap } = await import('../../../src-main/engine/imageio/png-chunks.ts');
    const { readFile, mkdir, copyFile } = await import('node:fs/promises');
    const params = readPngTextMap(await readFile(path.join(tmp, 'lora.png'))).get('parameters') ?? '';
    expect(params.split('\n')[0]).toBe('a red cat <lora:lora-kohya:0.8>');
    const a = await sharp(path.join(tmp, 'plain.png')).raw().toBuffer();
    const b = await sharp(path.join(tmp, 'lora.png')).raw().toBuffer();
    expect(a.equals(b)).toBe(false);

    // the same tag typed in the prompt: found in the data folder's loras/, same pixels
    await mkdir(path.join(tmp, 'data', 'loras'), { recursive: true });
    await copyFile(path.join(FIXTURES, 'lora-kohya.safetensors'), path.join(tmp, 'data', 'loras', 'lora-kohya.safetensors'));
    const tagged = await reverie([...base.slice(0, 4), 'a red cat <lora:lora-kohya:0.8>', ...base.slice(5), '--out', 'tagged.png']);
    expect(tagged.code).toBe(0);
    expect((await sharp(path.join(tmp, 'tagged.png')).raw().toBuffer()).equals(b)).toBe(true);

    const missing = await reverie([...base.slice(0, 4), 'a red cat <lora:nowhere:1>', ...base.slice(5), '--out', 'x.png']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/LoRA "nowhere" from the prompt is not in .*loras.*found: lora-kohya/);
  }, 240_000);

  it('an SDXL checkpoint imports, generates through the SDXL path, and takes an SDXL LoRA (kohya LDM names, te1/te2)', async () => {
    const r = await reverie(['import', path.join(FIXTURES, 'tiny-sdxl.safetensors'), '--templates', TEMPLATES, '--family', 'sdxl', '--json']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { dir: string; family: string };
    expect(doc.family).toBe('sdxl');
    const list = await reverie(['models', '--json']);
    const models = (JSON.parse(list.stdout) as { models: { name: string; valid: boolean; family: string }[] }).models;
    expect(models.find((m) => m.name === 'tiny-sdxl')).toMatchObject({ valid: true, family: 'sdxl' });

    const base = ['generate', '--model', doc.dir, '--prompt', 'a red cat', '--steps', '2', '--width', '64', '--height', '64', '--seed', '3', '--provider', 'cpu'];
    const plain = await reverie([...base, '--out', 'xl.png']);
    expect(plain.stderr).not.toMatch(/error/);
    expect(plain.code).toBe(0);
    const withLora = await reverie([...base, '--lora', `${path.join(FIXTURES, 'lora-sdxl.safetensors')}:0.8`, '--out', 'xl-lora.png']);
    expect(withLora.stderr).not.toMatch(/error/);
    expect(withLora.code).toBe(0);
    const a = await sharp(path.join(tmp, 'xl.png')).raw().toBuffer({ resolveWithObject: true });
    const b = await sharp(path.join(tmp, 'xl-lora.png')).raw().toBuffer();
    expect(a.info).toMatchObject({ width: 64, height: 64 });
    expect(a.data.equals(b)).toBe(false);
    await rm(doc.dir, { recursive: true }); // the later tests expect only My Tiny in the models folder
  }, 240_000);

  it('refuses a .ckpt pickle without reading it as code, and shows the conversion', async () => {
    const ckpt = path.join(tmp, 'old.ckpt');
    await writeFile(ckpt, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64)]));
    const r = await reverie(['import', ckpt, '--templates', TEMPLATES]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pickle/i);
    expect(r.stderr).toMatch(/safetensors/);
  });

  it('a truncated file and a LoRA are refused with what to do; nothing is left in the models folder', async () => {
    const { readFile } = await import('node:fs/promises');
    const whole = await readFile(path.join(FIXTURES, 'tiny-sd2.safetensors'));
    const cut = path.join(tmp, 'cut.safetensors');
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length * 0.7)));
    const r = await reverie(['import', cut, '--templates', TEMPLATES]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/truncated/);
    const lora = await reverie(['import', path.join(FIXTURES, 'lora-kohya.safetensors'), '--templates', TEMPLATES]);
    expect(lora.code).toBe(2);
    expect(lora.stderr).toMatch(/LoRA/);
    const names = await readdir(path.join(tmp, 'data', 'models'));
    expect(names.sort()).toEqual(['My Tiny']);
  }, 120_000);

  it('--family names the real family of a file of another', async () => {
    const r = await reverie(['import', path.join(FIXTURES, 'tiny-sd2.safetensors'), '--templates', TEMPLATES, '--family', 'sd1', '--into', 'elsewhere']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sd2 checkpoint, not sd1/);
    await expect(stat(path.join(tmp, 'elsewhere', 'tiny-sd2'))).rejects.toThrow();
  });
});
