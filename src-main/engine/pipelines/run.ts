/**
 * One run of a pipeline, up to its latents: prepare (load the model, resolve the parameters, encode
 * the prompts, build the sigmas), sample every batch (and the hires fix's second pass), and the
 * A1111 infotext and summary of what ran. txt2img.ts and the edit pipelines build on it.
 */
import { formatInfotext } from '../imageio/metadata.ts';
import { sizeConditioningInfotext } from '../imageio/sdxl-size.ts';
import type { LoadedModel } from '../models/model.ts';
import { SCHEDULES, buildSigmas } from '../schedules/index.ts';
import type { F32Tensor } from '../types.ts';
import { CancelledError } from '../types.ts';
import { PipelineCache } from './cache.ts';
import type { Embedding } from './cache.ts';
import { addedConditioning, encodePrompt, padToLength, resizedAdded, zeroEmbedding } from './conditioning.ts';
import { hiresInfotext, hiresPass, planHires } from './hires.ts';
import { checkJobMemory } from './memory-check.ts';
import { checkTxt2ImgParams, resolveForModel, seedFor } from './params.ts';
import type { ResolvedParams, Txt2ImgParams } from './params.ts';
import type { Prepared, Txt2ImgOptions, Txt2ImgResult } from './run-types.ts';
import { sampleLatents } from './sample.ts';

export function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

async function embed(cache: PipelineCache, model: LoadedModel, p: ResolvedParams, text: string): Promise<Embedding> {
  return cache.embedding(PipelineCache.modelKey(p.modelDir, p.provider, p.loras), text, () => encodePrompt(model, text));
}

/**
 * Extra UNet channels for a 9-channel inpainting model used for txt2img: a mask of ones (repaint
 * everything) and the latents of a mid-grey image, as A1111's txt2img_image_conditioning does.
 */
async function fullRepaintConcat(model: LoadedModel, p: ResolvedParams): Promise<F32Tensor> {
  const grey: F32Tensor = { dtype: 'float32', dims: [1, 3, p.height, p.width], data: new Float32Array(3 * p.height * p.width) };
  const latents = await model.encode(grey);
  const [, c, h, w] = latents.dims;
  const data = new Float32Array((c + 1) * h * w);
  data.fill(1, 0, h * w);
  data.set(latents.data, h * w);
  return { dtype: 'float32', dims: [1, c + 1, h, w], data };
}

/** `conditioning` replaces the extra UNet channels of inpainting models (default: repaint everything). */
export async function prepare(
  params: Txt2ImgParams,
  cache: PipelineCache,
  opts: Txt2ImgOptions,
  conditioning: (model: LoadedModel, p: ResolvedParams) => Promise<F32Tensor | undefined> = (model, p) => (model.info.inpainting ? fullRepaintConcat(model, p) : Promise.resolve(undefined)),
): Promise<Prepared> {
  const { signal } = opts;
  const start = performance.now();
  const checked = checkTxt2ImgParams(params);
  // refused here, before loading, when it would not fit in memory (issue 18, item 6)
  await checkJobMemory({
    modelDir: checked.modelDir,
    ...(checked.width !== undefined ? { width: checked.width } : {}),
    ...(checked.height !== undefined ? { height: checked.height } : {}),
    batchSize: checked.batchSize,
    ...(checked.cfgScale !== undefined ? { cfgScale: checked.cfgScale } : {}),
    ...(checked.hires ? { hiresScale: checked.hires.scale } : {}),
    weightsLoaded: cache.hasModel(checked.modelDir, checked.provider, checked.loras),
  }, undefined, (dir) => cache.memoryFacts(dir));
  opts.onStage?.('loading', 0, checked.batchCount);
  const model = await cache.model(checked.modelDir, checked.provider, signal, checked.loras);
  const p = resolveForModel(checked, model.info);
  const load = performance.now() - start;
  checkAborted(signal);

  const warnings: string[] = [];
  const guided = p.cfgScale !== 1;
  opts.onStage?.('encoding', 0, p.batchCount);
  const cond = await embed(cache, model, p, p.prompt);
  // SDXL with force_zeros_for_empty_prompt: an empty negative prompt is zeros, not the empty prompt's encoding (diffusers, A1111)
  const zeroUncond = model.info.sdxl?.forceZerosForEmptyPrompt === true && p.negativePrompt.trim() === '';
  let uncond = guided ? (zeroUncond ? zeroEmbedding(cond) : await embed(cache, model, p, p.negativePrompt)) : null;
  let condTensor = cond.tensor;
  if (uncond && uncond.chunks !== cond.chunks) {
    // prompt and negative prompt of different lengths: pad the shorter with the empty prompt's chunk
    const empty = (await embed(cache, model, p, '')).tensor;
    const length = Math.max(cond.tensor.dims[1], uncond.tensor.dims[1]);
    condTensor = padToLength(cond.tensor, length, empty);
    uncond = { ...uncond, tensor: padToLength(uncond.tensor, length, empty) };
  }
  const added = model.info.sdxl ? addedConditioning(cond, uncond, p.width, p.height, p.sizeConditioning) : undefined;
  const concat = await conditioning(model, p);
  const encode = performance.now() - start - load;
  checkAborted(signal);

  const chunks = model.info.maxPromptChunks;
  const limit = chunks === 1 ? `the text encoder's ${model.tokenizer.maxLength}` : `the ${chunks} chunks of ${model.tokenizer.maxLength - 2} this model takes`;
  warnings.push(...model.info.folderWarnings);
  if (p.prompt.trim() === '') warnings.push('the prompt is empty, so the image is unconditional');
  if (cond.truncated) warnings.push(`the prompt is ${cond.tokenCount} tokens, longer than ${limit}; the end was cut off`);
  if (uncond?.truncated) warnings.push(`the negative prompt is ${uncond.tokenCount} tokens, longer than ${limit}; the end was cut off`);
  if (!guided && p.negativePrompt.trim() !== '') warnings.push('the negative prompt has no effect at CFG scale 1');
  if (p.sizeConditioning && !model.info.sdxl) warnings.push(`SDXL size conditioning was ignored: ${model.info.name} is not an SDXL model (its UNet takes no time_ids)`);
  if (model.info.guidanceFree && guided) warnings.push(`${model.info.name} is guidance-distilled; CFG scale ${p.cfgScale} adds an unconditional pass (1 turns guidance off)`);
  return {
    model,
    p,
    cond: condTensor,
    uncond: uncond?.tensor ?? null,
    ...(added ? { added } : {}),
    concat,
    sigmas: buildSigmas(p.schedule, p.steps, model.discrete),
    truncated: cond.truncated || (uncond?.truncated ?? false),
    warnings,
    timings: { load, encode, steps: [], decode: 0, total: 0 },
  };
}

/** Text to image only: plans the hires fix's second pass (edit pipelines never run one). */
export async function withHires(pr: Prepared): Promise<Prepared> {
  const { p, model } = pr;
  if (!p.hires) return pr;
  const plan = planHires(p.hires, { width: p.width, height: p.height, steps: p.steps, schedule: p.schedule }, model.info.sizeStep, model.discrete);
  const concat = model.info.inpainting ? await fullRepaintConcat(model, { ...p, width: plan.width, height: plan.height }) : undefined;
  pr.hires = { plan, ...(concat ? { concat } : {}) };
  pr.extra = [...(pr.extra ?? []), ...hiresInfotext(plan, (p.hires.steps ?? 0) > 0)];
  return pr;
}

/** Samples every batch of the run; calls `each` with a batch's latents as soon as it is done. */
export async function sampleAll(pr: Prepared, opts: Txt2ImgOptions, each: (latents: F32Tensor, seeds: number[], iteration: number) => Promise<void>): Promise<void> {
  const { model, p } = pr;
  const latentShape = [model.info.latentChannels, p.height / model.info.vaeFactor, p.width / model.info.vaeFactor] as const;
  const basePerRun = pr.sigmas.length - 1; // p.steps, or fewer for img2img strengths below 1
  const perRun = basePerRun + (pr.hires?.plan.runSteps ?? 0);
  const total = perRun * p.batchCount;
  for (let iteration = 0; iteration < p.batchCount; iteration++) {
    checkAborted(opts.signal);
    opts.onStage?.('sampling', iteration, p.batchCount);
    const seeds = Array.from({ length: p.batchSize }, (_, k) => seedFor(p.seed, iteration * p.batchSize + k));
    const sampledBefore = pr.timings.steps.reduce((a, b) => a + b, 0);
    const iterationStart = performance.now();
    const base = {
      denoise: model.denoise,
      cond: pr.cond,
      uncond: pr.uncond,
      ...(pr.added ? { added: pr.added } : {}),
      cfgScale: p.cfgScale,
      cfgBatched: model.info.cfgBatchable,
      unetBatchable: model.info.cfgBatchable,
      sampler: p.sampler,
      samplerOptions: p.samplerOptions,
      signal: opts.signal,
    };
    const progress = (done: number): void => {
      const perStep = (sampledBefore + performance.now() - iterationStart) / done;
      opts.onProgress?.({ step: done, total, etaMs: perStep * (total - done) });
    };
    const first = await sampleLatents({
      ...base,
      sigmas: pr.sigmas,
      seeds,
      latentShape,
      concat: pr.concat,
      init: pr.init,
      noised: pr.noised,
      wrap: pr.wrap,
      ...(opts.onGuidance ? { onGuidance: opts.onGuidance } : {}),
      onStep: (info) => {
        opts.onStep?.({ ...info, iteration, seeds });
        progress(iteration * perRun + info.i + 1);
      },
    });
    pr.timings.steps.push(...first.stepMs);
    let latents = first.latents;
    if (pr.hires) {
      // the second pass reports progress only: previews and recordings stay those of the base pass (one size)
      const second = await hiresPass({
        plan: pr.hires.plan,
        latents,
        seeds,
        base: {
          ...base,
          ...(pr.added ? { added: resizedAdded(pr.added, pr.hires.plan.width, pr.hires.plan.height, p.sizeConditioning) } : {}),
          onStep: (info) => progress(iteration * perRun + basePerRun + info.i + 1),
        },
        model,
        ...(pr.hires.concat ? { concat: pr.hires.concat } : {}),
      });
      pr.timings.steps.push(...second.stepMs);
      latents = second.latents;
    }
    await each(latents, seeds, iteration);
  }
}

export function infotext(pr: Prepared, seed: number): string {
  const { p, model } = pr;
  return formatInfotext({
    prompt: p.prompt,
    negativePrompt: p.cfgScale === 1 ? '' : p.negativePrompt,
    steps: p.steps,
    sampler: p.sampler.label,
    schedule: SCHEDULES.find((s) => s.id === p.schedule)?.label ?? p.schedule,
    cfgScale: p.cfgScale,
    seed,
    width: p.width,
    height: p.height,
    model: model.info.name,
    // SDXL's sizes only where they differ from the defaults (imageio/sdxl-size.ts); pr.extra is the pipeline's own
    extra: [
      ['RNG', 'CPU'],
      // Reverie's own key: A1111 always draws Brownian-tree noise for these samplers, Reverie on request
      ...(p.samplerOptions.noise === 'brownian' ? [['SDE noise', 'Brownian'] as [string, string]] : []),
      ...(model.info.sdxl ? sizeConditioningInfotext(p.sizeConditioning, p.width, p.height) : []),
      ...(pr.extra ?? []),
    ],
  });
}

export function summary(pr: Prepared): Omit<Txt2ImgResult, 'images' | 'parameters'> {
  return {
    seed: pr.p.seed,
    provider: pr.model.provider,
    ...(pr.model.providerNote === undefined ? {} : { providerNote: pr.model.providerNote }),
    timings: pr.timings,
    truncated: pr.truncated,
    warnings: pr.warnings,
    params: { ...pr.p, sampler: pr.p.sampler.id },
  };
}
