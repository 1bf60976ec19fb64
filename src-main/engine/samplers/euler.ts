/** Karras et al. (2022), "Elucidating the Design Space of Diffusion-Based Generative Models", Algorithm 2 with Euler steps (k-diffusion `sample_euler`). */
import { churnFrom } from './churn.ts';
import { eulerStepInto, guarded, stepCount } from './common.ts';
import { own, scratchLike } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const euler: GenericSampler = async (denoise, xInit, sigmas, ctx, options) => {
  const steps = stepCount(sigmas);
  const churn = churnFrom(options, steps);
  const model = guarded(denoise, ctx);
  const x = own(xInit);
  const d = scratchLike(x);
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const sigmaHat = churn.apply(x, sigma, ctx);
    const denoised = await model(x, sigmaHat);
    ctx.onStep?.({ i, sigma, sigmaHat, x, denoised });
    eulerStepInto(x, d, x, sigmaHat, denoised, sigmas[i + 1] - sigmaHat);
  }
  return x;
};
