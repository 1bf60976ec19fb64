/**
 * Runs one text-to-image job inside the engine: adapts pipelines/txt2img.ts to the host's job
 * protocol — stage and step events (with a cheap latent preview of x̂₀ every `previewEvery`
 * steps, as a PNG data URL the renderer can show under its CSP), and every finished image as soon
 * as it exists (PNG bytes with the A1111 parameters chunk), so a later cancel keeps it.
 */
import { latentsToPreviewRgb8 } from '../imageio/convert.ts';
import { encodePng } from '../imageio/png.ts';
import type { ModelInfo } from '../models/model.ts';
import type { PipelineCache } from '../pipelines/cache.ts';
import { txt2img } from '../pipelines/txt2img.ts';
import type { F32Tensor } from '../types.ts';
import type { EngineJobContext, Txt2ImgJobInput, Txt2ImgJobOutput } from './job-types.ts';
import { ItemRecordings } from './item-recordings.ts';

/** Cheap preview of the first image of a batch: latent → RGB by the model's factors, PNG, data URL. */
export async function previewDataUrl(latents: F32Tensor, factors: ModelInfo['previewFactors']): Promise<string> {
  const [, c, h, w] = latents.dims;
  const first: F32Tensor = { dtype: 'float32', dims: [1, c, h, w], data: latents.data.subarray(0, c * h * w) };
  const [rgb] = latentsToPreviewRgb8(first, factors);
  return `data:image/png;base64,${(await encodePng(rgb)).toString('base64')}`;
}

export async function runTxt2ImgJob(
  input: Txt2ImgJobInput,
  ctx: EngineJobContext,
  cache: PipelineCache,
): Promise<Txt2ImgJobOutput> {
  const runs = input.batchCount;
  // load through the shared cache first: the pipeline then finds the model loaded, and the
  // preview needs the model's latent→RGB factors
  ctx.emit({ type: 'stage', stage: 'loading', run: 1, runs });
  const model = await cache.model(input.modelDir, input.provider, ctx.signal);
  const factors = model.info.previewFactors;
  // every image keeps its reverse process for the Process tab (saved beside it in the gallery)
  const recordings = new ItemRecordings((sigma) => model.discrete.sigmaToT(sigma), { kind: 'txt2img', model: model.info.name, vaeFactor: model.info.vaeFactor, ...(input.sampler ? { sampler: input.sampler } : {}), ...(input.schedule ? { schedule: input.schedule } : {}) });
  const steps = input.steps ?? (model.info.guidanceFree ? 1 : 20);
  let lastRun = 1;
  const result = await txt2img(
    {
      modelDir: input.modelDir,
      prompt: input.prompt,
      negativePrompt: input.negativePrompt,
      seed: input.seed,
      batchSize: input.batchSize,
      batchCount: input.batchCount,
      provider: input.provider,
      ...(input.cfgScale !== undefined ? { cfgScale: input.cfgScale } : {}),
      ...(input.steps !== undefined ? { steps: input.steps } : {}),
      ...(input.sampler !== undefined ? { sampler: input.sampler } : {}),
      ...(input.sdeNoise !== undefined ? { sdeNoise: input.sdeNoise } : {}),
      ...(input.schedule !== undefined ? { schedule: input.schedule } : {}),
      ...(input.width !== undefined ? { width: input.width } : {}),
      ...(input.height !== undefined ? { height: input.height } : {}),
      ...(input.hires ? { hires: input.hires } : {}),
      ...(input.loras?.length ? { loras: input.loras } : {}),
      ...(input.sizeConditioning ? { sizeConditioning: input.sizeConditioning } : {}),
    },
    {
      cache,
      signal: ctx.signal,
      onStage: (stage, iteration, batchCount) => {
        lastRun = iteration + 1;
        if (stage === 'decoding') recordings.close();
        if (stage !== 'loading') ctx.emit({ type: 'stage', stage, run: iteration + 1, runs: batchCount });
      },
      onStep: (info) => {
        recordings.onStep(info);
        const step = info.i + 1;
        const base = { type: 'step' as const, run: info.iteration + 1, runs, step, steps, sigma: info.sigma };
        const wantPreview = input.previewEvery > 0 && (step % input.previewEvery === 0 || step === steps);
        if (!wantPreview) {
          ctx.emit({ ...base, previewDataUrl: null });
          return;
        }
        previewDataUrl(info.denoised, factors).then(
          (url) => ctx.emit({ ...base, previewDataUrl: url }),
          () => ctx.emit({ ...base, previewDataUrl: null }),
        );
      },
      onImage: (image) => {
        const recording = recordings.take();
        ctx.emit({ type: 'image', run: lastRun, png: image.png, width: image.width, height: image.height, seed: image.seed, parameters: image.parameters, ...(recording ? { recording } : {}) });
      },
    },
  );
  return {
    images: result.images.length,
    seed: result.seed,
    provider: result.provider,
    ...(result.providerNote === undefined ? {} : { providerNote: result.providerNote }),
    warnings: result.warnings,
  };
}
