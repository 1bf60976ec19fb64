/** Ancestral sampling with Euler steps: Ho et al. (2020) ancestral noise on the Karras et al. (2022) ODE (k-diffusion `sample_euler_ancestral`). */
import { ancestralStep, eulerStepInto, guarded, optNumber, stepCount } from './common.ts';
import { own, scratchLike } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const eulerAncestral: GenericSampler = async (denoise, xInit, sigmas, ctx, options) => {
  const eta = optNumber(options, 'eta', 1, 0);
  const sNoise = optNumber(options, 's_noise', 1, 0);
  const steps = stepCount(sigmas);
  const model = guarded(denoise, ctx);
  const x = own(xInit);
  const d = scratchLike(x);
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const denoised = await model(x, sigma);
    const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmas[i + 1], eta);
    ctx.onStep?.({ i, sigma, sigmaHat: sigma, x, denoised });
    // the Euler step to σ_down, then the noise (one pass: ops.ts combineAndStepInto)
    eulerStepInto(x, d, x, sigma, denoised, sigmaDown - sigma, sigmas[i + 1] > 0 && sigmaUp > 0 ? [ctx.noise(sigma, sigmas[i + 1]), sNoise * sigmaUp] : null);
  }
  return x;
};
