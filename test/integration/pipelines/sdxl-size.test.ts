/**
 * SDXL's size conditioning on the tiny real fixture (make_models.py, "SDXL"): its UNet moves the mean
 * by (time_ids − [H, W, 0, 0, H, W])·A, so the fed time_ids show in the latents exactly. The time_ids
 * prepared for a run, the hires fix's second pass, the latents' shift along the Euler path, the PNG
 * parameters of txt2img and img2img, and a model that is not SDXL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { SizeConditioning } from '../../../src-main/engine/imageio/sdxl-size.ts';
import { readImageParameters } from '../../../src-main/engine/imageio/read-parameters.ts';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { resizedAdded } from '../../../src-main/engine/pipelines/conditioning.ts';
import { img2img } from '../../../src-main/engine/pipelines/img2img.ts';
import { prepare, txt2img, txt2imgLatents } from '../../../src-main/engine/pipelines/txt2img.ts';
import { buildSigmas } from '../../../src-main/engine/schedules/index.ts';
import { engineDenoiser, eulerPath, fixture, truth } from './fixture-truth.ts';

const A = (truth as unknown as { sdxl: { time_gain: number[][] } }).sdxl.time_gain;
const cache = new PipelineCache({ maxModels: 2 });
afterAll(() => cache.dispose());

const SC: SizeConditioning = { originalSize: { width: 256, height: 96 }, cropTopLeft: { x: 16, y: 8 }, targetSize: { width: 128, height: 80 } };
const base = { modelDir: fixture('sdxl-tiny'), provider: 'cpu' as const, prompt: 'a red cat', negativePrompt: 'blue', cfgScale: 2, steps: 6, sampler: 'euler', schedule: 'karras', seed: 7, width: 128, height: 64 };

describe('SDXL size conditioning on sdxl-tiny', () => {
  it('prepare feeds the given sizes as time_ids (h, w, top, left, h, w) to prompt and negative prompt alike', async () => {
    const pr = await prepare({ ...base, sizeConditioning: SC }, cache, {});
    expect(Array.from(pr.added?.cond.timeIds.data ?? [])).toEqual([96, 256, 8, 16, 80, 128]);
    expect(pr.added?.uncond?.timeIds.data).toEqual(pr.added?.cond.timeIds.data);
    const only = await prepare({ ...base, sizeConditioning: { cropTopLeft: { x: 0, y: 24 } } }, cache, {});
    expect(Array.from(only.added?.cond.timeIds.data ?? [])).toEqual([64, 128, 24, 0, 64, 128]);
    // the hires fix's second pass: given sizes stay, the ones left out follow its size
    const second = resizedAdded(only.added ?? { cond: pr.added!.cond, uncond: null }, 256, 128, { cropTopLeft: { x: 0, y: 24 } });
    expect(Array.from(second.cond.timeIds.data)).toEqual([128, 256, 24, 0, 128, 256]);
    expect(Array.from(resizedAdded(pr.added!, 256, 128, SC).cond.timeIds.data)).toEqual([96, 256, 8, 16, 80, 128]);
  });

  it('the latents move by the Euler path of the mean shift (time_ids − default)·A, exactly', async () => {
    const plain = (await txt2imgLatents(base, { cache })).batches[0].latents;
    const moved = (await txt2imgLatents({ ...base, sizeConditioning: SC }, { cache })).batches[0].latents;
    const err = [96 - 64, 256 - 128, 8, 16, 80 - 64, 128 - 128];
    const shift = [0, 1, 2, 3].map((k) => err.reduce((s, e, i) => s + e * A[i][k], 0));
    expect(shift.some((s) => Math.abs(s) > 0.1)).toBe(true);
    const model = await cache.model(base.modelDir, 'cpu');
    const sigmas = buildSigmas('karras', base.steps, model.discrete);
    // int64 timesteps: the UNet sees σ at a whole timestep
    const seen = (s: number): number => model.discrete.tToSigma(Math.round(model.discrete.sigmaToT(s)));
    // guidance shifts cond and uncond alike, so the guided mean moves by the shift; the path is linear in it
    const want = shift.map((s) => eulerPath(0, sigmas, engineDenoiser(s, truth.data_var, 'epsilon', seen)));
    const plane = 8 * 16;
    let worst = 0;
    for (let j = 0; j < 4 * plane; j++) worst = Math.max(worst, Math.abs(moved.data[j] - plain.data[j] - want[Math.floor(j / plane)]));
    expect(worst).toBeLessThan(1e-4);
  });

  it('txt2img and img2img write the sizes that differ into the PNG parameters, and they read back', async () => {
    const r = await txt2img({ ...base, steps: 2, sizeConditioning: { ...SC, targetSize: { width: 128, height: 64 } } }, { cache });
    expect(r.parameters[0]).toMatch(/Size: 128x64, Model: sdxl-tiny, RNG: CPU, SDXL original size: 256x96, SDXL crop top-left: 16x8$/);
    const back = readImageParameters({ bytes: r.images[0].png });
    expect(back.parameters?.sizeConditioning).toEqual({ originalSize: { width: 256, height: 96 }, cropTopLeft: { x: 16, y: 8 } });
    const plain = await txt2img({ ...base, steps: 2 }, { cache });
    expect(plain.parameters[0]).not.toMatch(/SDXL/);
    const edit = await img2img({ ...base, steps: 2, image: r.images[0].png, strength: 0.5, sizeConditioning: SC }, { cache });
    expect(edit.parameters[0]).toContain('SDXL original size: 256x96, SDXL crop top-left: 16x8, SDXL target size: 128x80, Denoising strength: 0.5');
  });

  it('a model that is not SDXL ignores them with a warning and writes none', async () => {
    const r = await txt2img({ modelDir: fixture('reverie-tiny'), provider: 'cpu', prompt: 'a red cat', steps: 2, seed: 1, sizeConditioning: SC }, { cache });
    expect(r.warnings).toContain('SDXL size conditioning was ignored: reverie-tiny is not an SDXL model (its UNet takes no time_ids)');
    expect(r.parameters[0]).not.toMatch(/SDXL/);
  });
});
