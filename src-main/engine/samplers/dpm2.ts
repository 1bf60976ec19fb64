/** DPM-Solver-2 (Lu et al. 2022, "DPM-Solver") on the Karras et al. (2022) ODE with optional churn (k-diffusion `sample_dpm_2`). */
import { churnFrom } from './churn.ts';
import { guarded, stepCount, toD } from './common.ts';
import { addScaled } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const dpm2: GenericSampler = async (denoise, x, sigmas, ctx, options) => {
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
    if (sigmaNext === 0) {
      x = addScaled(x, d, sigmaNext - sigmaHat); // last step: Euler
    } else {
      // midpoint in log sigma (geometric mean), then a full step with the midpoint slope
      const sigmaMid = Math.exp((Math.log(sigmaHat) + Math.log(sigmaNext)) / 2);
      const x2 = addScaled(x, d, sigmaMid - sigmaHat);
      const d2 = toD(x2, sigmaMid, await model(x2, sigmaMid));
      x = addScaled(x, d2, sigmaNext - sigmaHat);
    }
  }
  return x;
};
