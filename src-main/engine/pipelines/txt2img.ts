/**
 * Text to image: prompt → tokens → embeddings → sigmas → sampler → latents → pixels → PNG.
 * `txt2img` reads straight through; `txt2imgLatents` stops before the VAE (for tests and tools).
 */
import { pixelsToRgb8 } from '../imageio/convert.ts';
import { encodePng } from '../imageio/png.ts';
import { sliceBatch } from '../runtime/tensor.ts';
import type { F32Tensor } from '../types.ts';
import { PipelineCache } from './cache.ts';
import type { Txt2ImgParams } from './params.ts';
import { checkAborted, infotext, prepare, sampleAll, summary, withHires } from './run.ts';
import type { Txt2ImgImage, Txt2ImgLatentsResult, Txt2ImgOptions, Txt2ImgResult } from './run-types.ts';

export type { Prepared, RunParams, Txt2ImgImage, Txt2ImgLatentsResult, Txt2ImgOptions, Txt2ImgProgress, Txt2ImgResult, Txt2ImgStage, Txt2ImgStep, Txt2ImgTimings } from './run-types.ts';
export { infotext, prepare, sampleAll, summary } from './run.ts';

export async function txt2img(params: Txt2ImgParams, opts: Txt2ImgOptions = {}): Promise<Txt2ImgResult> {
  const start = performance.now();
  const cache = opts.cache ?? new PipelineCache();
  try {
    const pr = await withHires(await prepare(params, cache, opts));
    const images: Txt2ImgImage[] = [];
    const parameters: string[] = [];
    await sampleAll(pr, opts, async (latents, seeds, iteration) => {
      opts.onStage?.('decoding', iteration, pr.p.batchCount);
      const t = performance.now();
      for (let k = 0; k < latents.dims[0]; k++) {
        checkAborted(opts.signal);
        const [rgb] = pixelsToRgb8(await pr.model.decode(sliceBatch(latents, k, k + 1)));
        const text = infotext(pr, seeds[k]);
        const image = { png: await encodePng(rgb, [{ keyword: 'parameters', text }]), seed: seeds[k], width: rgb.width, height: rgb.height };
        images.push(image);
        parameters.push(text);
        opts.onImage?.({ ...image, index: images.length - 1, parameters: text });
      }
      pr.timings.decode += performance.now() - t;
    });
    pr.timings.total = performance.now() - start;
    return { images, parameters, ...summary(pr) };
  } finally {
    if (!opts.cache) await cache.dispose();
  }
}

/** The same run up to the latents (no VAE, no PNG). */
export async function txt2imgLatents(params: Txt2ImgParams, opts: Txt2ImgOptions = {}): Promise<Txt2ImgLatentsResult> {
  const start = performance.now();
  const cache = opts.cache ?? new PipelineCache();
  try {
    const pr = await withHires(await prepare(params, cache, opts));
    const batches: { latents: F32Tensor; seeds: number[] }[] = [];
    await sampleAll(pr, opts, (latents, seeds) => {
      batches.push({ latents, seeds });
      return Promise.resolve();
    });
    pr.timings.total = performance.now() - start;
    return { batches, ...summary(pr) };
  } finally {
    if (!opts.cache) await cache.dispose();
  }
}

