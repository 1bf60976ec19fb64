/**
 * `reverie bench` as users run it (a child process of bin.mjs). Speed is measured, never asserted:
 * the test checks the report's shape — every section there, times positive and finite — and usage.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBench } from '../../../src-main/cli/commands/bench.ts';
import { GPU_STEP_MS } from '../../../src-main/cli/commands/bench-cases.ts';
import type { BenchReport } from '../../../src-main/cli/commands/bench.ts';
import type { ModelBenchReport } from '../../../src-main/cli/commands/bench-model.ts';
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

    expect(report.samplers.map((b) => b.dims)).toEqual([[1, 4, 64, 64], [1, 4, 128, 128]]);
    for (const b of report.samplers) {
      expect(b.samplers.map((s) => s.id)).toEqual([...SAMPLERS.map((s) => s.id), 'dpmpp_sde+brownian', 'dpmpp_2m_sde+brownian', 'dpmpp_3m_sde+brownian']);
      positive(b.denoiserCallMs);
      // a call of the blocking GPU-like model takes its 20 ms at least
      expect(b.gpuCallMs).toBeGreaterThanOrEqual(GPU_STEP_MS);
      positive(b.floorPerStepMs);
      positive(b.hopPerCallMs);
      for (const s of b.samplers) {
        positive(s.perStepMs);
        positive(s.modelCalls);
        expect(Number.isFinite(s.overheadPerStepMs)).toBe(true);
        expect(s.criticalPerStepMs).toBeGreaterThanOrEqual(0);
        // the gaps of a 1- or 2-call sampler's run, per step, and its loop less the bare loop's floor for each
        const entry = SAMPLERS.find((e) => `${e.id}${s.id.endsWith('+brownian') ? '+brownian' : ''}` === s.id);
        expect(s.callsPerStep).toBe(entry?.modelCallsPerStep);
        expect(s.aboveFloorPerStepMs).toBeCloseTo(s.criticalPerStepMs - s.callsPerStep * b.floorPerStepMs, 2); // --json rounds to 4 digits
        expect(s.criticalPerRunMs).toBeGreaterThanOrEqual(0);
      }
    }

    const f = report.fixture;
    expect(f).toMatchObject({ model: 'sd15-script', provider: 'cpu' });
    for (const k of ['loadMs', 'encodeMs', 'perStepMs', 'decodeMs', 'totalMs', 'generateMs', 'width', 'height', 'steps', 'runs'] as const) positive(f[k]);

    // --quick never runs the full-size model, present or not
    expect(report.defaultModel).toMatchObject({ model: 'reverie-mini', skipped: 'not run with --quick' });

    // the table (what runs without --json) shows every section
    const table = formatBench(report);
    expect(table).toMatch(/^machine {4}.+ cores, .+onnxruntime-node \d+\.\d+\.\d+\nproviders {2}cpu works/);
    for (const line of ['tokenizer load (', 'randn 4×32×32', 'randn 4×64×64', 'DPM++ 2M ', 'DPM++ SDE (Brownian)', 'ABOVE BARE LOOP', 'LOOP PER RUN', 'sd15-script 512×512  cpu', 'reverie-mini: skipped, not run with --quick']) expect(table).toContain(line);
  });

  it('--model accounts one model: cold and warm load, encode, steps, decode, and wall split into ONNX Runtime and engine overhead', async () => {
    const fixture = path.join(import.meta.dirname, '..', '..', 'fixtures', 'models', 'sd15-script');
    const r = await reverie(['bench', '--model', fixture, '--width', '64', '--height', '96', '--steps', '3', '--sampler', 'Euler', '--runs', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as ModelBenchReport;
    expect(j).toMatchObject({ model: 'sd15-script', provider: 'cpu', width: 64, height: 96, steps: 3, sampler: 'euler', runs: 2 });
    for (const v of [j.load_ms, j.warm_load_ms, j.encode_ms, j.step_ms.mean, j.step_ms.p50, j.step_ms.p95, j.decode_ms, j.wall_ms, j.ort_ms, j.peak_rss_mb, j.load_peak_rss_mb]) positive(v);
    expect(j.step_ms.p50).toBeLessThanOrEqual(j.step_ms.p95);
    // one text encoder call (prompt and negative batched), one UNet call per Euler step (CFG batched), one VAE decode
    expect(j.ort_calls).toBe(1 + 3 + 1);
    expect(j.ort_ms).toBeLessThan(j.wall_ms);
    expect(j.overhead).toBeCloseTo((j.wall_ms - j.ort_ms) / j.wall_ms, 2);
    expect(j.wall_ms).toBeGreaterThanOrEqual(j.encode_ms + 3 * j.step_ms.mean * 0.99 + j.decode_ms);
    expect(r.stderr).toMatch(/bench: sd15-script: cold load\n(.*\n)*bench: sd15-script: run 2 of 2\n/);
    const text = await reverie(['bench', '--model', fixture, '--width', '64', '--height', '64', '--steps', '2', '--runs', '1']);
    expect(text.stdout).toMatch(/^sd15-script 64×64, 2 steps dpmpp_2m, on cpu, 1 run after a warm-up\n/);
    expect(text.stdout).toMatch(/\nwall {8}.* per image, of which ONNX Runtime .* in 4 calls: engine overhead \d+\.\d\d %\n/);
  });

  it('refuses bad usage with exit code 2', async () => {
    const help = await reverie(['bench', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: reverie bench/);
    const bad = await reverie(['bench', '--steps', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: --steps must be between 1 and 1000, got 0\n');
    const stray = await reverie(['bench', '--runs', '3']);
    expect([stray.code, stray.stderr]).toEqual([2, 'error: --runs applies to one model: add --model DIR (e.g. --model models/reverie-mini)\n']);
    const provider = await reverie(['bench', '--model', 'x', '--provider', 'tpu']);
    expect(provider.code).toBe(2);
    expect(provider.stderr).toMatch(/^error: --provider must be auto, cpu, cuda, webgpu, dml or coreml, got "tpu"/);
    const unknown = await reverie(['bench', '--fast']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown option --fast/);
  });
});
