/** Karras et al. (2022), "Elucidating the Design Space of Diffusion-Based Generative Models", Algorithm 2 with Euler steps (k-diffusion `sample_euler`). */
import { churnFrom } from './churn.ts';
import { guarded, stepCount, toD } from './common.ts';
import { addScaled } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const euler: GenericSampler = async (denoise, x, sigmas, ctx, options) => {
  const steps = stepCount(sigmas);
  const churn = churnFrom(options, steps);
  const model = guarded(denoise, ctx);
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const raised = churn.apply(x, sigma, ctx);
    x = raised.x;
    const sigmaHat = raised.sigmaHat;
    const denoised = await model(x, sigmaHat);
    ctx.onStep?.({ i, sigma, sigmaHat, x, denoised });
    const d = toD(x, sigmaHat, denoised);
    x = addScaled(x, d, sigmas[i + 1] - sigmaHat);
  }
  return x;
};
