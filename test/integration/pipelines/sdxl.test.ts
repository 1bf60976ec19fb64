/**
 * SDXL and SDXL-Turbo on the tiny real fixtures (test/fixtures/make_models.py, "SDXL" in its header):
 * the conditioning the engine builds (both penultimate states joined, text_encoder_2's pooled
 * text_embeds of the first chunk, size ids, zeros for an empty negative prompt), and txt2img, img2img and
 * inpainting following the exact Euler path of the guided Gaussian denoiser — whose mean moves with
 * text_embeds and with any size id that is not the run's.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rgb8ToPixels } from '../../../src-main/engine/imageio/convert.ts';
import type { LoadedModel } from '../../../src-main/engine/models/model.ts';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { encodePrompt } from '../../../src-main/engine/pipelines/conditioning.ts';
import { resizeLatentsBilinear } from '../../../src-main/engine/pipelines/hires.ts';
import { img2img } from '../../../src-main/engine/pipelines/img2img.ts';
import { inpaint } from '../../../src-main/engine/pipelines/inpaint.ts';
import { prepare, txt2imgLatents } from '../../../src-main/engine/pipelines/txt2img.ts';
import { Rng } from '../../../src-main/engine/runtime/rng.ts';
import { buildSigmas, sigmasForStrength } from '../../../src-main/engine/schedules/index.ts';
import type { F32Tensor } from '../../../src-main/engine/types.ts';
import { imageFromLatents, randomLatents, rectMaskPng, rgbToPng } from '../edit/helpers.ts';
import { engineDenoiser, eulerPath, fixture, truth } from './fixture-truth.ts';

interface SdxlDoc {
  words: Record<string, number>;
  sdxl: { eos_row_2: number[] };
  folders: Record<string, { hidden: [number, number]; projection: number; rho: number; io: string; t_dtype: string }>;
}
const doc = truth as unknown as SdxlDoc & typeof truth;
const EOS_ROW = doc.sdxl.eos_row_2;
const K = 4;
const v = truth.data_var;
const cache = new PipelineCache({ maxModels: 2 });
afterAll(() => cache.dispose());

const WORD_OF_ID = new Map(Object.entries(doc.words).map(([w, id]) => [id, w]));
/** the fixture's token row of text_encoder (e1) or text_encoder_2 (e2: + EOS_ROW at EOS) */
function row(id: number, eos: number, second: boolean): number[] {
  const word = WORD_OF_ID.get(id);
  const r = (word !== undefined ? truth.word_rows[word] : undefined) ?? [0, 0, 0, 0];
  return second && id === eos ? r.map((x, k) => x + EOS_ROW[k]) : [...r];
}
const add = (a: number[], b: readonly number[], s = 1): number[] => a.map((x, k) => x + s * b[k]);

/** Σ word rows of one chunk's words */
function words(prompt: string): number[] {
  let m = [0, 0, 0, 0];
  for (const w of prompt.toLowerCase().match(/[a-z]+/g) ?? []) if (truth.word_rows[w]) m = add(m, truth.word_rows[w]);
  return m;
}

/** m(c) the fixture UNet reads for a one-chunk prompt: context Σ words + q·EOS_ROW, plus ρ × the pooled mean (Σ words + EOS_ROW) */
function sdxlMean(name: string, prompt: string): number[] {
  const { hidden, rho } = doc.folders[name];
  const q = hidden[1] / (hidden[0] + hidden[1]);
  const w = words(prompt);
  return add(add(w, EOS_ROW, q), add(w, EOS_ROW), rho);
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThan(tol);
}

describe('SDXL conditioning through the engine', () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await cache.model(fixture('sdxl-tiny'), 'cpu');
  });

  it('reads the model facts from the folder: two encoders, 0.13025, 1024², tokenizer_2 padding with "!"', () => {
    expect(model.info).toMatchObject({ family: 'sdxl', scalingFactor: 0.13025, defaultWidth: 1024, defaultHeight: 1024, textHiddenSize: 64, guidanceFree: false, sdxl: { forceZerosForEmptyPrompt: true } });
    expect(model.tokenizer2?.padToken).toBe('!');
    expect(model.tokenizer.padToken).toBe('<|endoftext|>');
  });

  it('context = [penultimate of text_encoder ‖ penultimate of text_encoder_2] per token; text_embeds = the pooled projection', async () => {
    const prompt = 'a red cat';
    const e = await encodePrompt(model, prompt);
    expect(e.tensor.dims).toEqual([1, 77, 64]);
    expect(e.pooled?.dims).toEqual([1, 32]);
    const ids1 = model.tokenizer.encodePadded(prompt).ids;
    const ids2 = model.tokenizer2?.encodePadded(prompt).ids ?? new Int32Array();
    const eos = model.tokenizer.eosId;
    const want: number[] = [];
    let pooled = [0, 0, 0, 0];
    for (let t = 0; t < 77; t++) {
      const r1 = row(ids1[t], eos, false);
      const r2 = row(ids2[t], eos, true);
      for (let g = 0; g < 24 / K; g++) want.push(...r1);
      for (let g = 0; g < 40 / K; g++) want.push(...r2);
      pooled = add(pooled, r2);
    }
    expectClose(e.tensor.data, want, 1e-6);
    expectClose(e.pooled?.data ?? [], Array.from({ length: 8 }, () => pooled).flat(), 1e-5);
    // tokenizer_2 pads with its own "!", so text_encoder_2 sees one EOS: its padding rows are zero
    expect(Array.from(e.tensor.data.subarray(76 * 64 + 24, 77 * 64)).every((x) => x === 0)).toBe(true);
  });

  it('long prompts: both encoders chunk alike; text_embeds is the first chunk’s', async () => {
    const prompt = `${'red '.repeat(75)}blue cat`;
    const e = await encodePrompt(model, prompt);
    expect(e.chunks).toBe(2);
    expect(e.tensor.dims).toEqual([1, 154, 64]);
    const first = add(words('red '.repeat(75)), EOS_ROW);
    expectClose(e.pooled?.data ?? [], Array.from({ length: 8 }, () => first).flat(), 1e-4);
  });

  it('time_ids are the run’s size (h, w, 0, 0, h, w); an empty negative prompt is zeros (force_zeros_for_empty_prompt)', async () => {
    const base = { modelDir: fixture('sdxl-tiny'), provider: 'cpu' as const, prompt: 'a red cat', cfgScale: 3, steps: 2, seed: 1, width: 128, height: 64 };
    const pr = await prepare({ ...base, negativePrompt: '' }, cache, {});
    expect(Array.from(pr.added?.cond.timeIds.data ?? [])).toEqual([64, 128, 0, 0, 64, 128]);
    expect(pr.added?.uncond?.timeIds.data).toEqual(pr.added?.cond.timeIds.data);
    expect(pr.added?.cond.textEmbeds).toEqual((await encodePrompt(model, 'a red cat')).pooled);
    expect(pr.uncond?.dims).toEqual([1, 77, 64]);
    expect(pr.uncond?.data.every((x) => x === 0)).toBe(true);
    expect(pr.added?.uncond?.textEmbeds.data.every((x) => x === 0)).toBe(true);
    const neg = await prepare({ ...base, negativePrompt: 'blue' }, cache, {});
    expect(neg.uncond).toEqual((await encodePrompt(model, 'blue')).tensor);
    expect(neg.added?.uncond?.textEmbeds).toEqual((await encodePrompt(model, 'blue')).pooled);
  });

  it('without force_zeros_for_empty_prompt the empty negative prompt is encoded', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-sdxl-'));
    try {
      const dir = path.join(tmp, 'sdxl-no-zeros');
      await cp(fixture('sdxl-tiny'), dir, { recursive: true });
      const index = JSON.parse(await readFile(path.join(dir, 'model_index.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(path.join(dir, 'model_index.json'), JSON.stringify({ ...index, force_zeros_for_empty_prompt: false }));
      const local = new PipelineCache();
      try {
        const pr = await prepare({ modelDir: dir, provider: 'cpu', prompt: 'a red cat', negativePrompt: '', cfgScale: 3, steps: 2, seed: 1, width: 64, height: 64 }, local, {});
        const empty = await encodePrompt(await local.model(dir, 'cpu'), '');
        expect(pr.uncond).toEqual(empty.tensor);
        expect(pr.added?.uncond?.textEmbeds).toEqual(empty.pooled);
        expect(empty.pooled?.data.some((x) => x !== 0)).toBe(true);
      } finally {
        await local.dispose();
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

/** the guided Gaussian denoiser per channel, as the engine sees it */
function guided(name: string, cond: string, uncond: string, w: number, seen?: (s: number) => number): ((x: number, sigma: number) => number)[] {
  const mc = sdxlMean(name, cond);
  const mu = uncond === '' ? [0, 0, 0, 0] : sdxlMean(name, uncond);
  return mc.map((_, k) => {
    const dc = engineDenoiser(mc[k], v, 'epsilon', seen);
    const du = engineDenoiser(mu[k], v, 'epsilon', seen);
    return (x: number, sigma: number) => (w === 1 ? dc(x, sigma) : du(x, sigma) + w * (dc(x, sigma) - du(x, sigma)));
  });
}

describe('SDXL txt2img: the exact Euler path of the guided denoiser', () => {
  it.each([
    ['sdxl-tiny', 3, ''], // int64 timestep; empty negative = zeros
    ['sdxl-tiny', 2, 'blue'],
    ['sdxl-tiny', 1, 'blue'],
    ['sdxl-turbo-tiny', 2, 'blue'], // fp16 I/O (text_embeds and time_ids cast too): looser bound
  ])('%s, CFG %d, negative %j, 128×64, batch 2', async (name, w, negative) => {
    const dir = fixture(name);
    const cond = 'a photo of a red cat';
    const r = await txt2imgLatents(
      { modelDir: dir, provider: 'cpu', prompt: cond, negativePrompt: negative, cfgScale: w, steps: 10, sampler: 'euler', schedule: 'karras', seed: 99, width: 128, height: 64, batchSize: 2 },
      { cache },
    );
    const { latents, seeds } = r.batches[0];
    expect(latents.dims).toEqual([2, 4, 8, 16]);
    const model = await cache.model(dir, 'cpu');
    const sigmas = buildSigmas('karras', 10, model.discrete);
    const seen = doc.folders[name].t_dtype === 'int64' ? (s: number) => model.discrete.tToSigma(Math.round(model.discrete.sigmaToT(s))) : undefined;
    const d = guided(name, cond, negative, w, seen);
    const plane = 8 * 16;
    let worst = 0;
    for (let i = 0; i < 2; i++) {
      const xT = new Rng(seeds[i]).randn(4 * plane);
      for (let j = 0; j < 4 * plane; j++) {
        const want = eulerPath(Math.fround(xT[j] * sigmas[0]), sigmas, d[Math.floor(j / plane)]);
        worst = Math.max(worst, Math.abs(latents.data[i * 4 * plane + j] - want));
      }
    }
    expect(worst).toBeLessThan(doc.folders[name].io === 'float16' ? 0.05 : 1e-4);
  });

  it('the hires fix’s second pass conditions on its own size: bilinear latents + σ·ε, then the guided Euler path at 256×128', async () => {
    const dir = fixture('sdxl-tiny');
    const base = { modelDir: dir, provider: 'cpu' as const, prompt: 'a red cat', negativePrompt: 'blue', cfgScale: 2, steps: 8, sampler: 'euler', schedule: 'karras', seed: 21, width: 128, height: 64 };
    const first = (await txt2imgLatents(base, { cache })).batches[0].latents;
    const r = await txt2imgLatents({ ...base, hires: { scale: 2, denoise: 0.5 } }, { cache });
    const latents = r.batches[0].latents;
    expect(latents.dims).toEqual([1, 4, 16, 32]);
    const model = await cache.model(dir, 'cpu');
    const sigmas = sigmasForStrength(buildSigmas('karras', 8, model.discrete), 0.5);
    const init = resizeLatentsBilinear(first, 16, 32);
    const eps = new Rng(21).randn(init.data.length);
    const seen = (s: number): number => model.discrete.tToSigma(Math.round(model.discrete.sigmaToT(s)));
    const d = guided('sdxl-tiny', base.prompt, base.negativePrompt, base.cfgScale, seen);
    let worst = 0;
    for (let j = 0; j < init.data.length; j++) {
      const want = eulerPath(Math.fround(init.data[j] + eps[j] * sigmas[0]), sigmas, d[Math.floor(j / 512)]);
      worst = Math.max(worst, Math.abs(latents.data[j] - want));
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('SDXL-Turbo runs at its defaults: 512², guidance-free, few steps', async () => {
    const r = await txt2imgLatents({ modelDir: fixture('sdxl-turbo-tiny'), provider: 'cpu', prompt: 'a red cat', seed: 3 }, { cache });
    expect(r.params).toMatchObject({ width: 512, height: 512, cfgScale: 1 });
    expect(r.params.steps).toBeLessThanOrEqual(4);
    expect(r.batches[0].latents.dims).toEqual([1, 4, 64, 64]);
  });
});

describe('SDXL image to image and inpainting share the pipelines', () => {
  const BASE = { modelDir: fixture('sdxl-tiny'), provider: 'cpu' as const, prompt: 'a red cat', negativePrompt: 'blue', cfgScale: 2, sampler: 'euler', schedule: 'karras', steps: 10, seed: 77, width: 64, height: 64 };
  let model: LoadedModel;
  let png: Buffer;
  let pixels: F32Tensor;
  beforeAll(async () => {
    model = await cache.model(BASE.modelDir, 'cpu');
    const image = await imageFromLatents(model, randomLatents(5, [1, 4, 8, 8], 0.5));
    png = await rgbToPng(image);
    pixels = rgb8ToPixels([image]);
  });

  it('img2img at strength 0.5 starts at z + σ·ε and follows the guided Euler path (size ids of the image)', async () => {
    const r = await img2img({ ...BASE, image: png, strength: 0.5 }, { cache, record: true });
    expect(r.stepsRun).toBe(5);
    const sigmas = sigmasForStrength(buildSigmas('karras', 10, model.discrete), 0.5);
    const z = await model.encode(pixels);
    const eps = new Rng(77).randn(z.data.length);
    const seen = (s: number): number => model.discrete.tToSigma(Math.round(model.discrete.sigmaToT(s)));
    const d = guided('sdxl-tiny', BASE.prompt, BASE.negativePrompt, BASE.cfgScale, seen);
    const final = r.recordings[0].final?.data ?? new Float32Array();
    let worst = 0;
    for (let j = 0; j < z.data.length; j++) {
      const want = eulerPath(Math.fround(z.data[j] + eps[j] * sigmas[0]), sigmas, d[Math.floor(j / 64)]);
      worst = Math.max(worst, Math.abs(final[j] - want));
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('inpainting (latent blend): painted latents follow the txt2img path of the seed, known ones end at the original', async () => {
    const mask = await rectMaskPng(64, 64, { x: 16, y: 16, w: 32, h: 24 });
    const r = await inpaint({ ...BASE, image: png, mask, feather: 0 }, { cache, record: true });
    expect(r.nineChannel).toBe(false);
    const t = (await txt2imgLatents(BASE, { cache })).batches[0].latents;
    const known = await model.encode(pixels);
    const final = r.recordings[0].final?.data ?? new Float32Array();
    let worstPainted = 0;
    let worstKnown = 0;
    for (let j = 0; j < final.length; j++) {
      const x = j % 8;
      const y = Math.floor(j / 8) % 8;
      const inside = x >= 2 && x < 6 && y >= 2 && y < 5;
      if (inside) worstPainted = Math.max(worstPainted, Math.abs(final[j] - t.data[j]));
      else worstKnown = Math.max(worstKnown, Math.abs(final[j] - known.data[j]));
    }
    expect(worstPainted).toBe(0);
    expect(worstKnown).toBeLessThan(1e-4);
  });
});
