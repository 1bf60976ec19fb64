/**
 * Hires fix, as A1111 does it (modules/processing.py, StableDiffusionProcessingTxt2Img.sample_hr_pass):
 * the base image is upscaled — its latents bilinearly ("Latent"), or the decoded image with sharp's
 * Lanczos and encoded again ("Lanczos") — then a second, image-to-image pass at `denoise` strength over
 * `steps` (0: the base step count) refines it at the new size, with the same seeds, prompts, sampler
 * and schedule. The PNG parameters say so the way A1111 writes them (Hires upscale, Hires steps, Hires
 * upscaler, Denoising strength), and they read back (imageio/read-parameters.ts).
 */
import sharp from 'sharp';
import { pixelsToRgb8, rgb8ToPixels } from '../imageio/convert.ts';
import { sliceBatch } from '../runtime/tensor.ts';
import { buildSigmas, sigmasForStrength } from '../schedules/index.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';
import { MAX_SIZE, roundToFactor } from './params.ts';
import type { HiresParams, HiresUpscaler } from './params.ts';
import { sampleLatents } from './sample.ts';

export interface HiresPlan {
  /** the second pass's sigmas: its schedule cut at the denoising strength */
  sigmas: Float64Array;
  /** steps the second pass really runs */
  runSteps: number;
  scale: number;
  denoise: number;
  steps: number;
  upscaler: HiresUpscaler;
  width: number;
  height: number;
}

/** The second pass's size and settings for a base size; refuses a final size over the limit. */
export function planHires(
  h: HiresParams,
  base: { width: number; height: number; steps: number; schedule: Parameters<typeof buildSigmas>[0] },
  factor: number,
  discrete: Parameters<typeof buildSigmas>[2],
): HiresPlan {
  const width = roundToFactor(base.width * h.scale, factor);
  const height = roundToFactor(base.height * h.scale, factor);
  if (base.width * h.scale > MAX_SIZE + factor / 2 || base.height * h.scale > MAX_SIZE + factor / 2) {
    throw new EngineError('BAD_INPUT', `hires fix ×${h.scale} of ${base.width}×${base.height} would be ${Math.round(base.width * h.scale)}×${Math.round(base.height * h.scale)}, over ${MAX_SIZE} pixels a side; use a smaller scale`);
  }
  const steps = h.steps || base.steps;
  const sigmas = sigmasForStrength(buildSigmas(base.schedule, steps, discrete), h.denoise);
  return { sigmas, runSteps: Math.max(0, sigmas.length - 1), scale: h.scale, denoise: h.denoise, steps, upscaler: h.upscaler ?? 'latent', width, height };
}

const UPSCALER_LABEL: Record<HiresUpscaler, string> = { latent: 'Latent', lanczos: 'Lanczos' };

/** A1111's infotext fields for a hires run (after "Size", which stays the base size). */
export function hiresInfotext(plan: HiresPlan, explicitSteps: boolean): [string, string][] {
  return [
    ['Denoising strength', String(plan.denoise)],
    ['Hires upscale', String(plan.scale)],
    ...(explicitSteps ? [['Hires steps', String(plan.steps)] as [string, string]] : []),
    ['Hires upscaler', UPSCALER_LABEL[plan.upscaler]],
  ];
}

/** Bilinear resize of latents [B, C, h, w] to [B, C, H, W] (align_corners false, like torch's interpolate). */
export function resizeLatentsBilinear(x: F32Tensor, height: number, width: number): F32Tensor {
  const [b, c, h, w] = x.dims;
  const out = new Float32Array(b * c * height * width);
  const sy = h / height;
  const sx = w / width;
  for (let y = 0; y < height; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(h - 1, Math.floor(fy));
    const y1 = Math.min(h - 1, y0 + 1);
    const wy = fy - y0;
    for (let xx = 0; xx < width; xx++) {
      const fx = Math.max(0, (xx + 0.5) * sx - 0.5);
      const x0 = Math.min(w - 1, Math.floor(fx));
      const x1 = Math.min(w - 1, x0 + 1);
      const wx = fx - x0;
      for (let plane = 0; plane < b * c; plane++) {
        const src = plane * h * w;
        const top = x.data[src + y0 * w + x0] * (1 - wx) + x.data[src + y0 * w + x1] * wx;
        const bottom = x.data[src + y1 * w + x0] * (1 - wx) + x.data[src + y1 * w + x1] * wx;
        out[plane * height * width + y * width + xx] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return { dtype: 'float32', dims: [b, c, height, width], data: out };
}

export interface HiresPassInput {
  readonly plan: HiresPlan;
  readonly latents: F32Tensor;
  readonly seeds: readonly number[];
  /** everything of the base pass the second pass shares */
  readonly base: Omit<Parameters<typeof sampleLatents>[0], 'sigmas' | 'seeds' | 'latentShape' | 'init' | 'noised' | 'wrap' | 'concat'>;
  readonly model: {
    readonly info: { readonly latentChannels: number; readonly vaeFactor: number };
    decode(latents: F32Tensor): Promise<F32Tensor>;
    encode(pixels: F32Tensor): Promise<F32Tensor>;
  };
  /** extra UNet channels at the new size (9-channel inpainting models), if any */
  readonly concat?: F32Tensor;
}

/** Upscales one batch's latents and runs the second pass; returns latents at the hires size. */
export async function hiresPass(input: HiresPassInput): Promise<{ latents: F32Tensor; stepMs: number[] }> {
  const { plan, latents, model } = input;
  const f = model.info.vaeFactor;
  const h = plan.height / f;
  const w = plan.width / f;
  let init: F32Tensor;
  if (plan.upscaler === 'latent') {
    init = resizeLatentsBilinear(latents, h, w);
  } else {
    const parts: F32Tensor[] = [];
    for (let k = 0; k < latents.dims[0]; k++) {
      const [rgb] = pixelsToRgb8(await model.decode(sliceBatch(latents, k, k + 1)));
      const { data, info } = await sharp(Buffer.from(rgb.data), { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
        .resize(plan.width, plan.height, { kernel: 'lanczos3', fit: 'fill' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      parts.push(await model.encode(rgb8ToPixels([{ width: info.width, height: info.height, data: new Uint8Array(data) }])));
    }
    const data = new Float32Array(parts.length * model.info.latentChannels * h * w);
    parts.forEach((part, k) => data.set(part.data, k * part.data.length));
    init = { dtype: 'float32', dims: [parts.length, model.info.latentChannels, h, w], data };
  }
  const { sigmas } = plan;
  if (sigmas.length < 2) return { latents: init, stepMs: [] };
  return sampleLatents({ ...input.base, sigmas, seeds: input.seeds, latentShape: [model.info.latentChannels, h, w], init, ...(input.concat ? { concat: input.concat } : {}) });
}
