/**
 * DDIM, Song et al. (2021), "Denoising Diffusion Implicit Models", eq. 12, written in sigma space
 * (x = x_vp/√ᾱ, σ² = (1−ᾱ)/ᾱ). With ε̂ = (x − x̂₀)/σ the update is
 *   x' = x̂₀ + σ_down·ε̂ + σ_up·z,   σ_up = η·σ'·√(1 − σ'²/σ²),   σ_down = √(σ'² − σ_up²),
 * i.e. DDIM's σ_t(η)/√ᾱ_prev is exactly k-diffusion's ancestral σ_up. η = 0 is deterministic DDIM,
 * which is one Euler step of the probability-flow ODE (the test proves both against the ᾱ form).
 */
import { ancestralStep, guarded, optNumber, stepCount } from './common.ts';
import { combineThenAddInto, own } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const ddim: GenericSampler = async (denoise, xInit, sigmas, ctx, options) => {
  const eta = optNumber(options, 'eta', 0, 0, 1);
  const steps = stepCount(sigmas);
  const model = guarded(denoise, ctx);
  const x = own(xInit);
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const sigmaNext = sigmas[i + 1];
    const denoised = await model(x, sigma);
    ctx.onStep?.({ i, sigma, sigmaHat: sigma, x, denoised });
    const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmaNext, eta);
    // x̂₀ + σ_down·(x − x̂₀)/σ, then the noise (one pass: ops.ts combineThenAddInto)
    combineThenAddInto(x, [[x, sigmaDown / sigma], [denoised, 1 - sigmaDown / sigma]], sigmaNext > 0 && sigmaUp > 0 ? [ctx.noise(sigma, sigmaNext), sigmaUp] : null);
  }
  return x;
};
