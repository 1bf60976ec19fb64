/** Ancestral sampling with DPM-Solver-2 steps (Lu et al. 2022, "DPM-Solver"; k-diffusion `sample_dpm_2_ancestral`). */
import { ancestralStep, guarded, optNumber, stepCount, toD } from './common.ts';
import { addScaled } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const dpm2Ancestral: GenericSampler = async (denoise, x, sigmas, ctx, options) => {
  const eta = optNumber(options, 'eta', 1, 0);
  const sNoise = optNumber(options, 's_noise', 1, 0);
  const steps = stepCount(sigmas);
  const model = guarded(denoise, ctx);
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const denoised = await model(x, sigma);
    const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmas[i + 1], eta);
    ctx.onStep?.({ i, sigma, sigmaHat: sigma, x, denoised });
    const d = toD(x, sigma, denoised);
    if (sigmaDown === 0) {
      x = addScaled(x, d, sigmaDown - sigma); // Euler to sigma 0
    } else {
      const sigmaMid = Math.exp((Math.log(sigma) + Math.log(sigmaDown)) / 2);
      const x2 = addScaled(x, d, sigmaMid - sigma);
      const d2 = toD(x2, sigmaMid, await model(x2, sigmaMid));
      x = addScaled(x, d2, sigmaDown - sigma);
      if (sigmaUp > 0) x = addScaled(x, ctx.noise(sigma, sigmas[i + 1]), sNoise * sigmaUp);
    }
  }
  return x;
};
