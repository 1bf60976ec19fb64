/** Brownian-tree noise: the law of its increments, its independence from query order, and the same values on either thread. */
import { describe, expect, it } from 'vitest';
import { imageNoise } from '../../../../src-main/engine/pipelines/sample.ts';
import { BrownianNoise, BrownianTree, halfStepSigma, keyedNormals } from '../../../../src-main/engine/runtime/brownian-tree.ts';
import type { AheadDraw } from '../../../../src-main/engine/runtime/brownian-tree.ts';
import { threadNoise } from '../../../../src-main/engine/runtime/noise-thread.ts';
import { karrasSigmas } from '../../../../src-main/engine/schedules/index.ts';

function moments(a: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i];
    s2 += a[i] * a[i];
  }
  const mean = s / a.length;
  return { mean, variance: s2 / a.length - mean * mean };
}

const N = 40_000; // elements: independent paths, so moments over elements are moments over paths
const [T0, T1] = [0.0292, 14.6146]; // SD 1.x's sigma range

describe('keyedNormals', () => {
  it('gives standard normals that depend on the key alone', () => {
    const a = new Float64Array(N);
    const b = new Float64Array(N);
    keyedNormals(7, a);
    keyedNormals(7, b);
    expect(Array.from(b)).toEqual(Array.from(a));
    keyedNormals(8, b);
    expect(b[0]).not.toBe(a[0]);
    const { mean, variance } = moments(a);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
    const tail = a.filter((v) => Math.abs(v) > 3.44).length / N; // the ziggurat's tail strip: P(|z| > 3.44) = 5.8e-4
    expect(tail).toBeGreaterThan(1e-4);
    expect(tail).toBeLessThan(2e-3);
    let corr = 0;
    for (let i = 1; i < N; i++) corr += a[i] * a[i - 1];
    expect(Math.abs(corr / N)).toBeLessThan(0.02);
  });
});

describe('BrownianTree', () => {
  it('W(t) has variance t − t0, and increments over steps of any size are standard normal and independent', () => {
    const tree = new BrownianTree(3, N, T0, T1);
    for (const t of [T1, 7, 2, 1, 0.1]) expect(Math.abs(moments(tree.at(t)).variance / (t - T0) - 1)).toBeLessThan(0.03);
    const sigmas = karrasSigmas(30, T0, T1);
    const incs: Float32Array[] = [];
    for (let i = 0; i + 2 < sigmas.length; i++) {
      const out = new Float32Array(N);
      tree.increment(sigmas[i], sigmas[i + 1], out);
      const { mean, variance } = moments(out);
      expect(Math.abs(mean)).toBeLessThan(0.03);
      expect(Math.abs(variance - 1)).toBeLessThan(0.04);
      incs.push(out);
    }
    // two points inside one leaf (1/256 of the log range): still an exact increment
    const close = new Float32Array(N);
    tree.increment(1.0005, 1, close);
    expect(Math.abs(moments(close).variance - 1)).toBeLessThan(0.04);
    for (let i = 1; i < incs.length; i++) {
      let c = 0;
      for (let k = 0; k < N; k++) c += incs[i][k] * incs[i - 1][k];
      expect(Math.abs(c / N)).toBeLessThan(0.03);
    }
  });

  it('fixes the path by the seed: W(t) does not depend on which other times were asked first', () => {
    const direct = new BrownianTree(11, 256, T0, T1).at(3.3);
    const other = new BrownianTree(11, 256, T0, T1);
    for (const t of [14, 0.05, 9.1, 0.8, 3.0, 5]) other.at(t);
    expect(Array.from(other.at(3.3))).toEqual(Array.from(direct));
    expect(Array.from(new BrownianTree(12, 256, T0, T1).at(3.3))).not.toEqual(Array.from(direct));
  });

  it('so 20 and 40 steps walk the same path: their noise over a shared stretch sums to the same increment', () => {
    // the 40-step schedule's points between two sigmas of the 20-step one telescope to W(b) − W(a)
    const coarse = karrasSigmas(20, T0, T1);
    const fine = karrasSigmas(40, T0, T1);
    const a = coarse[5];
    const b = coarse[3];
    const inside = [b, ...Array.from(fine).filter((s) => s < b && s > a), a];
    const treeA = new BrownianTree(5, 512, T0, T1);
    const treeB = new BrownianTree(5, 512, T0, T1);
    const whole = new Float32Array(512);
    treeA.increment(b, a, whole);
    const sum = new Float64Array(512);
    const part = new Float32Array(512);
    for (let i = 0; i + 1 < inside.length; i++) {
      treeB.increment(inside[i], inside[i + 1], part);
      const w = Math.sqrt(inside[i] - inside[i + 1]);
      for (let k = 0; k < 512; k++) sum[k] += part[k] * w;
    }
    const scale = Math.sqrt(b - a);
    for (let k = 0; k < 512; k++) expect(sum[k]).toBeCloseTo(whole[k] * scale, 4);
  });

  it('refuses an empty or negative range', () => {
    expect(() => new BrownianTree(1, 4, 1, 1)).toThrow(/t0 < t1/);
    expect(() => new BrownianTree(1, 4, 0, 1)).toThrow(/0 < t0/);
  });
});

describe('Brownian noise for a run', () => {
  const shape = [4, 8, 8] as const;
  // many steps, so that a half step and the step's end often share a leaf: then the order in which the
  // two are built matters, and the noise thread must build them in the JavaScript thread's order
  const sigmas = Array.from(karrasSigmas(120, T0, T1));
  // DPM++ SDE's pattern: a half step, then the step (the first is not foreseen, the second is)
  const intervals: [number, number][] = [];
  for (let i = 80; i + 2 < sigmas.length; i++) intervals.push([sigmas[i], halfStepSigma(sigmas[i], sigmas[i + 1], 0.5)], [sigmas[i], sigmas[i + 1]]);

  it('gives the same values on the noise thread and on this thread, image by image from the seeds', () => {
    const here = imageNoise([4, 9], shape, false, { sigmas, halfStep: 0.5 });
    const thread = threadNoise([4, 9], shape, { sigmas, halfStep: 0.5 });
    expect(thread).toBeTruthy();
    if (!thread) return;
    try {
      expect(Array.from(thread.initial.data)).toEqual(Array.from(here.initial.data));
      for (const [s, t] of intervals) expect(Array.from(thread.noise(s, t).data)).toEqual(Array.from(here.noise(s, t).data));
    } finally {
      thread.close();
    }
    // drawn ahead or when asked, a draw is the same numbers
    const ahead = new BrownianNoise([3], 256, { sigmas, halfStep: 0.5 });
    const asked = new BrownianNoise([3], 256, { sigmas, halfStep: 0.5 });
    ahead.warm();
    for (const [s, t] of intervals.slice(0, 2)) expect(Array.from(ahead.draw(s, t))).toEqual(Array.from(asked.draw(s, t)));
    // handed over one by one as they are made (the noise thread's way): the half step first, then the step, same numbers
    const sending = new BrownianNoise([3], 256, { sigmas, halfStep: 0.5 });
    const again = new BrownianNoise([3], 256, { sigmas, halfStep: 0.5 });
    const sent: AheadDraw[] = [];
    sending.warm((d) => sent.push(d));
    expect(sent.map((d) => [d.sigma, d.sigmaNext])).toEqual([[sigmas[0], halfStepSigma(sigmas[0], sigmas[1], 0.5)], [sigmas[0], sigmas[1]]]);
    for (const d of sent) expect(Array.from(d.data)).toEqual(Array.from(again.draw(d.sigma, d.sigmaNext)));
    // image 2 of the batch is image 1 of a run seeded 9
    const alone = new BrownianNoise([9], 256, { sigmas });
    const pair = new BrownianNoise([4, 9], 256, { sigmas });
    const [s, t] = intervals[0];
    expect(Array.from(pair.draw(s, t).subarray(256))).toEqual(Array.from(alone.draw(s, t)));
  });
});
