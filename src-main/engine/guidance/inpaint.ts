/**
 * Inpainting as denoiser wrappers (samplers never know about it).
 *
 * Latent blending (ComfyUI's KSamplerX0Inpaint; A1111's CFGDenoiser mask): before every model call the
 * known region of x is replaced by the original latents noised to the current level, known + σ·ε,
 * and the known region of the model's x̂₀ is replaced by the original latents. ε is one fixed draw —
 * the run's own initial noise from the seeded generator, as ComfyUI uses — so along a deterministic
 * sampler the known region sits exactly on the forward path x₀ + σ·ε of the original. Mask 1 = repaint;
 * in between (feathered or partly painted blocks) the two are mixed.
 *
 * 9-channel inpainting UNets take [x, mask, masked-image latents] (model-formats.md; diffusers'
 * StableDiffusionInpaintPipeline): `inpaintConcat` builds the extra 5 channels.
 */
import { concatChannels } from '../runtime/tensor.ts';
import type { Denoiser, F32Tensor } from '../types.ts';
import { EngineError } from '../types.ts';

/** v·m + k·(1 − m), exactly v where m = 1 and exactly k where m = 0 */
function mix(v: number, k: number, m: number): number {
  return m >= 1 ? v : m <= 0 ? k : v * m + k * (1 - m);
}

/**
 * Wraps a denoiser with latent blending.
 * @param known  clean latents of the original [1 or B, C, h, w]
 * @param mask   [1, 1, h, w] in [0, 1], 1 = repaint
 * @param noise  the fixed ε [B, C, h, w] (or [1, C, h, w] shared by the batch)
 */
export function latentBlendDenoiser(inner: Denoiser, known: F32Tensor, mask: F32Tensor, noise: F32Tensor): Denoiser {
  const [, c, h, w] = known.dims;
  const plane = h * w;
  const item = c * plane;
  if (mask.dims.length !== 4 || mask.dims[1] !== 1 || mask.dims[2] !== h || mask.dims[3] !== w) {
    throw new EngineError('INTERNAL', `latent mask [${mask.dims.join(', ')}] does not fit latents [${known.dims.join(', ')}]`);
  }
  const knownBatch = known.dims[0];
  const noiseBatch = noise.dims[0];
  return async (x, sigma) => {
    const batch = x.dims[0];
    if (x.data.length !== batch * item || (knownBatch !== 1 && knownBatch !== batch) || (noiseBatch !== 1 && noiseBatch !== batch) || noise.data.length !== noiseBatch * item) {
      throw new EngineError('INTERNAL', `latent blend: x [${x.dims.join(', ')}], known [${known.dims.join(', ')}], noise [${noise.dims.join(', ')}]`);
    }
    const xin = new Float32Array(x.data.length);
    for (let b = 0; b < batch; b++) {
      const kb = knownBatch === 1 ? 0 : b * item;
      const nb = noiseBatch === 1 ? 0 : b * item;
      for (let j = 0; j < item; j++) {
        const m = mask.data[j % plane];
        xin[b * item + j] = mix(x.data[b * item + j], known.data[kb + j] + sigma * noise.data[nb + j], m);
      }
    }
    const denoised = await inner({ dtype: 'float32', dims: x.dims, data: xin }, sigma);
    const out = new Float32Array(denoised.data.length);
    for (let b = 0; b < batch; b++) {
      const kb = knownBatch === 1 ? 0 : b * item;
      for (let j = 0; j < item; j++) out[b * item + j] = mix(denoised.data[b * item + j], known.data[kb + j], mask.data[j % plane]);
    }
    return { dtype: 'float32', dims: denoised.dims, data: out };
  };
}

/** The extra UNet channels of 9-channel inpainting models: [mask (1), masked-image latents (C)]. */
export function inpaintConcat(latentMask: F32Tensor, maskedImageLatents: F32Tensor): F32Tensor {
  const [b, , h, w] = maskedImageLatents.dims;
  if (latentMask.dims[0] !== b || latentMask.dims[1] !== 1 || latentMask.dims[2] !== h || latentMask.dims[3] !== w) {
    throw new EngineError('INTERNAL', `inpaint mask [${latentMask.dims.join(', ')}] does not fit masked-image latents [${maskedImageLatents.dims.join(', ')}]`);
  }
  return concatChannels([latentMask, maskedImageLatents]);
}
