/** The edit commands as users run them: child processes of src-main/cli/bin.mjs on the tiny fixtures. */
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPngTextMap } from '../../../src-main/engine/imageio/png-chunks.ts';
import { deserializeRecording } from '../../../src-main/engine/pipelines/record.ts';
import { REPO, runCli } from '../../helpers/cli.ts';
import type { CliRun } from '../../helpers/cli.ts';

const MODEL = path.join(REPO, 'test', 'fixtures', 'models', 'sd15-script');
const LOWVAR = path.join(REPO, 'test', 'fixtures', 'models', 'sd15-lowvar');

/** the one "error: ..." line of a failed run (ONNX Runtime may print provider warnings around it) */
function errorLine(r: CliRun): string {
  return r.stderr.split('\n').filter((l) => l.startsWith('error:')).join('\n');
}

function reverie(command: string[]): Promise<CliRun> {
  return runCli([...command, '--provider', 'cpu'], { cwd: tmp });
}

async function rgb(file: string): Promise<{ width: number; height: number; data: Buffer }> {
  const { data, info } = await sharp(path.join(tmp, file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

let tmp = '';
let photo: Buffer;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-edit-cli-'));
  // a smooth 64×64 test photo
  photo = Buffer.alloc(64 * 64 * 3);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) photo.set([100 + x, 80 + 2 * y, 150 - x], (y * 64 + x) * 3);
  await sharp(photo, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(path.join(tmp, 'photo.png'));
  const mask = Buffer.alloc(64 * 64);
  for (let y = 16; y < 40; y++) mask.fill(255, y * 64 + 16, y * 64 + 48);
  await sharp(mask, { raw: { width: 64, height: 64, channels: 1 } }).png().toFile(path.join(tmp, 'mask.png'));
  await sharp(Buffer.alloc(32 * 64), { raw: { width: 32, height: 64, channels: 1 } }).png().toFile(path.join(tmp, 'narrow-mask.png'));
  await writeFile(path.join(tmp, 'not-an-image.png'), 'hello');
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('reverie img2img', () => {
  it('--json with --steps-out: the output, the run facts, per-step PNGs, steps.json and a loadable recording', async () => {
    const r = await reverie(['img2img', '--model', MODEL, '--image', 'photo.png', '--strength', '0.5', '--steps', '8', '--sampler', 'euler', '--prompt', 'a red cat', '--seed', '5', '--out', 'out/i2i.png', '--steps-out', 'steps', '--json']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { outputs: string[]; strength: number; stepsRun: number; size: number[]; stepsOut: { dir: string; files: number } };
    expect(doc.outputs).toEqual([path.join(tmp, 'out', 'i2i.png')]);
    expect([doc.strength, doc.stepsRun, doc.size]).toEqual([0.5, 4, [64, 64]]);
    const png = await readFile(doc.outputs[0]);
    expect(readPngTextMap(png).get('parameters')).toContain('Steps: 8, Sampler: Euler, Schedule type: Karras, CFG scale: 7, Seed: 5, Size: 64x64, Model: sd15-script, RNG: CPU, Denoising strength: 0.5');
    const steps = JSON.parse(await readFile(path.join(tmp, 'steps', 'steps.json'), 'utf8')) as { decoder: string; images: { seed: number; steps: { i: number; sigma: number; t: number; xt: string; x0: string }[] }[] };
    expect(steps.decoder).toBe('preview');
    expect(steps.images).toHaveLength(1);
    expect(steps.images[0].seed).toBe(5);
    expect(steps.images[0].steps.map((s) => s.i)).toEqual([0, 1, 2, 3]);
    for (let i = 1; i < 4; i++) expect(steps.images[0].steps[i].sigma).toBeLessThan(steps.images[0].steps[i - 1].sigma);
    for (const s of steps.images[0].steps) {
      expect(await sharp(path.join(tmp, 'steps', s.xt)).metadata()).toMatchObject({ width: 8, height: 8 });
      expect(await sharp(path.join(tmp, 'steps', s.x0)).metadata()).toMatchObject({ width: 8, height: 8 });
    }
    const files = await readdir(path.join(tmp, 'steps'));
    expect(files.length).toBe(doc.stepsOut.files);
    const rec = deserializeRecording(await readFile(path.join(tmp, 'steps', 'recording.rvrec')));
    expect(rec.dims).toEqual([1, 4, 8, 8]);
    expect(rec.steps.map((s) => s.sigma)).toEqual(steps.images[0].steps.map((s) => s.sigma));
  });

  it('strength 0 writes the input pixels unchanged; --steps-decode vae writes full-size step images', async () => {
    const r = await reverie(['img2img', '--model', MODEL, '--image', 'photo.png', '--strength', '0', '--out', 'same.png']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote same\.png \(seed \d+\)$/m);
    expect((await rgb('same.png')).data.equals(photo)).toBe(true);
    const v = await reverie(['generate', '--model', MODEL, '--prompt', 'a cat', '--steps', '3', '--seed', '1', '--width', '64', '--height', '64', '--out', 'gen.png', '--steps-out', 'gen-steps', '--steps-decode', 'vae']);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('wrote 8 files to gen-steps');
    const doc = JSON.parse(await readFile(path.join(tmp, 'gen-steps', 'steps.json'), 'utf8')) as { decoder: string; images: { steps: { xt: string }[] }[] };
    expect(doc.decoder).toBe('vae');
    expect(doc.images[0].steps).toHaveLength(3);
    expect(await sharp(path.join(tmp, 'gen-steps', doc.images[0].steps[2].xt)).metadata()).toMatchObject({ width: 64, height: 64 });
  });
});

describe('reverie inpaint', () => {
  it('keeps every pixel outside the feathered mask; only-masked reports its crop box', async () => {
    const r = await reverie(['inpaint', '--model', MODEL, '--image', 'photo.png', '--mask', 'mask.png', '--feather', '1', '--prompt', 'green', '--steps', '4', '--out', 'inp.png', '--json']);
    expect(r.code).toBe(0);
    const out = await rgb('inp.png');
    let changedOutside = 0;
    let changedInside = 0;
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        const same = out.data.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3).equals(photo.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3));
        if (x < 13 || x >= 51 || y < 13 || y >= 43) changedOutside += same ? 0 : 1;
        else if (x >= 20 && x < 44 && y >= 20 && y < 36) changedInside += same ? 0 : 1;
      }
    }
    expect(changedOutside).toBe(0);
    expect(changedInside).toBeGreaterThan(300);
    expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'blend', nineChannel: false, strength: 1 });
    const om = await reverie(['inpaint', '--model', MODEL, '--image', 'photo.png', '--mask', 'mask.png', '--inpaint-mode', 'only-masked', '--padding', '4', '--steps', '3', '--out', 'om.png', '--json']);
    expect(om.code).toBe(0);
    const doc = JSON.parse(om.stdout) as { mode: string; box: { x: number; y: number; width: number; height: number } };
    expect(doc.mode).toBe('only-masked');
    expect(doc.box.x).toBeLessThanOrEqual(16 - 4);
    expect((await rgb('om.png')).width).toBe(64);
  });

  it('bad input gives exit 2 and one readable line', async () => {
    const mismatch = await reverie(['inpaint', '--model', MODEL, '--image', 'photo.png', '--mask', 'narrow-mask.png', '--out', 'x.png']);
    expect([mismatch.code, errorLine(mismatch)]).toEqual([2, "error: the mask is 32×64 but the image is 64×64; a mask must have the image's size or at least its aspect ratio"]);
    const empty = await reverie(['inpaint', '--model', MODEL, '--image', 'photo.png', '--out', 'x.png']);
    expect(empty.code).toBe(2);
    expect(errorLine(empty)).toMatch(/^error: no mask: pass a mask image/);
    const wrongFlag = await reverie(['img2img', '--model', MODEL, '--image', 'photo.png', '--mask', 'mask.png', '--out', 'x.png']);
    expect([wrongFlag.code, errorLine(wrongFlag)]).toEqual([2, 'error: unknown option --mask (see reverie img2img --help)']);
    await expect(stat(path.join(tmp, 'x.png'))).rejects.toThrow();
  });
});

describe('reverie denoise, forward, anomaly', () => {
  it('denoise --add-noise: writes denoised, noisy and baseline images and reports PSNR/SSIM', async () => {
    const r = await reverie(['denoise', '--model', LOWVAR, '--image', 'photo.png', '--add-noise', '30', '--seed', '2', '--out', 'den.png', '--noisy-out', 'noisy.png', '--baseline-out', 'median.png', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { noiseSigma: number; estimatedSigma: number; latentSigma: number; stepsRun: number; quality: Record<'input' | 'output' | 'baseline', { psnr: number; ssim: number }> };
    expect(Math.abs(doc.estimatedSigma - 30)).toBeLessThan(3);
    expect(doc.latentSigma).toBeGreaterThan(0);
    expect(doc.stepsRun).toBe(10);
    expect(doc.quality.output.psnr).toBeGreaterThan(doc.quality.input.psnr + 6);
    for (const f of ['den.png', 'noisy.png', 'median.png']) expect((await rgb(f)).width).toBe(64);
    const plain = await reverie(['denoise', '--model', LOWVAR, '--image', 'noisy.png', '--noise-sigma', '30', '--reference', 'photo.png', '--out', 'den2.png']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/noise sigma 30\.00 \(given; estimate \d+\.\d+\) → diffusion sigma \d\.\d+ \(t \d+\.\d\), 10 steps/);
    expect(plain.stdout).toMatch(/PSNR \/ SSIM against the reference: input [\d.]+ dB \/ [\d.]+, output [\d.]+ dB \/ [\d.]+, median 3×3 [\d.]+ dB \/ [\d.]+/);
    const bad = await reverie(['denoise', '--model', LOWVAR, '--image', 'photo.png', '--noise-sigma=-3', '--out', 'x.png']);
    expect([bad.code, errorLine(bad)]).toEqual([2, 'error: the noise sigma must be a noise standard deviation from 0 to 255 in 8-bit units (e.g. 25), got -3']);
    const unreadable = await reverie(['denoise', '--model', LOWVAR, '--image', 'not-an-image.png', '--out', 'x.png']);
    expect(unreadable.code).toBe(2);
    expect(errorLine(unreadable)).toMatch(/^error: image .*not-an-image\.png is not an image sharp can read/);
  });

  it('forward: one PNG per timestep, frame facts as JSON, schedule curves', async () => {
    const r = await reverie(['forward', '--model', MODEL, '--image', 'photo.png', '--t', '0,500,999', '--seed', '3', '--out', 'fwd.png', '--curves', 'curves.json', '--steps', '10', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { seed: number; frames: { t: number; sigma: number; alphaBar: number; file: string }[] };
    expect(doc.seed).toBe(3);
    expect(doc.frames.map((f) => [f.t, path.basename(f.file)])).toEqual([
      [0, 'fwd-1.png'],
      [500, 'fwd-2.png'],
      [999, 'fwd-3.png'],
    ]);
    expect(doc.frames[2].sigma).toBeCloseTo(14.6146, 3);
    const curves = JSON.parse(await readFile(path.join(tmp, 'curves.json'), 'utf8')) as { sigma: number[]; alphaBar: number[]; visited: { sigma: number }[] };
    expect(curves.sigma).toHaveLength(1000);
    expect(curves.visited).toHaveLength(11);
    const missing = await reverie(['forward', '--model', MODEL, '--image', 'photo.png', '--out', 'x.png']);
    expect([missing.code, errorLine(missing)]).toEqual([2, 'error: missing --t LIST (e.g. --t 0,250,500,999) or --sigma LIST']);
    const outside = await reverie(['forward', '--model', MODEL, '--image', 'photo.png', '--t', '1200', '--out', 'x.png']);
    expect([outside.code, errorLine(outside)]).toEqual([2, 'error: timestep t must be a number from 0 to 999, got 1200']);
  });

  it('anomaly: heatmap, overlay, reconstruction and a score', async () => {
    const r = await reverie(['anomaly', '--model', LOWVAR, '--image', 'photo.png', '--samples', '2', '--steps', '10', '--seed', '9', '--out', 'heat.png', '--overlay-out', 'over.png', '--reconstruction-out', 'recon.png', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { score: number; p99: number; seeds: number[]; strength: number };
    expect(doc.seeds).toEqual([9, 10]);
    expect(doc.strength).toBe(0.3);
    expect(doc.score).toBeGreaterThan(0);
    expect(doc.p99).toBeGreaterThanOrEqual(doc.score);
    for (const f of ['heat.png', 'over.png', 'recon.png']) expect((await rgb(f)).width).toBe(64);
    const bad = await reverie(['anomaly', '--model', LOWVAR, '--image', 'photo.png', '--strength', '1.5', '--out', 'x.png']);
    expect([bad.code, errorLine(bad)]).toEqual([2, 'error: strength must be a number from 0 (keep the image) to 1 (repaint it completely), got 1.5']);
  });

  it('help for every command', async () => {
    for (const c of ['img2img', 'inpaint', 'denoise', 'forward', 'anomaly']) {
      const r = await reverie([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: reverie ${c} `));
    }
  });
});
