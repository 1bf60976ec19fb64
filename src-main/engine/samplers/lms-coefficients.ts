/**
 * Linear multistep coefficients for LMS (k-diffusion `linear_multistep_coeff`): the weight of the
 * j-th most recent derivative is the integral over [σ_i, σ_{i+1}] of the Lagrange basis polynomial
 * that is 1 at σ_{i−j} and 0 at the other `order − 1` past sigmas.
 *
 * Quadrature: k-diffusion calls scipy `integrate.quad` (adaptive Gauss–Kronrod, epsrel 1e-4). The
 * integrand is a polynomial of degree order − 1, so we use Gauss–Legendre with `order` nodes, which
 * is exact for degree ≤ 2·order − 1: the result equals the exact integral up to rounding (~1e-16).
 */
import { EngineError } from '../types.ts';

const cache = new Map<number, { nodes: Float64Array; weights: Float64Array }>();

/** Gauss–Legendre nodes and weights on [−1, 1] (Newton iteration on P_n from Chebyshev guesses). */
export function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  const hit = cache.get(n);
  if (hit) return hit;
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let x = Math.cos((Math.PI * (k + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      // three-term recurrence for P_n(x) and its derivative
      let p0 = 1;
      let p1 = x;
      for (let m = 2; m <= n; m++) [p0, p1] = [p1, ((2 * m - 1) * x * p1 - (m - 1) * p0) / m];
      const pn = n === 1 ? x : p1;
      const pPrev = n === 1 ? 1 : p0;
      dp = (n * (x * pn - pPrev)) / (x * x - 1);
      const dx = pn / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    nodes[k] = x;
    weights[k] = 2 / ((1 - x * x) * dp * dp);
  }
  const rule = { nodes, weights };
  cache.set(n, rule);
  return rule;
}

/** ∫_{σ_i}^{σ_{i+1}} ℓ_j(τ) dτ over the Lagrange basis on nodes σ_i, σ_{i−1}, …, σ_{i−order+1}. */
export function linearMultistepCoeff(order: number, sigmas: Float64Array, i: number, j: number): number {
  if (order - 1 > i) throw new EngineError('INTERNAL', `LMS order ${order} too high for step ${i}`);
  const basis = (tau: number): number => {
    let prod = 1;
    for (let k = 0; k < order; k++) {
      if (k !== j) prod *= (tau - sigmas[i - k]) / (sigmas[i - j] - sigmas[i - k]);
    }
    return prod;
  };
  const a = sigmas[i];
  const b = sigmas[i + 1];
  const half = (b - a) / 2;
  const mid = (a + b) / 2;
  const { nodes, weights } = gaussLegendre(order);
  let sum = 0;
  for (let k = 0; k < order; k++) sum += weights[k] * basis(mid + half * nodes[k]);
  return sum * half;
}
