/**
 * The forward (noising) process for the forward-diffusion viewer: encode an image to x₀, then for each
 * requested timestep t (or sigma) x_t = x₀ + σ_t·ε with one seeded ε for all frames (the same ε a
 * generation with this seed starts from), decoded. `scaling: 'ddpm'` shows x_t/√(1 + σ²) =
 * √ᾱ·x₀ + √(1 − ᾱ)·ε instead (DDPM's x_t, which stays in range); `decoder: 'preview'` uses the cheap
 * linear latent→RGB map instead of the VAE.
 */
import { randomInt } from 'node:crypto';
import { pixelsToRgb8 } from '../imageio/convert.ts';
import { fitImage, readImage } from '../imageio/input.ts';
import { encodePng } from '../imageio/png.ts';
import type { ProviderPreference } from '../runtime/ort.ts';
import { Rng } from '../runtime/rng.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';
import { PipelineCache } from './cache.ts';
import { checkAborted, checkFit, encodeRgb8, workSize } from './edit-common.ts';
import type { ImageInputParams } from './edit-common.ts';
import { MAX_SEED } from './params.ts';
import { previewRgb8 } from './preview.ts';

export interface ForwardParams extends ImageInputParams {
  modelDir: string;
  /** fractional training timesteps in [0, T − 1] (T = 1000 for SD) */
  t?: readonly number[];
  /** noise levels ≥ 0 (0 = the clean image); used with or instead of t */
  sigma?: readonly number[];
  /** 0..2^32−1, or −1 / absent for a random one */
  seed?: number;
  width?: number;
  height?: number;
  provider?: ProviderPreference;
  /** 'vae' (default) or the linear 'preview' */
  decoder?: 'vae' | 'preview';
  /** 'sigma' (default): x₀ + σ·ε as it is; 'ddpm': scaled by 1/√(1 + σ²) */
  scaling?: 'sigma' | 'ddpm';
}

export interface ForwardFrame {
  /** fractional timestep, null for sigma 0 */
  t: number | null;
  sigma: number;
  alphaBar: number;
  /** ᾱ/(1 − ᾱ) = 1/σ² (Infinity at sigma 0) */
  snr: number;
  png: Buffer;
  width: number;
  height: number;
}

export interface ForwardResult {
  frames: ForwardFrame[];
  seed: number;
  /** the work size the image was fitted to */
  width: number;
  height: number;
}

function points(params: ForwardParams, tMax: number): { t: number | null; sigma: number | null }[] {
  const ts = params.t ?? [];
  const sigmas = params.sigma ?? [];
  if (ts.length + sigmas.length === 0) throw new EngineError('BAD_INPUT', `give at least one timestep t (0 to ${tMax}) or noise level sigma`);
  for (const t of ts) if (typeof t !== 'number' || !(t >= 0 && t <= tMax)) throw new EngineError('BAD_INPUT', `timestep t must be a number from 0 to ${tMax}, got ${String(t)}`);
  for (const s of sigmas) if (typeof s !== 'number' || !(s >= 0) || !Number.isFinite(s)) throw new EngineError('BAD_INPUT', `sigma must be a finite number ≥ 0, got ${String(s)}`);
  return [...ts.map((t) => ({ t, sigma: null })), ...sigmas.map((sigma) => ({ t: null, sigma }))];
}

export async function forwardProcess(params: ForwardParams, opts: { cache?: PipelineCache; signal?: AbortSignal } = {}): Promise<ForwardResult> {
  const fit = checkFit(params.fit);
  const seedIn = params.seed ?? -1;
  if (seedIn !== -1 && !(Number.isInteger(seedIn) && seedIn >= 0 && seedIn <= MAX_SEED)) {
    throw new EngineError('BAD_INPUT', `seed must be a whole number from 0 to ${MAX_SEED}, or -1 for a random one; got ${seedIn}`);
  }
  const seed = seedIn === -1 ? randomInt(0, MAX_SEED + 1) : seedIn;
  const cache = opts.cache ?? new PipelineCache();
  try {
    const input = await readImage(params.image, { maxPixels: params.maxPixels });
    const model = await cache.model(params.modelDir, params.provider ?? 'auto', opts.signal);
    const { discrete } = model;
    const wanted = points(params, discrete.sigmas.length - 1);
    const size = workSize(input.rgb, model.info, params.width, params.height);
    const fitted = await fitImage(input.rgb, size.width, size.height, fit);
    const x0 = await encodeRgb8(model, fitted);
    const eps = new Rng(seed).randn(x0.data.length);
    const frames: ForwardFrame[] = [];
    for (const p of wanted) {
      checkAborted(opts.signal);
      const sigma = p.sigma ?? discrete.tToSigma(p.t ?? 0);
      const scale = params.scaling === 'ddpm' ? 1 / Math.sqrt(1 + sigma * sigma) : 1;
      const xt: F32Tensor = { dtype: 'float32', dims: x0.dims, data: x0.data.map((v, i) => (v + sigma * eps[i]) * scale) };
      const rgb = params.decoder === 'preview' ? previewRgb8(xt, model.info.previewFactors) : pixelsToRgb8(await model.decode(xt))[0];
      const alphaBar = 1 / (1 + sigma * sigma);
      frames.push({
        t: p.t ?? (sigma > 0 ? discrete.sigmaToT(sigma) : null),
        sigma,
        alphaBar,
        snr: sigma > 0 ? 1 / (sigma * sigma) : Infinity,
        png: await encodePng(rgb),
        width: rgb.width,
        height: rgb.height,
      });
    }
    return { frames, seed, width: size.width, height: size.height };
  } finally {
    if (!opts.cache) await cache.dispose();
  }
}
