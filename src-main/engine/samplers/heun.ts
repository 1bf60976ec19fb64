/** Karras et al. (2022), "Elucidating the Design Space of Diffusion-Based Generative Models", Algorithm 2 with Heun's 2nd-order steps (k-diffusion `sample_heun`). */
import { churnFrom } from './churn.ts';
import { guarded, stepCount, toD } from './common.ts';
import { addScaled, combine } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const heun: GenericSampler = async (denoise, x, sigmas, ctx, options) => {
  const steps = stepCount(sigmas);
  const churn = churnFrom(options, steps);
  const model = guarded(denoise, ctx);
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const sigmaNext = sigmas[i + 1];
    const raised = churn.apply(x, sigma, ctx);
    x = raised.x;
    const sigmaHat = raised.sigmaHat;
    const denoised = await model(x, sigmaHat);
    ctx.onStep?.({ i, sigma, sigmaHat, x, denoised });
    const d = toD(x, sigmaHat, denoised);
    const dt = sigmaNext - sigmaHat;
    if (sigmaNext === 0) {
      x = addScaled(x, d, dt); // last step: Euler (the denoiser is undefined at sigma 0)
    } else {
      const x2 = addScaled(x, d, dt);
      const d2 = toD(x2, sigmaNext, await model(x2, sigmaNext));
      x = combine([x, 1], [d, dt / 2], [d2, dt / 2]); // x + (d + d2)/2 · dt
    }
  }
  return x;
};
