/** Ancestral sampling with DPM-Solver-2 steps (Lu et al. 2022, "DPM-Solver"; k-diffusion `sample_dpm_2_ancestral`). */
import { ancestralStep, eulerStepInto, guarded, optNumber, stepCount, toDThenCombineInto } from './common.ts';
import { own, scratchLike } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const dpm2Ancestral: GenericSampler = async (denoise, xInit, sigmas, ctx, options) => {
  const eta = optNumber(options, 'eta', 1, 0);
  const sNoise = optNumber(options, 's_noise', 1, 0);
  const steps = stepCount(sigmas);
  const model = guarded(denoise, ctx);
  const x = own(xInit);
  const [d, x2, d2] = [scratchLike(x), scratchLike(x), scratchLike(x)];
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const denoised = await model(x, sigma);
    const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmas[i + 1], eta);
    ctx.onStep?.({ i, sigma, sigmaHat: sigma, x, denoised });
    if (sigmaDown === 0) {
      eulerStepInto(x, d, x, sigma, denoised, sigmaDown - sigma); // Euler to sigma 0
    } else {
      const sigmaMid = Math.exp((Math.log(sigma) + Math.log(sigmaDown)) / 2);
      eulerStepInto(x2, d, x, sigma, denoised, sigmaMid - sigma);
      // the midpoint's slope d2, x + d2·(σ_down − σ), then the noise: one pass
      const den2 = await model(x2, sigmaMid);
      toDThenCombineInto(x, d2, x2, sigmaMid, den2, [[x, 1]], sigmaDown - sigma, sigmaUp > 0 ? [ctx.noise(sigma, sigmas[i + 1]), sNoise * sigmaUp] : null);
    }
  }
  return x;
};
