/**
 * Karras et al. (2022) "churn": optionally raise the noise level from sigma to sigmaHat = sigma·(1+γ)
 * by adding fresh noise before a step (Algorithm 2, lines 4–6), shared by euler, heun and dpm_2.
 * Options as k-diffusion: s_churn (0 = off), s_tmin, s_tmax (apply only for sigma in range), s_noise.
 */
import type { SamplerOptions } from '../types.ts';
import { optNumber } from './common.ts';
import { addScaledInto } from './ops.ts';
import type { FloatTensor } from './ops.ts';
import type { SamplerContextOf } from './types.ts';

export interface Churn {
  /** raises the sampler's own x to sigmaHat in place and returns sigmaHat (noise is drawn only when γ > 0) */
  apply<T extends FloatTensor>(x: T, sigma: number, ctx: SamplerContextOf<T>): number;
}

export function churnFrom(options: SamplerOptions | undefined, steps: number): Churn {
  const sChurn = optNumber(options, 's_churn', 0, 0);
  const sTmin = optNumber(options, 's_tmin', 0, 0);
  const sTmax = optNumber(options, 's_tmax', Infinity, 0);
  const sNoise = optNumber(options, 's_noise', 1, 0);
  return {
    apply(x, sigma, ctx) {
      const gamma = sTmin <= sigma && sigma <= sTmax ? Math.min(sChurn / steps, Math.SQRT2 - 1) : 0;
      const sigmaHat = sigma * (gamma + 1);
      if (gamma <= 0) return sigmaHat;
      addScaledInto(x, x, ctx.noise(sigma, sigmaHat), sNoise * Math.sqrt(sigmaHat ** 2 - sigma ** 2));
      return sigmaHat;
    },
  };
}
