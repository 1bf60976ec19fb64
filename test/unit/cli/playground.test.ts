/** `reverie playground`: options, JSON output, errors; once as a real child process (runCli). */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '../../../src-main/engine/playground/run.ts';
import { runCli } from '../../helpers/cli.ts';
import { run } from './in-process.ts';

describe('reverie playground', () => {
  it('--json prints {points, nfe, distance}, the engine numbers for the same settings', async () => {
    const r = await run(['playground', '--data', 'gaussian', '--process', 'flow', '--sampler', 'heun', '--steps', '8', '--points', '40', '--seed', '5', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { points: [number, number][]; nfe: number; distance: number };
    expect(Object.keys(doc).sort()).toEqual(['distance', 'nfe', 'points']);
    expect(doc.points).toHaveLength(40);
    expect(doc.nfe).toBe(15);
    expect(doc).toEqual(await generate({ data: 'gaussian', process: 'flow', sampler: 'heun', steps: 8, count: 40, seed: 5 }));
  });

  it('prints a summary without --json, and help with --help', async () => {
    const r = await run(['playground', '--points', '200', '--steps', '10']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^two, vp, euler, 10 steps, seed 0: 200 points, 10 model calls\nmean \(.+\), covariance \[\[.+\]\]\nsliced Wasserstein-2 distance to 200 data points: \d\.\d{4}\n$/);
    const help = await run(['playground', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('--process ID       vp (DDPM), ve (NCSN) or flow');
    expect((await run(['help', 'playground'])).out).toContain('usage: reverie playground');
  });

  it('bad values are exit 2 with one line saying what is allowed', async () => {
    const cases: [string[], string][] = [
      [['--data', 'spiral'], 'error: --data must be one of gaussian, two, rings, moons, smiley, letters, got "spiral"'],
      [['--process', 'edm'], 'error: --process must be vp, ve or flow, got "edm"'],
      [['--steps', '0'], 'error: --steps must be 1 … 2000, got 0'],
      [['--points', '9999999'], 'error: --points must be 1 … 5000, got 9999999'],
      [['--steps', '2.5'], 'error: --steps expects a whole number, got "2.5"'],
    ];
    for (const [args, message] of cases) {
      const r = await run(['playground', ...args]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`${message}\n`);
    }
    const bad = await run(['playground', '--sampler', 'plms']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^error: unknown sampler "plms"; valid ids: euler, .*, ddpm, euler_maruyama\n$/);
  });

  it('runs as the installed command does (child process)', async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'reverie-playground-'));
    try {
      const r = await runCli(['playground', '--data', 'two', '--process', 've', '--sampler', 'euler_maruyama', '--steps', '20', '--points', '30', '--seed', '1', '--json'], { cwd });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as { points: number[][]; nfe: number; distance: number };
      expect(doc.points).toHaveLength(30);
      expect(doc.nfe).toBe(20);
      expect(doc.distance).toBeGreaterThan(0);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 30_000);
});
