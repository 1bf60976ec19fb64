/**
 * From the noise in a photo to the noise level of the diffusion, and the schedule that starts there.
 *
 * Units. Pixels enter the VAE in [-1, 1], so noise of σ₈ in 8-bit units is σ_px = σ₈ / 127.5 there.
 * The diffusion runs on scaled VAE latents z = s·E(x) (s = the model's scaling factor, 0.18215 for
 * SD 1.x, chosen so latents have about unit variance) and its forward process is z_σ = z + σ·ε with
 * white ε ~ N(0, I) per latent element. A noisy photo y = x + σ_px·n encodes, to first order, to
 * E(y) ≈ z + J·σ_px·n: Gaussian, but not white (the encoder's 8×8 downsampling averages most pixel
 * noise away and mixes channels). We take the white latent noise of the same energy:
 *   σ_latent = RMS over latent elements of (E(y + σ_px·n′) − E(y)),
 * measured with one more VAE encode of the photo plus a fresh seeded probe noise n′ of the same σ_px.
 * For an averaging linear encoder this is exactly σ_px/8 times the RMS gain of its channel map; for a
 * real VAE it is the local linear response at this photo and noise level. It grows linearly with σ₈.
 *
 * The reverse process then starts at σ_latent with the photo's own latents as x (no noise is added:
 * the photo's noise plays the part of σ·ε), the idea of SDEdit (Meng et al. 2021) and of using a
 * diffusion prior as a denoiser (Kadkhodaie & Simoncelli 2021). One Euler step to σ = 0 returns the
 * denoiser's x̂₀, the posterior mean (highest PSNR, blurrier); more steps follow the probability-flow
 * ODE to a sharper, sample-like result.
 */
import type { LoadedModel } from '../models/model.ts';
import { Rng } from '../runtime/rng.ts';
import type { DiscreteSchedule } from '../schedules/discrete.ts';
import { linspace } from '../schedules/discrete.ts';
import { exponentialSigmas, getSchedule, karrasSigmas } from '../schedules/index.ts';
import type { ScheduleId } from '../schedules/index.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';

/** 8-bit noise σ → σ in the VAE's [-1, 1] pixel range. */
export function pixelSigmaFrom8bit(sigma8: number): number {
  return sigma8 / 127.5;
}

/** σ_latent of pixel noise σ_px around `pixels` (whose latents are `latents`), measured through the encoder. */
export async function latentNoiseSigma(model: LoadedModel, pixels: F32Tensor, latents: F32Tensor, pixelSigma: number, probeSeed: number): Promise<number> {
  if (!(pixelSigma >= 0) || !Number.isFinite(pixelSigma)) throw new EngineError('BAD_INPUT', `noise sigma must be 0 or more, got ${pixelSigma}`);
  if (pixelSigma === 0) return 0;
  const n = new Rng(probeSeed).randn(pixels.data.length);
  const probe = pixels.data.map((v, i) => v + pixelSigma * n[i]);
  const moved = await model.encode({ dtype: 'float32', dims: pixels.dims, data: probe });
  let s = 0;
  for (let i = 0; i < latents.data.length; i++) s += (moved.data[i] - latents.data[i]) ** 2;
  return Math.sqrt(s / latents.data.length);
}

/**
 * Descending sigmas from sigmaStart to 0 in `steps` steps, shaped by the schedule: karras and
 * exponential between the model's sigma_min and sigmaStart; normal, sgm_uniform and simple at evenly
 * spaced timesteps from t(sigmaStart) down to 0. sigmaStart must be above the model's sigma_min.
 */
export function sigmasFrom(schedule: ScheduleId, steps: number, model: DiscreteSchedule, sigmaStart: number): Float64Array {
  const { id } = getSchedule(schedule);
  if (!Number.isInteger(steps) || steps < 1) throw new EngineError('BAD_INPUT', `steps must be a whole number ≥ 1, got ${steps}`);
  if (!(sigmaStart > model.sigmaMin)) throw new EngineError('BAD_INPUT', `a start sigma of ${sigmaStart} is not above the model's smallest noise level ${model.sigmaMin}`);
  if (steps === 1) return Float64Array.of(sigmaStart, 0);
  if (id === 'karras') return karrasSigmas(steps, model.sigmaMin, sigmaStart);
  if (id === 'exponential') return exponentialSigmas(steps, model.sigmaMin, sigmaStart);
  const ts = linspace(model.sigmaToT(sigmaStart), 0, steps);
  const out = new Float64Array(steps + 1);
  ts.forEach((t, i) => (out[i] = model.tToSigma(t)));
  out[0] = sigmaStart;
  return out;
}
