/**
 * SDXL through the `reverie` command as users run it, on the tiny real fixtures: the written PNG's
 * size, parameters and pixel statistics against the fixture's closed form (make_models.py, "SDXL"):
 * the guided mean m_w, moved by text_embeds and by any size id that is not the run's, decoded by the
 * linear VAE and clamped to [-1, 1] like the engine's 8-bit conversion.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPngTextMap } from '../../../src-main/engine/imageio/png-chunks.ts';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { buildSigmas } from '../../../src-main/engine/schedules/index.ts';
import { REPO, runCli } from '../../helpers/cli.ts';
import type { CliRun } from '../../helpers/cli.ts';
import { eulerGain, truth } from '../pipelines/fixture-truth.ts';

const MODELS = path.join(REPO, 'test', 'fixtures', 'models');
const doc = truth as unknown as typeof truth & { sdxl: { eos_row_2: number[] }; folders: Record<string, { hidden: [number, number]; rho: number }> };

let tmp = '';
const reverie = (args: string[]): Promise<CliRun> => runCli([...args, '--provider', 'cpu'], { cwd: tmp });
const cache = new PipelineCache({ maxModels: 2 });
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-sdxl-cli-'));
});
afterAll(async () => {
  await cache.dispose();
  await rm(tmp, { recursive: true, force: true });
});

/** m(c) of a one-chunk prompt: Σ words + q·EOS_ROW_2 (context) + ρ·(Σ words + EOS_ROW_2) (text_embeds) */
function sdxlMean(name: string, prompt: string): number[] {
  const { hidden, rho } = doc.folders[name];
  const q = hidden[1] / (hidden[0] + hidden[1]);
  const eos = doc.sdxl.eos_row_2;
  const m = [0, 0, 0, 0];
  for (const w of prompt.match(/[a-z]+/g) ?? []) truth.word_rows[w]?.forEach((x, k) => (m[k] += x));
  return m.map((x, k) => x + q * eos[k] + rho * (x + eos[k]));
}

/** Φ via Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7) */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** E[clamp(Y, −1, 1)] for Y ~ N(mu, s²), in 8-bit units ((y + 1)·127.5) */
function clampedMean8(mu: number, s: number): number {
  const a = (-1 - mu) / s;
  const b = (1 - mu) / s;
  const pdf = (z: number): number => Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
  const e = -normalCdf(a) + (1 - normalCdf(b)) + mu * (normalCdf(b) - normalCdf(a)) + s * (pdf(a) - pdf(b));
  return (e + 1) * 127.5;
}

/** per-RGB-channel means of a PNG */
async function rgbMeans(file: string): Promise<{ width: number; height: number; mean: number[] }> {
  const { data, info } = await sharp(path.join(tmp, file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const mean = [0, 0, 0];
  for (let i = 0; i < data.length; i++) mean[i % 3] += data[i];
  return { width: info.width, height: info.height, mean: mean.map((s) => s / (data.length / 3)) };
}

/** the decoded pixel of latents ~ N(mean, std²) per element: B·x + bias per RGB channel */
function expectedRgb8(latentMean: readonly number[], latentStd: number): number[] {
  return truth.b_dec.map((row, c) => {
    const mu = row.reduce((s, b, k) => s + b * latentMean[k], truth.bias_dec[c]);
    const s = latentStd * Math.sqrt(row.reduce((t, b) => t + b * b, 0));
    return clampedMean8(mu, s);
  });
}

describe('reverie generate on SDXL fixtures', () => {
  it('sdxl-tiny, 512×256, Euler 20 steps, CFG 2 with an empty negative prompt (zeros): the pixel means of the closed form', async () => {
    const name = 'sdxl-tiny';
    const prompt = 'a photo of';
    const r = await reverie(['generate', '--model', path.join(MODELS, name), '--prompt', prompt, '--cfg', '2', '--steps', '20', '--sampler', 'euler', '--seed', '11', '--width', '512', '--height', '256', '--out', 'xl.png']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const params = readPngTextMap(await readFile(path.join(tmp, 'xl.png'))).get('parameters');
    expect(params).toContain('Steps: 20, Sampler: Euler, Schedule type: Karras, CFG scale: 2, Seed: 11, Size: 512x256, Model: sdxl-tiny');
    const model = await cache.model(path.join(MODELS, name), 'cpu');
    const sigmas = buildSigmas('karras', 20, model.discrete);
    const g = eulerGain(sigmas, truth.data_var);
    // x0 = m_w + (σ_max·n − m_w)·g with m_w = 2·m(c) − 1·0 (the empty negative prompt conditions on zeros)
    const mw = sdxlMean(name, prompt).map((m) => 2 * m);
    const want = expectedRgb8(mw.map((m) => m * (1 - g)), sigmas[0] * g);
    const got = await rgbMeans('xl.png');
    expect([got.width, got.height]).toEqual([512, 256]);
    // 2048 latent cells per channel: the sample mean's standard error is < 1 level
    for (let c = 0; c < 3; c++) expect(Math.abs(got.mean[c] - want[c])).toBeLessThan(3);
  });

  it('sdxl-turbo-tiny at its defaults: 512², one step, CFG 1; the image is the prompt’s mean (fp16 I/O)', async () => {
    const name = 'sdxl-turbo-tiny';
    const prompt = 'a photo of a red cat';
    const r = await reverie(['generate', '--model', path.join(MODELS, name), '--prompt', prompt, '--seed', '3', '--out', 'turbo.png']);
    expect(r.code).toBe(0);
    expect(readPngTextMap(await readFile(path.join(tmp, 'turbo.png'))).get('parameters')).toMatch(/Steps: 1, .*CFG scale: 1, Seed: 3, Size: 512x512, Model: sdxl-turbo-tiny/);
    // one step from σ_max to 0 lands on D(x_T, σ_max) = m + (x_T − m)·v/(v + σ_max²): m to within ~0.02
    const model = await cache.model(path.join(MODELS, name), 'cpu');
    const sigmaMax = buildSigmas('normal', 1, model.discrete)[0];
    const shrink = truth.data_var / (truth.data_var + sigmaMax * sigmaMax);
    const want = expectedRgb8(sdxlMean(name, prompt).map((m) => m * (1 - shrink)), sigmaMax * shrink);
    const got = await rgbMeans('turbo.png');
    expect([got.width, got.height]).toEqual([512, 512]);
    for (let c = 0; c < 3; c++) expect(Math.abs(got.mean[c] - want[c])).toBeLessThan(1.5);
  });
});
