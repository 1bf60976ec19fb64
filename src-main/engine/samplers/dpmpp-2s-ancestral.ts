/** Ancestral sampling with DPM-Solver++(2S) steps (Lu et al. 2022, "DPM-Solver++"; k-diffusion `sample_dpmpp_2s_ancestral`). */
import { ancestralStep, guarded, optNumber, stepCount, toDInto } from './common.ts';
import { addScaledInto, combineInto, combineThenAddInto, own, scratchLike } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const dpmpp2sAncestral: GenericSampler = async (denoise, xInit, sigmas, ctx, options) => {
  const eta = optNumber(options, 'eta', 1, 0);
  const sNoise = optNumber(options, 's_noise', 1, 0);
  const steps = stepCount(sigmas);
  const model = guarded(denoise, ctx);
  const x = own(xInit);
  const x2 = scratchLike(x); // the half step's x, and d on the last step
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const denoised = await model(x, sigma);
    const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmas[i + 1], eta);
    ctx.onStep?.({ i, sigma, sigmaHat: sigma, x, denoised });
    if (sigmaDown === 0) {
      addScaledInto(x, x, toDInto(x2, x, sigma, denoised), sigmaDown - sigma); // Euler to sigma 0
    } else {
      // in log-SNR time t = −log σ: a half step to s, then a full step using x̂₀ at s
      const t = -Math.log(sigma);
      const tNext = -Math.log(sigmaDown);
      const h = tNext - t;
      const r = 1 / 2;
      const s = t + r * h;
      combineInto(x2, [x, Math.exp(-s) / sigma], [denoised, -Math.expm1(-h * r)]);
      const denoised2 = await model(x2, Math.exp(-s));
      // the full step, then the noise (one pass: ops.ts combineThenAddInto)
      combineThenAddInto(x, [[x, Math.exp(-tNext) / sigma], [denoised2, -Math.expm1(-h)]], sigmas[i + 1] > 0 && sigmaUp > 0 ? [ctx.noise(sigma, sigmas[i + 1]), sNoise * sigmaUp] : null);
      continue;
    }
    // eta > 1 can take σ_down to 0 before the last step: noise after the Euler step then
    if (sigmas[i + 1] > 0 && sigmaUp > 0) addScaledInto(x, x, ctx.noise(sigma, sigmas[i + 1]), sNoise * sigmaUp);
  }
  return x;
};
