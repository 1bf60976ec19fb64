/**
 * The reverse-time SDE by Euler–Maruyama, Song et al. (2021), "Score-Based Generative Modeling
 * through Stochastic Differential Equations", eq. 6 and App. D, for the VE SDE dx = √(dσ²/dt)·dw
 * with σ² as the time variable. With the score (x̂₀ − x)/σ² = −d/σ one step from σ to σ' is
 *   x' = x − (σ² − σ'²)·d/σ + √(σ² − σ'²)·z,
 * and the last step to σ' = 0 returns x̂₀ without noise (Song et al.'s final denoising step).
 * Not in the image registry: the playground uses it as its plain reverse-SDE sampler.
 */
import { guarded, optNumber, stepCount, toDInto } from './common.ts';
import { combineThenAddInto, own, scratchLike } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const eulerMaruyama: GenericSampler = async (denoise, xInit, sigmas, ctx, options) => {
  const sNoise = optNumber(options, 's_noise', 1, 0);
  const steps = stepCount(sigmas);
  const model = guarded(denoise, ctx);
  const x = own(xInit);
  const d = scratchLike(x);
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const sigmaNext = sigmas[i + 1];
    const denoised = await model(x, sigma);
    ctx.onStep?.({ i, sigma, sigmaHat: sigma, x, denoised });
    if (sigmaNext === 0) return denoised;
    const dVar = sigma * sigma - sigmaNext * sigmaNext;
    // x + d·(−Δvar/σ), then the noise (one pass: ops.ts combineThenAddInto)
    combineThenAddInto(x, [[x, 1], [toDInto(d, x, sigma, denoised), -dVar / sigma]], [ctx.noise(sigma, sigmaNext), sNoise * Math.sqrt(dVar)]);
  }
  return x;
};
