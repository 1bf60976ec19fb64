/**
 * Sample quality: the sliced Wasserstein-2 distance (Rabin et al. 2011; Bonneel et al. 2015)
 * between two point clouds in the plane. Each cloud is projected on `directions` lines through the
 * origin, evenly spaced over the half circle (a fixed quadrature instead of random directions, so
 * the number is reproducible without a seed); in one dimension W₂ is the L² distance between the
 * quantile functions, read here at (i + ½)/M, i < M = the larger cloud size.
 * SW₂² = mean over directions of W₂² of the projections; we report SW₂.
 */
export function slicedWasserstein(a: ArrayLike<number>, b: ArrayLike<number>, directions = 64): number {
  const na = a.length / 2;
  const nb = b.length / 2;
  if (na === 0 || nb === 0) return Number.NaN;
  const pa = new Float64Array(na);
  const pb = new Float64Array(nb);
  const m = Math.max(na, nb);
  let total = 0;
  for (let j = 0; j < directions; j++) {
    const theta = (Math.PI * j) / directions;
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    for (let i = 0; i < na; i++) pa[i] = c * a[2 * i] + s * a[2 * i + 1];
    for (let i = 0; i < nb; i++) pb[i] = c * b[2 * i] + s * b[2 * i + 1];
    pa.sort();
    pb.sort();
    let sum = 0;
    for (let i = 0; i < m; i++) {
      const q = (i + 0.5) / m;
      const diff = pa[Math.floor(q * na)] - pb[Math.floor(q * nb)];
      sum += diff * diff;
    }
    total += sum / m;
  }
  return Math.sqrt(total / directions);
}

/** Mean and covariance [xx, xy, yy] of interleaved points. */
export function pointMoments(points: ArrayLike<number>): { mean: [number, number]; cov: [number, number, number] } {
  const n = points.length / 2;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += points[2 * i];
    my += points[2 * i + 1];
  }
  mx /= n;
  my /= n;
  let xx = 0;
  let xy = 0;
  let yy = 0;
  for (let i = 0; i < n; i++) {
    const dx = points[2 * i] - mx;
    const dy = points[2 * i + 1] - my;
    xx += dx * dx;
    xy += dx * dy;
    yy += dy * dy;
  }
  return { mean: [mx, my], cov: [xx / n, xy / n, yy / n] };
}
