/** DPM-Solver++(2M) SDE, the 2nd-order multistep SDE solver of Lu et al. (2022), "DPM-Solver++" (k-diffusion `sample_dpmpp_2m_sde`). */
import { NOISE_KINDS, guarded, optChoice, optNumber, stepCount } from './common.ts';
import { combineThenAddInto, own } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const dpmpp2mSde: GenericSampler = async (denoise, xInit, sigmas, ctx, options) => {
  const eta = optNumber(options, 'eta', 1, 0);
  const sNoise = optNumber(options, 's_noise', 1, 0);
  const solverType = optChoice(options, 'solver_type', ['midpoint', 'heun'] as const, 'midpoint');
  optChoice(options, 'noise', NOISE_KINDS, 'gaussian'); // drawn by the caller's ctx.noise (pipelines/sample.ts)
  const steps = stepCount(sigmas);
  const model = guarded(denoise, ctx);
  const x = own(xInit);
  let oldDenoised: typeof x | undefined;
  let hLast = 0;
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const sigmaNext = sigmas[i + 1];
    const denoised = await model(x, sigma);
    ctx.onStep?.({ i, sigma, sigmaHat: sigma, x, denoised });
    if (sigmaNext === 0) return denoised; // final denoising step
    const h = Math.log(sigma) - Math.log(sigmaNext);
    const etaH = eta * h;
    const c = -Math.expm1(-h - etaH);
    const terms: [typeof x, number][] = [[x, (sigmaNext / sigma) * Math.exp(-etaH)], [denoised, c]];
    if (oldDenoised !== undefined) {
      const r = hLast / h;
      const k = solverType === 'heun' ? (c / (-h - etaH) + 1) / r : (0.5 * c) / r;
      terms.push([denoised, k], [oldDenoised, -k]);
    }
    // the update, then its noise (one pass: ops.ts combineThenAddInto)
    combineThenAddInto(x, terms, eta > 0 ? [ctx.noise(sigma, sigmaNext), sigmaNext * Math.sqrt(-Math.expm1(-2 * etaH)) * sNoise] : null);
    hLast = h;
    oldDenoised = denoised;
  }
  return x;
};
