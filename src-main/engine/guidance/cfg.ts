/**
 * Classifier-free guidance (Ho & Salimans 2022) as a wrapper around the model denoiser:
 *   denoised = uncond + scale · (cond − uncond)
 * Following k-diffusion's CFGDenoiser (and A1111/ComfyUI), cond and uncond run as ONE model call
 * on a doubled batch [uncond ‖ cond] when the UNet's batch axis is dynamic (`batched`), as two calls
 * otherwise; when scale = 1 or there is no uncond, only the conditional pass runs (and scale = 0
 * runs only the unconditional one). Samplers never know about any of this.
 */
import type { ModelDenoiser } from '../models/model.ts';
import { concatBatch, splitBatch } from '../samplers/ops.ts';
import type { Denoiser, F32Tensor } from '../types.ts';
import { CancelledError, EngineError } from '../types.ts';

export interface CfgOptions {
  /** one UNet call on a [2B] batch instead of two calls on [B] */
  readonly batched: boolean;
  /** extra UNet input channels (9-channel inpainting), [B, k, h, w] */
  readonly concat?: F32Tensor;
  /** checked between the two calls of unbatched CFG, so cancellation waits for at most one UNet call */
  readonly signal?: AbortSignal;
}

/** Repeats a batch-1 tensor to `batch` items; passes a tensor that already has `batch` items through. */
export function expandBatch(t: F32Tensor, batch: number, what: string): F32Tensor {
  const n = t.dims[0];
  if (n === batch) return t;
  if (n !== 1) throw new EngineError('INTERNAL', `${what} has batch ${n}, expected 1 or ${batch}`);
  return batch === 1 ? t : concatBatch(...Array.from({ length: batch }, () => t));
}

/** uncond + scale·(cond − uncond), computed in double and rounded once to float32. */
export function combineGuidance(cond: F32Tensor, uncond: F32Tensor, scale: number): F32Tensor {
  if (cond.data.length !== uncond.data.length) {
    throw new EngineError('INTERNAL', `CFG: cond [${cond.dims.join(',')}] and uncond [${uncond.dims.join(',')}] differ`);
  }
  const out = new Float32Array(cond.data.length);
  const c = cond.data;
  const u = uncond.data;
  for (let i = 0; i < out.length; i++) out[i] = u[i] + scale * (c[i] - u[i]);
  return { dtype: 'float32', dims: cond.dims, data: out };
}

export function cfgDenoiser(model: ModelDenoiser, cond: F32Tensor, uncond: F32Tensor | null, scale: number, opts: CfgOptions): Denoiser {
  if (!Number.isFinite(scale)) throw new EngineError('BAD_INPUT', `CFG scale must be a finite number, got ${scale}`);
  const guided = uncond !== null && scale !== 1;
  return async (x, sigma) => {
    const batch = x.dims[0];
    const c = expandBatch(cond, batch, 'conditioning');
    const extra = opts.concat === undefined ? undefined : expandBatch(opts.concat, batch, 'concat channels');
    if (!guided) return model(x, sigma, c, extra);
    const u = expandBatch(uncond, batch, 'unconditioning');
    if (scale === 0) return model(x, sigma, u, extra);
    if (opts.batched) {
      // k-diffusion CFGDenoiser order: cat([uncond, cond]) then chunk(2)
      const both = await model(concatBatch(x, x), sigma, concatBatch(u, c), extra && concatBatch(extra, extra));
      const [outU, outC] = splitBatch(both, 2);
      return combineGuidance(outC, outU, scale);
    }
    const outU = await model(x, sigma, u, extra);
    if (opts.signal?.aborted) throw new CancelledError();
    const outC = await model(x, sigma, c, extra);
    return combineGuidance(outC, outU, scale);
  };
}
