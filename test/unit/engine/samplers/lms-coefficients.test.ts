import { describe, expect, it } from 'vitest';
import { gaussLegendre, linearMultistepCoeff } from '../../../../src-main/engine/samplers/lms-coefficients.ts';

describe('Gauss–Legendre quadrature', () => {
  it('integrates polynomials up to degree 2n − 1 exactly on [−1, 1]', () => {
    for (let n = 1; n <= 8; n++) {
      const { nodes, weights } = gaussLegendre(n);
      for (let deg = 0; deg <= 2 * n - 1; deg++) {
        const exact = deg % 2 === 1 ? 0 : 2 / (deg + 1);
        let sum = 0;
        for (let k = 0; k < n; k++) sum += weights[k] * nodes[k] ** deg;
        expect(sum).toBeCloseTo(exact, 13);
      }
    }
  });

  it('is not exact beyond degree 2n − 1 (so the test above can fail)', () => {
    const { nodes, weights } = gaussLegendre(2);
    const sum = weights.reduce((s, w, k) => s + w * nodes[k] ** 4, 0);
    expect(Math.abs(sum - 2 / 5)).toBeGreaterThan(0.1);
  });
});

describe('linearMultistepCoeff', () => {
  const sigmas = Float64Array.from([14.6, 9.1, 5.5, 3.2, 1.7, 0.9, 0]);

  it('order 1 is the step length (Euler)', () => {
    expect(linearMultistepCoeff(1, sigmas, 3, 0)).toBeCloseTo(sigmas[4] - sigmas[3], 14);
  });

  it('order 2 matches the closed-form variable-step Adams–Bashforth weights', () => {
    const i = 4;
    const h = sigmas[i + 1] - sigmas[i];
    const hPrev = sigmas[i] - sigmas[i - 1];
    expect(linearMultistepCoeff(2, sigmas, i, 0)).toBeCloseTo(h + (h * h) / (2 * hPrev), 13);
    expect(linearMultistepCoeff(2, sigmas, i, 1)).toBeCloseTo(-(h * h) / (2 * hPrev), 13);
  });

  it('weights of any order sum to the step length (the basis sums to 1)', () => {
    for (let order = 1; order <= 4; order++) {
      const i = 5;
      let sum = 0;
      for (let j = 0; j < order; j++) sum += linearMultistepCoeff(order, sigmas, i, j);
      expect(sum).toBeCloseTo(sigmas[i + 1] - sigmas[i], 13);
    }
  });

  it('refuses an order higher than the history allows', () => {
    expect(() => linearMultistepCoeff(3, sigmas, 1, 0)).toThrow(/order 3 too high for step 1/);
  });
});
