/**
 * Classifier-free guidance (Ho & Salimans 2022) as a wrapper around the model denoiser:
 *   denoised = uncond + scale · (cond − uncond)
 * Following k-diffusion's CFGDenoiser (and A1111/ComfyUI), cond and uncond run as ONE model call
 * on a doubled batch [uncond ‖ cond] when the UNet's batch axis is dynamic (`batched`), as two calls
 * otherwise; when scale = 1 or there is no uncond, only the conditional pass runs (and scale = 0
 * runs only the unconditional one). Samplers never know about any of this. SDXL's added conditioning
 * (text_embeds, time_ids) goes with its context: cond's with cond, uncond's with uncond, batched alike.
 */
import type { AddedConditioning, ModelDenoiser } from '../models/model.ts';
import { concatBatch, splitBatchViews } from '../samplers/ops-batch.ts';
import type { Denoiser, F32Tensor } from '../types.ts';
import { CancelledError, EngineError } from '../types.ts';

export interface CfgOptions {
  /** one UNet call on a [2B] batch instead of two calls on [B] */
  readonly batched: boolean;
  /** extra UNet input channels (9-channel inpainting), [B, k, h, w] */
  readonly concat?: F32Tensor;
  /** checked between the two calls of unbatched CFG, so cancellation waits for at most one UNet call */
  readonly signal?: AbortSignal;
  /** SDXL: the added conditioning of the prompt and of the negative prompt (null when there is no uncond), batch 1 or B */
  readonly added?: { readonly cond: AddedConditioning; readonly uncond: AddedConditioning | null };
  /** observability (the Process tab's Pipeline view): each guided call's two predictions and their mix; unset in normal runs */
  readonly onSplit?: (split: GuidanceSplit) => void;
}

/** One guided denoiser call: the model's x̂₀ without and with the prompt, and uncond + scale·(cond − uncond). */
export interface GuidanceSplit {
  readonly sigma: number;
  readonly uncond: F32Tensor;
  readonly cond: F32Tensor;
  readonly scale: number;
  readonly guided: F32Tensor;
}

function expandAdded(a: AddedConditioning | null | undefined, batch: number): AddedConditioning | undefined {
  return a ? { textEmbeds: expandBatch(a.textEmbeds, batch, 'text_embeds'), timeIds: expandBatch(a.timeIds, batch, 'time_ids') } : undefined;
}

function concatAdded(u: AddedConditioning | undefined, c: AddedConditioning | undefined): AddedConditioning | undefined {
  return u && c ? { textEmbeds: concatBatch(u.textEmbeds, c.textEmbeds), timeIds: concatBatch(u.timeIds, c.timeIds) } : undefined;
}

/** Repeats a batch-1 tensor to `batch` items; passes a tensor that already has `batch` items through. */
export function expandBatch(t: F32Tensor, batch: number, what: string): F32Tensor {
  const n = t.dims[0];
  if (n === batch) return t;
  if (n !== 1) throw new EngineError('INTERNAL', `${what} has batch ${n}, expected 1 or ${batch}`);
  return batch === 1 ? t : concatBatch(...Array.from({ length: batch }, () => t));
}

/**
 * uncond + scale·(cond − uncond), computed in double and rounded once to float32, into a new tensor,
 * or with `inPlace` over uncond's data (a prediction fresh from the model that nothing else reads).
 */
export function combineGuidance(cond: F32Tensor, uncond: F32Tensor, scale: number, inPlace = false): F32Tensor {
  if (cond.data.length !== uncond.data.length) {
    throw new EngineError('INTERNAL', `CFG: cond [${cond.dims.join(',')}] and uncond [${uncond.dims.join(',')}] differ`);
  }
  const out = inPlace ? uncond.data : new Float32Array(cond.data.length);
  const c = cond.data;
  const u = uncond.data;
  for (let i = 0; i < out.length; i++) out[i] = u[i] + scale * (c[i] - u[i]);
  return { dtype: 'float32', dims: cond.dims, data: out };
}

export function cfgDenoiser(model: ModelDenoiser, cond: F32Tensor, uncond: F32Tensor | null, scale: number, opts: CfgOptions): Denoiser {
  if (!Number.isFinite(scale)) throw new EngineError('BAD_INPUT', `CFG scale must be a finite number, got ${scale}`);
  const guided = uncond !== null && scale !== 1;
  const split = (sigma: number, outU: F32Tensor, outC: F32Tensor): F32Tensor => {
    // both predictions are fresh from this step's model call(s): unless the split is observed (and
    // kept), the guided x̂₀ goes over the uncond one, with no allocation per step
    const out = combineGuidance(outC, outU, scale, opts.onSplit === undefined);
    opts.onSplit?.({ sigma, uncond: outU, cond: outC, scale, guided: out });
    return out;
  };
  // the conditioning of a batch size, built once per run (it does not change between steps; an SD context
  // pair is 0.5 MB, SDXL's 1.3 MB, and concatenating it on every step was a copy and an allocation per step)
  const inputs = new Map<number, ReturnType<typeof batchInputs>>();
  const batchInputs = (batch: number) => {
    const c = expandBatch(cond, batch, 'conditioning');
    const extra = opts.concat === undefined ? undefined : expandBatch(opts.concat, batch, 'concat channels');
    const addedC = expandAdded(opts.added?.cond, batch);
    const u = guided ? expandBatch(uncond, batch, 'unconditioning') : c;
    const addedU = guided ? expandAdded(opts.added?.uncond, batch) : undefined;
    const both = guided && opts.batched && scale !== 0 ? { context: concatBatch(u, c), extra: extra && concatBatch(extra, extra), added: concatAdded(addedU, addedC) } : undefined;
    return { c, extra, addedC, u, addedU, both };
  };
  // the [x ‖ x] input of batched CFG, one array for the whole run: x is lent to the model for the call
  // only (types.ts Denoiser), and a fresh 2× latent array per step cost page faults (ops.ts)
  let pairIn: Float32Array | undefined;
  const pairOf = (x: F32Tensor): F32Tensor => {
    const n = x.data.length;
    if (pairIn?.length !== 2 * n) pairIn = new Float32Array(2 * n);
    pairIn.set(x.data, 0);
    pairIn.set(x.data, n);
    return { dtype: 'float32', dims: [2 * x.dims[0], ...x.dims.slice(1)], data: pairIn };
  };
  return async (x, sigma) => {
    const batch = x.dims[0];
    let cached = inputs.get(batch);
    if (!cached) {
      cached = batchInputs(batch);
      inputs.set(batch, cached);
    }
    const { c, extra, addedC, u, addedU, both } = cached;
    if (!guided) return model(x, sigma, c, extra, addedC);
    if (opts.added && !addedU) throw new EngineError('INTERNAL', 'CFG with SDXL conditioning needs the negative prompt\'s text_embeds and time_ids');
    if (scale === 0) return model(x, sigma, u, extra, addedU);
    if (both) {
      // the model's own batched CFG (models/unet.ts): the same numbers in fewer passes over the latents,
      // when nothing observes the split
      if (model.guided && opts.onSplit === undefined) return model.guided(x, sigma, scale, both.context, both.extra, both.added);
      // k-diffusion CFGDenoiser order: cat([uncond, cond]) then chunk(2)
      const pair = await model(pairOf(x), sigma, both.context, both.extra, both.added);
      // views: the pair is fresh from this call and only read from here on
      const [outU, outC] = splitBatchViews(pair, 2);
      return split(sigma, outU, outC);
    }
    const outU = await model(x, sigma, u, extra, addedU);
    if (opts.signal?.aborted) throw new CancelledError();
    const outC = await model(x, sigma, c, extra, addedC);
    return split(sigma, outU, outC);
  };
}
