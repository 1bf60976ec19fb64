/** DPM-Solver-2 (Lu et al. 2022, "DPM-Solver") on the Karras et al. (2022) ODE with optional churn (k-diffusion `sample_dpm_2`). */
import { churnFrom } from './churn.ts';
import { eulerStepInto, guarded, stepCount, toDThenCombineInto } from './common.ts';
import { own, scratchLike } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const dpm2: GenericSampler = async (denoise, xInit, sigmas, ctx, options) => {
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
    if (sigmaNext === 0) {
      eulerStepInto(x, d, x, sigmaHat, denoised, sigmaNext - sigmaHat); // last step: Euler
    } else {
      // midpoint in log sigma (geometric mean), then a full step with the midpoint slope
      const sigmaMid = Math.exp((Math.log(sigmaHat) + Math.log(sigmaNext)) / 2);
      eulerStepInto(x2, d, x, sigmaHat, denoised, sigmaMid - sigmaHat);
      // the midpoint's slope d2, then x + d2·(σ' − σ̂), in one pass
      toDThenCombineInto(x, d2, x2, sigmaMid, await model(x2, sigmaMid), [[x, 1]], sigmaNext - sigmaHat);
    }
  }
  return x;
};
