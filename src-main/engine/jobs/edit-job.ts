/**
 * The studio's edit jobs inside the engine: image to image, inpainting and denoising, adapted to the
 * hosting protocol like txt2img-job.ts (stage, step and image events), with live previews and a
 * recording per image (job-hooks.ts), and one 'output' event with what only this kind of job knows
 * (steps run, whether the 9-channel path was used, the noisy input and the classical baseline, PSNR
 * and SSIM ...). Input images arrive as file paths (the main side stored the uploaded bytes).
 */
import { readPngTextMap } from '../imageio/png-chunks.ts';
import type { PipelineCache } from '../pipelines/cache.ts';
import { denoise } from '../pipelines/denoise.ts';
import { img2img } from '../pipelines/img2img.ts';
import { inpaint } from '../pipelines/inpaint.ts';
import { JobHooks } from './job-hooks.ts';
import type { DenoiseJobInput, EditJobBase, EditJobResult, EngineJobContext, Img2ImgJobInput, InpaintJobInput, JobOutput, QualityData } from './job-types.ts';

const finite = (q: { psnr: number; ssim: number }): QualityData => ({ psnr: Number.isFinite(q.psnr) ? q.psnr : null, ssim: q.ssim });


async function hooksFor(input: EditJobBase | DenoiseJobInput, ctx: EngineJobContext, cache: PipelineCache, kind: string, runs: number): Promise<JobHooks> {
  // load through the shared cache first: the pipeline then finds the model loaded, and the hooks
  // need its preview factors and timestep map
  ctx.emit({ type: 'stage', stage: 'loading', run: 1, runs });
  const model = await cache.model(input.modelDir, input.provider, ctx.signal);
  return new JobHooks(ctx, {
    runs,
    previewEvery: input.previewEvery,
    factors: model.info.previewFactors,
    toT: (sigma) => model.discrete.sigmaToT(sigma),
    meta: { kind, model: model.info.name, vaeFactor: model.info.vaeFactor, ...(input.sampler ? { sampler: input.sampler } : {}), ...(input.schedule ? { schedule: input.schedule } : {}) },
  });
}

function sampling(input: EditJobBase): Omit<EditJobBase, 'previewEvery'> {
  const { previewEvery, ...rest } = input;
  void previewEvery;
  return rest;
}

function output(hooks: JobHooks, out: JobOutput): void {
  hooks.send({ type: 'output', output: out });
}

function result(r: { images: unknown[]; seed: number; provider: string; providerNote?: string; warnings: string[] }): EditJobResult {
  return { images: r.images.length, seed: r.seed, provider: r.provider, ...(r.providerNote === undefined ? {} : { providerNote: r.providerNote }), warnings: r.warnings };
}

export async function runImg2ImgJob(input: Img2ImgJobInput, ctx: EngineJobContext, cache: PipelineCache): Promise<EditJobResult> {
  const hooks = await hooksFor(input, ctx, cache, 'img2img', input.batchCount);
  try {
    const r = await img2img({ ...sampling(input), image: input.image, strength: input.strength, fit: input.fit }, { ...hooks.options(), cache });
    output(hooks, { kind: 'img2img', strength: r.strength, stepsRun: r.stepsRun, input: r.input });
    return result(r);
  } finally {
    await hooks.finish();
  }
}

export async function runInpaintJob(input: InpaintJobInput, ctx: EngineJobContext, cache: PipelineCache): Promise<EditJobResult> {
  const hooks = await hooksFor(input, ctx, cache, 'inpaint', input.batchCount);
  try {
    const r = await inpaint(
      {
        ...sampling(input),
        image: input.image,
        mask: input.mask,
        strength: input.strength,
        fit: input.fit,
        feather: input.feather,
        mode: input.mode,
        padding: input.padding,
        ...(input.latentBlend === undefined ? {} : { latentBlend: input.latentBlend }),
      },
      { ...hooks.options(), cache },
    );
    output(hooks, { kind: 'inpaint', strength: r.strength, stepsRun: r.stepsRun, input: r.input, nineChannel: r.nineChannel, mode: r.mode, ...(r.box ? { box: r.box } : {}) });
    return result(r);
  } finally {
    await hooks.finish();
  }
}

const dataUrl = (png: Uint8Array): string => `data:image/png;base64,${Buffer.from(png).toString('base64')}`;

export async function runDenoiseJob(input: DenoiseJobInput, ctx: EngineJobContext, cache: PipelineCache): Promise<EditJobResult> {
  const hooks = await hooksFor(input, ctx, cache, 'denoise', 1);
  try {
    const { previewEvery, reference, noiseSigma, addNoise, prompt, ...rest } = input;
    void previewEvery;
    // an empty prompt is denoising's own default (the unconditional prior): left out, it raises no "empty prompt" warning
    const r = await denoise(
      { ...rest, ...(prompt === '' ? {} : { prompt }), ...(reference === undefined ? {} : { reference }), ...(noiseSigma === undefined ? {} : { noiseSigma }), ...(addNoise === undefined ? {} : { addNoise }) },
      { ...hooks.options(), cache },
    );
    // denoise decodes without a 'decoding' stage: close the recording here
    hooks.recordings.close();
    hooks.send({ type: 'stage', stage: 'decoding', run: 1, runs: 1 });
    const recording = hooks.recordings.take();
    const parameters = readPngTextMap(r.png).get('parameters') ?? '';
    hooks.send({ type: 'image', run: 1, png: r.png, width: r.width, height: r.height, seed: r.seed, parameters, ...(recording ? { recording } : {}) });
    output(hooks, {
      kind: 'denoise',
      noisyUrl: dataUrl(r.noisyPng),
      baselineUrl: dataUrl(r.baselinePng),
      width: r.width,
      height: r.height,
      noiseSigma: r.noiseSigma,
      estimatedSigma: r.estimatedSigma,
      latentSigma: r.latentSigma,
      startT: r.startT,
      stepsRun: r.stepsRun,
      ...(r.quality ? { quality: { input: finite(r.quality.input), output: finite(r.quality.output), baseline: finite(r.quality.baseline) } } : {}),
    });
    return { images: 1, seed: r.seed, provider: r.provider, warnings: r.warnings };
  } finally {
    await hooks.finish();
  }
}
