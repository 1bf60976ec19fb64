/**
 * The SDXL size flags and --compare-sde through the `reverie` command as users run it, on sdxl-tiny:
 * the flags reach the PNG parameters and change the image (the fixture's UNet moves its mean with any
 * size id that is not the run's); img2img takes them too; --compare-sde writes both images, both step
 * folders and a divergence that starts at 0 (one seed, one starting noise) and then grows.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPngTextMap } from '../../../src-main/engine/imageio/png-chunks.ts';
import { REPO, runCli } from '../../helpers/cli.ts';
import type { CliRun } from '../../helpers/cli.ts';

const MODEL = path.join(REPO, 'test', 'fixtures', 'models', 'sdxl-tiny');
let tmp = '';
const reverie = (args: string[]): Promise<CliRun> => runCli([...args, '--model', MODEL, '--provider', 'cpu'], { cwd: tmp });
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-sdxl-size-cli-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

const parameters = async (file: string): Promise<string | undefined> => readPngTextMap(await readFile(path.join(tmp, file))).get('parameters');
const pixels = async (file: string): Promise<Buffer> => sharp(path.join(tmp, file)).removeAlpha().raw().toBuffer();
const meanAbs = (a: Buffer, b: Buffer): number => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;

describe('reverie generate / img2img with SDXL size conditioning', () => {
  it('--original-size, --crop-top-left, --target-size: written as PNG parameters and the image changes', async () => {
    const common = ['generate', '--prompt', 'a red cat', '--cfg', '1', '--steps', '4', '--sampler', 'euler', '--seed', '4', '--width', '128', '--height', '64'];
    const plain = await reverie([...common, '--out', 'plain.png']);
    const sized = await reverie([...common, '--original-size', '512x256', '--crop-top-left', '64,32', '--target-size', '128x64', '--out', 'sized.png']);
    expect([plain.code, sized.code, sized.stderr]).toEqual([0, 0, expect.not.stringMatching(/error|warning/)]);
    expect(await parameters('plain.png')).not.toMatch(/SDXL/);
    // the target size equals the image size: its default, so not written
    expect(await parameters('sized.png')).toMatch(/Size: 128x64, Model: sdxl-tiny, RNG: CPU, SDXL original size: 512x256, SDXL crop top-left: 64x32$/);
    expect(meanAbs(await pixels('plain.png'), await pixels('sized.png'))).toBeGreaterThan(5);
  });

  it('img2img takes the same flags', async () => {
    const r = await reverie(['img2img', '--image', 'plain.png', '--strength', '0.5', '--steps', '4', '--seed', '2', '--crop-top-left', '0,16', '--out', 'edit.png']);
    expect(r.code).toBe(0);
    expect(await parameters('edit.png')).toContain('SDXL crop top-left: 0x16, Denoising strength: 0.5');
  });
});

describe('reverie generate --compare-sde', () => {
  it('writes FILE-ode.png and FILE-sde.png from one seed, each one’s steps, and how far apart their x̂₀ are per step', async () => {
    const r = await reverie(['generate', '--prompt', 'a red cat', '--cfg', '1', '--steps', '6', '--seed', '9', '--width', '128', '--height', '128', '--out', 'cmp.png', '--steps-out', 'cmp-steps', '--compare-sde', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { seed: number; ode: { output: string; sampler: string; stepsOut: { files: number } }; sde: { output: string; sampler: string }; divergence: number[]; final: number };
    expect(doc.seed).toBe(9);
    expect([doc.ode.sampler, doc.sde.sampler]).toEqual(['euler', 'euler_ancestral']);
    expect([doc.ode.output, doc.sde.output]).toEqual([path.join(tmp, 'cmp-ode.png'), path.join(tmp, 'cmp-sde.png')]);
    expect(await parameters('cmp-ode.png')).toMatch(/Sampler: Euler, .*Seed: 9,/);
    expect(await parameters('cmp-sde.png')).toMatch(/Sampler: Euler a, .*Seed: 9,/);
    // the same starting noise: x̂₀ agrees at step 1, then the SDE's fresh noise pulls it away
    expect(doc.divergence).toHaveLength(6);
    expect(doc.divergence[0]).toBe(0);
    expect(Math.max(...doc.divergence)).toBeGreaterThan(1);
    expect(doc.final).toBeCloseTo(meanAbs(await pixels('cmp-ode.png'), await pixels('cmp-sde.png')), 1);
    for (const side of ['ode', 'sde']) expect(await readdir(path.join(tmp, 'cmp-steps', side))).toEqual(expect.arrayContaining(['steps.json', 'recording.rvrec', 'step-005-x0.png']));
  });
});
