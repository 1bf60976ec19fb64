/**
 * Karras et al. (2022) "churn": optionally raise the noise level from sigma to sigmaHat = sigma·(1+γ)
 * by adding fresh noise before a step (Algorithm 2, lines 4–6), shared by euler, heun and dpm_2.
 * Options as k-diffusion: s_churn (0 = off), s_tmin, s_tmax (apply only for sigma in range), s_noise.
 */
import type { SamplerOptions } from '../types.ts';
import { optNumber } from './common.ts';
import { addScaled } from './ops.ts';
import type { FloatTensor } from './ops.ts';
import type { SamplerContextOf } from './types.ts';

export interface Churn {
  /** returns sigmaHat and x raised to it (x itself when γ = 0; noise is drawn only when γ > 0) */
  apply<T extends FloatTensor>(x: T, sigma: number, ctx: SamplerContextOf<T>): { x: T; sigmaHat: number };
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
      if (gamma <= 0) return { x, sigmaHat };
      const eps = ctx.noise(sigma, sigmaHat);
      return { x: addScaled(x, eps, sNoise * Math.sqrt(sigmaHat ** 2 - sigma ** 2)), sigmaHat };
    },
  };
}
