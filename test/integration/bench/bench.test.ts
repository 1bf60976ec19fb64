/**
 * `reverie bench` as users run it (a child process of bin.mjs). Speed is measured, never asserted:
 * the test checks the report's shape — every section there, times positive and finite — and usage.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBench } from '../../../src-main/cli/commands/bench.ts';
import type { BenchReport } from '../../../src-main/cli/commands/bench.ts';
import { SAMPLERS } from '../../../src-main/engine/samplers/registry.ts';
import { runCli } from '../../helpers/cli.ts';
import type { CliRun } from '../../helpers/cli.ts';

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-bench-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

const reverie = (args: string[]): Promise<CliRun> => runCli(args, { cwd: tmp });

const positive = (v: number): void => {
  expect(Number.isFinite(v)).toBe(true);
  expect(v).toBeGreaterThan(0);
};

describe('reverie bench', () => {
  it('--quick --json reports machine, tokenizer, rng, samplers, fixture and default-model sections with positive times', async () => {
    const r = await reverie(['bench', '--quick', '--json']);
    expect(r.stderr).not.toMatch(/error|Couldn't load Vulkan/);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as BenchReport;
    expect(Object.keys(report).sort()).toEqual(['benchMs', 'defaultModel', 'fixture', 'machine', 'quick', 'rng', 'samplers', 'tokenizer']);
    expect(report.quick).toBe(true);
    positive(report.benchMs);

    const m = report.machine;
    expect(m.cpu.length).toBeGreaterThan(0);
    expect(m.ort).toMatch(/^\d+\.\d+\.\d+$/);
    expect(m.node).toBe(process.version);
    positive(m.cores);
    positive(m.memoryGiB);
    expect(m.providers.find((p) => p.id === 'cpu')).toMatchObject({ bundled: true, works: true });

    expect(report.tokenizer.prompts).toBeGreaterThan(0);
    for (const k of ['loadMs', 'perPromptMs', 'perPromptWarmMs', 'vocabSize'] as const) positive(report.tokenizer[k]);

    expect(report.rng.map((x) => x.dims)).toEqual([[4, 32, 32], [4, 64, 64]]);
    for (const x of report.rng) positive(x.ms);

    expect(report.samplers.samplers.map((s) => s.id)).toEqual(SAMPLERS.map((s) => s.id));
    positive(report.samplers.denoiserCallMs);
    for (const s of report.samplers.samplers) {
      positive(s.perStepMs);
      positive(s.modelCalls);
      expect(Number.isFinite(s.overheadPerStepMs)).toBe(true);
    }

    const f = report.fixture;
    expect(f).toMatchObject({ model: 'sd15-script', provider: 'cpu' });
    for (const k of ['loadMs', 'encodeMs', 'perStepMs', 'decodeMs', 'totalMs', 'generateMs', 'width', 'height', 'steps', 'runs'] as const) positive(f[k]);

    // --quick never runs the full-size model, present or not
    expect(report.defaultModel).toMatchObject({ model: 'reverie-mini', skipped: 'not run with --quick' });

    // the table (what runs without --json) shows every section
    const table = formatBench(report);
    expect(table).toMatch(/^machine {4}.+ cores, .+onnxruntime-node \d+\.\d+\.\d+\nproviders {2}cpu works/);
    for (const line of ['tokenizer load (', 'randn 4×32×32', 'randn 4×64×64', 'DPM++ 2M ', 'sd15-script 512×512  cpu', 'reverie-mini: skipped, not run with --quick']) expect(table).toContain(line);
  });

  it('refuses bad usage with exit code 2', async () => {
    const help = await reverie(['bench', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: reverie bench/);
    const bad = await reverie(['bench', '--steps', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: --steps must be between 1 and 1000, got 0\n');
    const unknown = await reverie(['bench', '--fast']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown option --fast/);
  });
});
