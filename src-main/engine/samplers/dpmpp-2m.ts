/** DPM-Solver++(2M), the 2nd-order multistep solver of Lu et al. (2022), "DPM-Solver++" (k-diffusion `sample_dpmpp_2m`). */
import { guarded, stepCount } from './common.ts';
import { combineInto, own } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const dpmpp2m: GenericSampler = async (denoise, xInit, sigmas, ctx) => {
  const steps = stepCount(sigmas);
  const model = guarded(denoise, ctx);
  const x = own(xInit);
  let oldDenoised: typeof x | undefined;
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const sigmaNext = sigmas[i + 1];
    const denoised = await model(x, sigma);
    ctx.onStep?.({ i, sigma, sigmaHat: sigma, x, denoised });
    const t = -Math.log(sigma);
    const h = -Math.log(sigmaNext) - t; // +∞ at sigma 0, where expm1(−h) = −1 and x = x̂₀
    const c = -Math.expm1(-h);
    if (oldDenoised === undefined || sigmaNext === 0) {
      combineInto(x, [x, sigmaNext / sigma], [denoised, c]);
    } else {
      const hLast = t + Math.log(sigmas[i - 1]);
      const r = hLast / h;
      // x̂₀ extrapolated linearly in t from this and the previous step
      combineInto(x, [x, sigmaNext / sigma], [denoised, c * (1 + 1 / (2 * r))], [oldDenoised, -c / (2 * r)]);
    }
    oldDenoised = denoised;
  }
  return x;
};
