/** DPM-Solver++ (stochastic), a 2nd-order SDE solver (Lu et al. 2022, "DPM-Solver++"; k-diffusion `sample_dpmpp_sde`). */
import { NOISE_KINDS, ancestralStep, guarded, optChoice, optNumber, stepCount, toDInto } from './common.ts';
import { addScaledInto, combineThenAddInto, own, scratchLike } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const dpmppSde: GenericSampler = async (denoise, xInit, sigmas, ctx, options) => {
  const eta = optNumber(options, 'eta', 1, 0);
  const sNoise = optNumber(options, 's_noise', 1, 0);
  const r = optNumber(options, 'r', 1 / 2, Number.MIN_VALUE, 1);
  optChoice(options, 'noise', NOISE_KINDS, 'gaussian'); // drawn by the caller's ctx.noise (pipelines/sample.ts)
  const steps = stepCount(sigmas);
  const model = guarded(denoise, ctx);
  const x = own(xInit);
  const x2 = scratchLike(x); // the intermediate x at s, and d on the last step
  const sigmaOf = (t: number): number => Math.exp(-t);
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const denoised = await model(x, sigma);
    ctx.onStep?.({ i, sigma, sigmaHat: sigma, x, denoised });
    if (sigmas[i + 1] === 0) {
      addScaledInto(x, x, toDInto(x2, x, sigma, denoised), -sigma); // Euler to sigma 0
      continue;
    }
    const t = -Math.log(sigma);
    const tNext = -Math.log(sigmas[i + 1]);
    const h = tNext - t;
    const s = t + h * r; // sigmaOf(s) is runtime/brownian-tree.ts halfStepSigma, whose Brownian draw is made ahead
    const fac = 1 / (2 * r);
    // step 1: ancestral step to the intermediate time s
    const a1 = ancestralStep(sigma, sigmaOf(s), eta);
    const s_ = -Math.log(a1.sigmaDown);
    // the update, then its noise (one pass: ops.ts combineThenAddInto)
    combineThenAddInto(x2, [[x, sigmaOf(s_) / sigma], [denoised, -Math.expm1(t - s_)]], a1.sigmaUp > 0 ? [ctx.noise(sigma, sigmaOf(s)), sNoise * a1.sigmaUp] : null);
    const denoised2 = await model(x2, sigmaOf(s));
    // step 2: ancestral step to t_next with x̂₀ extrapolated from t and s
    const a2 = ancestralStep(sigma, sigmas[i + 1], eta);
    const tNext_ = -Math.log(a2.sigmaDown);
    const c = -Math.expm1(t - tNext_);
    const update = [[x, sigmaOf(tNext_) / sigma], [denoised, c * (1 - fac)], [denoised2, c * fac]] as const;
    combineThenAddInto(x, update, a2.sigmaUp > 0 ? [ctx.noise(sigma, sigmas[i + 1]), sNoise * a2.sigmaUp] : null);
  }
  return x;
};
