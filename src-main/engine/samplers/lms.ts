/** Linear multistep (Adams–Bashforth style) on the Karras et al. (2022) ODE with variable step sizes (k-diffusion `sample_lms`). */
import { EngineError } from '../types.ts';
import { guarded, optNumber, stepCount, toDInto } from './common.ts';
import { linearMultistepCoeff } from './lms-coefficients.ts';
import { combineInto, own, scratchLike } from './ops.ts';
import type { GenericSampler } from './types.ts';

export const lms: GenericSampler = async (denoise, xInit, sigmas, ctx, options) => {
  const order = optNumber(options, 'order', 4, 1, 8);
  if (!Number.isInteger(order)) throw new EngineError('BAD_INPUT', `sampler option order must be an integer from 1 to 8, got ${order}`);
  const steps = stepCount(sigmas);
  const model = guarded(denoise, ctx);
  const x = own(xInit);
  const ds: (typeof x)[] = []; // the last `order` derivatives, oldest first (the oldest's buffer is reused)
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i];
    const denoised = await model(x, sigma);
    ds.push(toDInto((ds.length === order ? ds.shift() : undefined) ?? scratchLike(x), x, sigma, denoised));
    ctx.onStep?.({ i, sigma, sigmaHat: sigma, x, denoised });
    const curOrder = Math.min(i + 1, order);
    const terms: [typeof x, number][] = [[x, 1]];
    for (let j = 0; j < curOrder; j++) terms.push([ds[ds.length - 1 - j], linearMultistepCoeff(curOrder, sigmas, i, j)]);
    combineInto(x, ...terms);
  }
  return x;
};
