/** DPM-Solver++(3M) SDE, the 3rd-order multistep SDE solver after Lu et al. (2022), "DPM-Solver++" (k-diffusion `sample_dpmpp_3m_sde`). */
import { NOISE_KINDS, guarded, optChoice, optNumber, stepCount } from './common.ts';
import { combineThenAddInto, own } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const dpmpp3mSde: GenericSampler = async (denoise, xInit, sigmas, ctx, options) => {
  const eta = optNumber(options, 'eta', 1, 0);
  const sNoise = optNumber(options, 's_noise', 1, 0);
  optChoice(options, 'noise', NOISE_KINDS, 'gaussian'); // drawn by the caller's ctx.noise (pipelines/sample.ts)
  const steps = stepCount(sigmas);
  const model = guarded(denoise, ctx);
  const x = own(xInit);
  let denoised1: typeof x | undefined; // x̂₀ one and two steps back
  let denoised2: typeof x | undefined;
  let h1: number | undefined; // step sizes in t = −log σ one and two steps back
  let h2: number | undefined;
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const sigmaNext = sigmas[i + 1];
    const denoised = await model(x, sigma);
    ctx.onStep?.({ i, sigma, sigmaHat: sigma, x, denoised });
    if (sigmaNext === 0) return denoised; // final denoising step
    const h = Math.log(sigma) - Math.log(sigmaNext);
    const hEta = h * (eta + 1);
    const terms: [typeof x, number][] = [[x, Math.exp(-hEta)], [denoised, -Math.expm1(-hEta)]];
    const phi2 = Math.expm1(-hEta) / hEta + 1;
    if (h2 !== undefined && h1 !== undefined && denoised1 && denoised2) {
      const r0 = h1 / h;
      const r1 = h2 / h;
      // d1_0 = (x̂₀ − x̂₀₁)/r0, d1_1 = (x̂₀₁ − x̂₀₂)/r1; d1 = d1_0 + (d1_0 − d1_1)·r0/(r0+r1); d2 = (d1_0 − d1_1)/(r0+r1)
      const phi3 = phi2 / hEta - 0.5;
      const a = phi2 * (1 + r0 / (r0 + r1)) - phi3 / (r0 + r1); // weight of d1_0
      const b = -phi2 * (r0 / (r0 + r1)) + phi3 / (r0 + r1); // weight of d1_1
      terms.push([denoised, a / r0], [denoised1, -a / r0 + b / r1], [denoised2, -b / r1]);
    } else if (h1 !== undefined && denoised1) {
      const r = h1 / h;
      terms.push([denoised, phi2 / r], [denoised1, -phi2 / r]);
    }
    // the update, then its noise (one pass: ops.ts combineThenAddInto)
    combineThenAddInto(x, terms, eta > 0 ? [ctx.noise(sigma, sigmaNext), sigmaNext * Math.sqrt(-Math.expm1(-2 * h * eta)) * sNoise] : null);
    [denoised1, denoised2] = [denoised, denoised1];
    [h1, h2] = [h, h1];
  }
  return x;
};
