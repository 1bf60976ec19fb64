/** Karras et al. (2022), "Elucidating the Design Space of Diffusion-Based Generative Models", Algorithm 2 with Heun's 2nd-order steps (k-diffusion `sample_heun`). */
import { churnFrom } from './churn.ts';
import { eulerStepInto, guarded, stepCount, toDThenCombineInto } from './common.ts';
import { own, scratchLike } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const heun: GenericSampler = async (denoise, xInit, sigmas, ctx, options) => {
  const steps = stepCount(sigmas);
  const churn = churnFrom(options, steps);
  const model = guarded(denoise, ctx);
  const x = own(xInit);
  const [d, x2, d2] = [scratchLike(x), scratchLike(x), scratchLike(x)];
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const sigmaNext = sigmas[i + 1];
    const sigmaHat = churn.apply(x, sigma, ctx);
    const denoised = await model(x, sigmaHat);
    ctx.onStep?.({ i, sigma, sigmaHat, x, denoised });
    const dt = sigmaNext - sigmaHat;
    if (sigmaNext === 0) {
      eulerStepInto(x, d, x, sigmaHat, denoised, dt); // last step: Euler (the denoiser is undefined at sigma 0)
    } else {
      eulerStepInto(x2, d, x, sigmaHat, denoised, dt);
      // d2 at the Euler step's end, then x + (d + d2)/2 · dt, in one pass
      toDThenCombineInto(x, d2, x2, sigmaNext, await model(x2, sigmaNext), [[x, 1], [d, dt / 2]], dt / 2);
    }
  }
  return x;
};
