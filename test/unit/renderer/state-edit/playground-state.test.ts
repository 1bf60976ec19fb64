/** The Playground's state against the real backend: first load, debounced changes, user points, scrubbing, the quality sweep. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaygroundState, SETTLE_MS, nearestFrame } from '../../../../src-renderer/src/lib/state/playground.svelte.ts';
import type { PlaygroundTimers } from '../../../../src-renderer/src/lib/state/playground.svelte.ts';
import { rendererBackend, until } from '../backend.ts';
import type { RendererBackend } from '../backend.ts';

let r: RendererBackend;
beforeAll(async () => {
  r = await rendererBackend();
});
afterAll(async () => {
  await r.close();
});

function manualTimers(): PlaygroundTimers & { fire(): void; pending(): number[] } {
  let timers: { fn: () => void; ms: number }[] = [];
  return {
    setTimeout: (fn, ms) => timers.push({ fn, ms }) - 1,
    clearTimeout: (h) => void (timers = timers.filter((_, i) => i !== h)),
    fire: () => {
      const now = timers;
      timers = [];
      now.forEach((t) => t.fn());
    },
    pending: () => timers.map((t) => t.ms),
  };
}

describe('PlaygroundState', () => {
  it('loads once, reloads a moment after changes, keeps scrubbing local', async () => {
    const timers = manualTimers();
    const pg = new PlaygroundState(r.api, timers);
    await pg.ensure();
    expect(pg.result?.runs[0].sampler).toBe('euler');
    expect(pg.result?.runs[1].sampler).toBe('euler_maruyama');
    expect(pg.samplers.map((s) => s.id)).toContain('ddpm');
    expect(pg.frame?.t).toBe(0);
    pg.time = 0.52;
    expect(pg.frame?.t).toBeCloseTo(0.5, 10);
    expect(timers.pending()).toEqual([]); // scrubbing asks nothing of the engine

    pg.sampler = 'heun';
    pg.steps = 7;
    pg.process = 'flow';
    expect(timers.pending()).toEqual([SETTLE_MS]); // one request after the last change
    timers.fire();
    await until('the new answer', () => pg.result?.runs[0].sampler === 'heun' && !pg.loading);
    expect(pg.result?.process).toBe('flow');
    expect(pg.result?.runs[0].t).toHaveLength(8);
    expect(pg.steps).toBe(7);
    pg.steps = 10_000;
    expect(pg.steps).toBe(200);
  });

  it('user points: click, drag at a spacing, remove; the data follows', async () => {
    const timers = manualTimers();
    const pg = new PlaygroundState(r.api, timers);
    pg.clearPoints();
    pg.addPoint(1, 1);
    pg.dragTo(1.1, 1); // too close to the last: ignored
    pg.dragTo(1.5, 1);
    pg.addPoint(99, -99); // clamped to the allowed square
    expect(pg.data).toBe('points');
    expect(pg.userPoints).toEqual([[0, 0], [1, 1], [1.5, 1], [6, -6]]);
    pg.removeLastPoint();
    timers.fire();
    await until('the points answer', () => pg.result !== null && !pg.loading);
    expect(pg.result?.components.map((c) => c.mean)).toEqual([[0, 0], [1, 1], [1.5, 1]]);
  });

  it('measures quality on request, and forgets it when the data changes', async () => {
    const timers = manualTimers();
    const pg = new PlaygroundState(r.api, timers);
    pg.data = 'gaussian';
    await pg.measure();
    expect(pg.quality?.curves.length).toBe(8);
    pg.sampler = 'heun'; // the sweep does not depend on the sampler
    expect(pg.quality).not.toBeNull();
    pg.data = 'two';
    expect(pg.quality).toBeNull();
  });

  it('nearestFrame picks the closest time in either order', () => {
    expect(nearestFrame([1, 0.5, 0], 0.3)).toBe(1);
    expect(nearestFrame([0, 0.25, 0.5], 0.49)).toBe(2);
  });
});
