/** Latent Consistency Model sampling, Luo et al. (2023), "Latent Consistency Models": jump to x̂₀, re-noise to the next sigma (ComfyUI `sample_lcm`). */
import { guarded, stepCount } from './common.ts';
import { addScaledInto, own } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const lcm: GenericSampler = async (denoise, xInit, sigmas, ctx) => {
  const steps = stepCount(sigmas);
  const model = guarded(denoise, ctx);
  const x = own(xInit);
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const sigmaNext = sigmas[i + 1];
    const denoised = await model(x, sigma);
    ctx.onStep?.({ i, sigma, sigmaHat: sigma, x, denoised });
    if (sigmaNext === 0) return denoised;
    addScaledInto(x, denoised, ctx.noise(sigma, sigmaNext), sigmaNext);
  }
  return x;
};
