/** The `reverie` command as users run it: a child process of src-main/cli/bin.mjs on the tiny fixtures. */
import { cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGenerationMetadata } from '../../../src-main/engine/imageio/metadata.ts';
import { readPngTextMap } from '../../../src-main/engine/imageio/png-chunks.ts';
import { REPO, runCli } from '../../helpers/cli.ts';
import type { CliOptions, CliRun } from '../../helpers/cli.ts';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'models', 'sd15-script');

const reverie = (args: string[], opts: Omit<CliOptions, 'cwd'> = {}): Promise<CliRun> => runCli(args, { ...opts, cwd: tmp });

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-cli-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('reverie generate', () => {
  it('--json: writes FILE-1.png, FILE-2.png with A1111 parameters and prints outputs, seed, provider, timings', async () => {
    const r = await reverie(['generate', '--model', FIXTURE, '--prompt', 'a red cat, "quoted"', '--negative-prompt', 'blue', '--cfg', '5.5', '--steps', '4', '--sampler', 'Euler a', '--schedule', 'exponential', '--seed', '321', '--width', '96', '--height', '64', '--batch-size', '2', '--provider', 'cpu', '--out', 'out/img.png', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { outputs: string[]; seed: number; provider: string; timings: { load: number; encode: number; steps: number[]; decode: number; total: number } };
    expect(doc.outputs).toEqual([path.join(tmp, 'out', 'img-1.png'), path.join(tmp, 'out', 'img-2.png')]);
    expect(doc.seed).toBe(321);
    expect(doc.provider).toBe('cpu');
    expect(doc.timings.steps).toHaveLength(4);
    for (const k of ['load', 'encode', 'decode', 'total'] as const) expect(doc.timings[k]).toBeGreaterThanOrEqual(0);
    for (const [i, file] of doc.outputs.entries()) {
      const png = await readFile(file);
      expect(await sharp(png).metadata()).toMatchObject({ width: 96, height: 64, format: 'png' });
      const text = readPngTextMap(png).get('parameters');
      expect(text).toBe(`a red cat, "quoted"\nNegative prompt: blue\nSteps: 4, Sampler: Euler a, Schedule type: Exponential, CFG scale: 5.5, Seed: ${321 + i}, Size: 96x64, Model: sd15-script, RNG: CPU`);
      expect(readGenerationMetadata(png)?.seed).toBe(321 + i);
    }
    expect(r.stderr).not.toMatch(/error/);
  });

  it('--hires-scale: a second pass at 2x, its fields in the PNG; the other hires flags need it', async () => {
    const r = await reverie(['generate', '--model', FIXTURE, '--prompt', 'a red cat', '--steps', '4', '--seed', '5', '--width', '64', '--height', '64', '--hires-scale', '2', '--hires-denoise', '0.6', '--hires-steps', '6', '--provider', 'cpu', '--out', 'hires.png']);
    expect(r.code).toBe(0);
    const png = await readFile(path.join(tmp, 'hires.png'));
    expect(await sharp(png).metadata()).toMatchObject({ width: 128, height: 128 });
    expect(readPngTextMap(png).get('parameters')).toMatch(/Size: 64x64, Model: sd15-script, RNG: CPU, Denoising strength: 0\.6, Hires upscale: 2, Hires steps: 6, Hires upscaler: Latent$/);
    const bad = await reverie(['generate', '--model', FIXTURE, '--prompt', 'x', '--hires-steps', '6', '--out', 'never.png']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--hires-denoise, --hires-steps and --hires-upscaler need --hires-scale N/);
  });

  it('--sde-noise brownian: DPM++ 2M SDE on Brownian-tree noise, said in the PNG; the same command again, the same bytes', async () => {
    const args = ['generate', '--model', FIXTURE, '--prompt', 'a green dog', '--sampler', 'dpmpp_2m_sde', '--steps', '4', '--seed', '8', '--width', '64', '--height', '64', '--provider', 'cpu'];
    const runs = [await reverie([...args, '--sde-noise', 'brownian', '--out', 'bt-a.png']), await reverie([...args, '--sde-noise', 'brownian', '--out', 'bt-b.png']), await reverie([...args, '--out', 'gauss.png'])];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    const [a, b, g] = await Promise.all(['bt-a.png', 'bt-b.png', 'gauss.png'].map((f) => readFile(path.join(tmp, f))));
    expect(a.equals(b)).toBe(true);
    expect(readPngTextMap(a).get('parameters')).toMatch(/RNG: CPU, SDE noise: Brownian$/);
    expect(readPngTextMap(g).get('parameters')).not.toMatch(/SDE noise/);
    const [pa, pg] = await Promise.all([a, g].map((f) => sharp(f).raw().toBuffer()));
    expect(pa.equals(pg)).toBe(false); // the same initial noise, other noise in the steps
    const bad = await reverie(['generate', '--model', FIXTURE, '--prompt', 'x', '--sde-noise', 'pink', '--out', 'never.png']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--sde-noise must be gaussian or brownian, got "pink"/);
    const euler = await reverie(['generate', '--model', FIXTURE, '--prompt', 'x', '--sampler', 'euler', '--sde-noise', 'brownian', '--out', 'never.png']);
    expect(euler.code).toBe(2);
    expect(euler.stderr).toMatch(/sampler euler has no option "noise"/);
  });

  it('same command twice gives byte-identical PNGs; plain output names the file and seed', async () => {
    const args = ['generate', '--model', FIXTURE, '--prompt', 'a green dog', '--steps', '3', '--seed', '8', '--width', '64', '--height', '64', '--provider', 'cpu'];
    const a = await reverie([...args, '--out', 'same-a.png']);
    const b = await reverie([...args, '--out', 'same-b.png']);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.stdout.split('\n')[0]).toBe('wrote same-a.png (seed 8)');
    expect(a.stdout).toMatch(/64x64, 3 steps dpmpp_2m\/karras, CFG 7, on cpu: load \d+ ms, encode \d+ ms, sampling \d+ ms, decode \d+ ms, total \d+ ms/);
    expect((await readFile(path.join(tmp, 'same-a.png'))).equals(await readFile(path.join(tmp, 'same-b.png')))).toBe(true);
    // stderr is not a TTY here: plain progress lines, no carriage returns
    expect(a.stderr).toContain('step 3/3');
    expect(a.stderr).not.toContain('\r');
  });

  it('exit 2 with one readable line for bad input; nothing written', async () => {
    const bad = await reverie(['generate', '--model', FIXTURE, '--prompt', 'x', '--steps', '0', '--out', 'never.png']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n').filter((l) => l.startsWith('error:'))).toEqual(['error: steps must be a whole number from 1 to 1000, got 0 (use at least 1 step; 20 is typical)']);
    await expect(stat(path.join(tmp, 'never.png'))).rejects.toThrow();
    const missing = await reverie(['generate', '--model', path.join(tmp, 'no-such-model'), '--prompt', 'x', '--out', 'never.png']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: .*no-such-model/m);
    const usage = await reverie(['generate', '--prompt', 'x']);
    expect([usage.code, usage.stderr]).toEqual([2, 'error: missing --out FILE.png\n']);
  });

  it('Ctrl-C (SIGINT) stops a long run promptly with exit 130', async () => {
    let sent = false;
    const started = Date.now();
    const r = await reverie(['generate', '--model', FIXTURE, '--prompt', 'a cat', '--steps', '1000', '--width', '512', '--height', '512', '--provider', 'cpu', '--out', 'long.png'], {
      onStderr: (text, child) => {
        if (!sent && /step \d+\/1000/.test(text)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('error: interrupted');
    expect(Date.now() - started).toBeLessThan(30_000);
    await expect(stat(path.join(tmp, 'long.png'))).rejects.toThrow();
  });
});

describe('reverie tokenize, models, samplers', () => {
  it('tokenize --json gives ids with BOS/EOS before padding', async () => {
    const r = await reverie(['tokenize', '--model', FIXTURE, '--json', 'a', 'photo of a red cat']);
    expect(r.code).toBe(0);
    const vocab = JSON.parse(await readFile(path.join(FIXTURE, 'tokenizer', 'vocab.json'), 'utf8')) as Record<string, number>;
    const words = ['a', 'photo', 'of', 'a', 'red', 'cat'];
    expect(JSON.parse(r.stdout)).toEqual({
      ids: [vocab['<|startoftext|>'], ...words.map((w) => vocab[`${w}</w>`]), vocab['<|endoftext|>']],
      tokens: ['<|startoftext|>', ...words.map((w) => `${w}</w>`), '<|endoftext|>'],
      truncated: false,
    });
  });

  it('models lists the user models folder with validation results', async () => {
    await cp(FIXTURE, path.join(tmp, 'data', 'models', 'my-model'), { recursive: true });
    await cp(path.join(REPO, 'test', 'fixtures', 'models', 'broken-missing-unet'), path.join(tmp, 'data', 'models', 'broken'), { recursive: true });
    const r = await reverie(['models', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { roots: string[]; models: { name: string; valid: boolean; problems: string[] }[] };
    expect(doc.roots).toEqual([path.join(REPO, 'models'), path.join(tmp, 'data', 'models')]);
    const mine = doc.models.filter((m) => m.name === 'my-model' || m.name === 'broken');
    expect(mine.map((m) => [m.name, m.valid])).toEqual([['broken', false], ['my-model', true]]);
    expect(mine[0].problems.join(' ')).toMatch(/unet/);
    const table = await reverie(['models']);
    expect(table.stdout).toMatch(/my-model\s+sd1\s+ok/);
    expect(table.stdout).toMatch(/broken\s+\S+\s+invalid/);
  });

  it('samplers prints the table', async () => {
    const r = await reverie(['samplers']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^euler_ancestral\s+Euler a\s+1\s+yes/m);
    expect(r.stdout).toMatch(/^karras\s+Karras/m);
  });
});
