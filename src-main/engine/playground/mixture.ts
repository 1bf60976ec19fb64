/**
 * Isotropic Gaussian mixtures in two dimensions and their exact noised forms.
 *
 * Every process of the playground is run in k-diffusion's frame (Karras et al. 2022, eq. 1–3):
 * x = x₀ + σ·ε. There a mixture Σ wₖ·N(μₖ, sₖ²·I) noised to level σ is again a mixture,
 * Σ wₖ·N(μₖ, (sₖ² + σ²)·I), so the density, the denoiser D(x, σ) = E[x₀ | x] and the score
 * ∇log p_σ(x) = (D − x)/σ² (Tweedie's formula) are closed forms: no network, no training.
 * Points are interleaved [x₀, y₀, x₁, y₁, …], the data of an NCHW tensor [N, 2, 1, 1].
 */
import { EngineError } from '../types.ts';
import type { Rng } from '../runtime/rng.ts';

export interface Component {
  readonly weight: number;
  readonly mean: readonly [number, number];
  /** standard deviation on both axes */
  readonly std: number;
}

/** Weights normalised to sum 1; means and variances as flat arrays for the inner loops. */
export interface Mixture {
  readonly weights: Float64Array;
  readonly mx: Float64Array;
  readonly my: Float64Array;
  readonly variances: Float64Array;
}

export function mixture(components: readonly Component[]): Mixture {
  if (components.length === 0) throw new EngineError('BAD_INPUT', 'a mixture needs at least one component');
  let total = 0;
  for (const [k, c] of components.entries()) {
    if (!(c.weight > 0) || !(c.std > 0) || !c.mean.every(Number.isFinite)) {
      throw new EngineError('BAD_INPUT', `mixture component ${k} needs weight > 0, std > 0 and a finite mean; got ${JSON.stringify(c)}`);
    }
    total += c.weight;
  }
  return {
    weights: Float64Array.from(components, (c) => c.weight / total),
    mx: Float64Array.from(components, (c) => c.mean[0]),
    my: Float64Array.from(components, (c) => c.mean[1]),
    variances: Float64Array.from(components, (c) => c.std * c.std),
  };
}

/** The mixture's components (weights normalised), for drawing and for the closed forms in tests. */
export function components(m: Mixture): Component[] {
  return Array.from(m.weights, (weight, k) => ({ weight, mean: [m.mx[k], m.my[k]] as const, std: Math.sqrt(m.variances[k]) }));
}

/** Mean and covariance [[xx, xy], [xy, yy]] of the data (σ = 0). */
export function moments(m: Mixture): { mean: [number, number]; cov: [[number, number], [number, number]] } {
  let ex = 0;
  let ey = 0;
  let exx = 0;
  let exy = 0;
  let eyy = 0;
  for (let k = 0; k < m.weights.length; k++) {
    const w = m.weights[k];
    ex += w * m.mx[k];
    ey += w * m.my[k];
    exx += w * (m.mx[k] * m.mx[k] + m.variances[k]);
    exy += w * m.mx[k] * m.my[k];
    eyy += w * (m.my[k] * m.my[k] + m.variances[k]);
  }
  return { mean: [ex, ey], cov: [[exx - ex * ex, exy - ex * ey], [exy - ex * ey, eyy - ey * ey]] };
}

/**
 * Log of each component's weighted density at (x, y) for x = α·x₀ + σ·ε, written into `out`;
 * returns their maximum (for a log-sum-exp that stays finite far from every component).
 */
function logTerms(m: Mixture, x: number, y: number, alpha: number, sigma2: number, out: Float64Array): number {
  let max = -Infinity;
  for (let k = 0; k < m.weights.length; k++) {
    const v = alpha * alpha * m.variances[k] + sigma2;
    const dx = x - alpha * m.mx[k];
    const dy = y - alpha * m.my[k];
    const l = Math.log(m.weights[k]) - Math.log(2 * Math.PI * v) - (dx * dx + dy * dy) / (2 * v);
    out[k] = l;
    if (l > max) max = l;
  }
  return max;
}

/** The density of α·x₀ + σ·ε at (x, y) (α = 1: k-diffusion's p_σ). */
export function density(m: Mixture, x: number, y: number, sigma: number, alpha = 1): number {
  const terms = new Float64Array(m.weights.length);
  const max = logTerms(m, x, y, alpha, sigma * sigma, terms);
  let sum = 0;
  for (const l of terms) sum += Math.exp(l - max);
  return Math.exp(max) * sum;
}

/**
 * Posterior sums at interleaved points x = α·x₀ + σ·ε: for each point, Σ rₖ·f(k) over the
 * components with rₖ the responsibility of component k; `each` gets k, the point, the component's
 * variance at this level and the weight, and accumulates into acc[0], acc[1].
 */
function posteriorSum(m: Mixture, points: ArrayLike<number>, alpha: number, sigma: number, each: (k: number, x: number, y: number, v: number, r: number, acc: Float64Array) => void): Float64Array {
  const sigma2 = sigma * sigma;
  const out = new Float64Array(points.length);
  const terms = new Float64Array(m.weights.length);
  const acc = new Float64Array(2);
  for (let i = 0; i < points.length; i += 2) {
    const x = points[i];
    const y = points[i + 1];
    const max = logTerms(m, x, y, alpha, sigma2, terms);
    let norm = 0;
    acc[0] = 0;
    acc[1] = 0;
    for (let k = 0; k < terms.length; k++) {
      const r = Math.exp(terms[k] - max);
      norm += r;
      each(k, x, y, alpha * alpha * m.variances[k] + sigma2, r, acc);
    }
    out[i] = acc[0] / norm;
    out[i + 1] = acc[1] / norm;
  }
  return out;
}

/**
 * The exact denoiser E[x₀ | x] for x = α·x₀ + σ·ε on interleaved points:
 * Σ rₖ(x)·(μₖ + α·sₖ²/(α²·sₖ² + σ²)·(x − α·μₖ)). With α = 1 this is k-diffusion's D(x, σ).
 */
export function denoise(m: Mixture, points: ArrayLike<number>, sigma: number, alpha = 1): Float64Array {
  return posteriorSum(m, points, alpha, sigma, (k, x, y, v, r, acc) => {
    const gain = (alpha * m.variances[k]) / v;
    acc[0] += r * (m.mx[k] + gain * (x - alpha * m.mx[k]));
    acc[1] += r * (m.my[k] + gain * (y - alpha * m.my[k]));
  });
}

/** ∇log p at interleaved points x = α·x₀ + σ·ε: Σ rₖ(x)·(α·μₖ − x)/(α²·sₖ² + σ²) (Tweedie: (α·D − x)/σ²). */
export function score(m: Mixture, points: ArrayLike<number>, sigma: number, alpha = 1): Float64Array {
  return posteriorSum(m, points, alpha, sigma, (k, x, y, v, r, acc) => {
    acc[0] += (r * (alpha * m.mx[k] - x)) / v;
    acc[1] += (r * (alpha * m.my[k] - y)) / v;
  });
}

/** n points drawn from the mixture (component by weight, then mean + std·z), interleaved. */
export function sampleMixture(m: Mixture, n: number, rng: Rng): Float64Array {
  const cumulative = new Float64Array(m.weights.length);
  let acc = 0;
  for (let k = 0; k < m.weights.length; k++) cumulative[k] = acc += m.weights[k];
  const z = rng.randn(2 * n);
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const u = rng.nextFloat() * acc;
    let k = 0;
    while (k < cumulative.length - 1 && cumulative[k] <= u) k++;
    const s = Math.sqrt(m.variances[k]);
    out[2 * i] = m.mx[k] + s * z[2 * i];
    out[2 * i + 1] = m.my[k] + s * z[2 * i + 1];
  }
  return out;
}
