/**
 * `reverie bench --model DIR ...`: one model at one size, accounted stage by stage. A cold load (the
 * first in this process, through an empty optimized-model cache: ORT optimizes every graph and writes
 * it, in a child process, runtime/ort-build.ts) and a warm load (from that cache, runtime/ort-cache.ts), a warm-up run, then `runs` measured runs of txt2img
 * through the engine. Per run: text encode, every UNet step, VAE decode, wall; summed over the runs:
 * the time inside ONNX Runtime's `run` (runtime/ort-clock.ts), so overhead = (wall − ORT) / wall is
 * what the engine's own code costs (feeds, tensor copies, samplers, CFG, previews, PNG). Peak RSS is
 * this process's (the CLI runs the engine in-process), in two parts on Linux: through the loads (the
 * optimizer's own memory is its child's, not counted), and from the warm-up run on with the model loaded from
 * the cache, what an engine process holding the model peaks at (the kernel's peak is reset between them,
 * /proc/self/clear_refs). Elsewhere both are the process's peak so far.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PipelineCache } from '../../engine/pipelines/cache.ts';
import { txt2img } from '../../engine/pipelines/txt2img.ts';
import type { Txt2ImgResult } from '../../engine/pipelines/txt2img.ts';
import { ortClock } from '../../engine/runtime/ort-clock.ts';
import type { ProviderPreference } from '../../engine/runtime/ort.ts';
import { median } from './bench-cases.ts';

export interface ModelBenchOptions {
  model: string;
  provider: ProviderPreference;
  width?: number;
  height?: number;
  steps: number;
  sampler?: string;
  runs: number;
  signal?: AbortSignal;
  log: (line: string) => void;
}

export interface ModelBenchReport {
  model: string;
  provider: string;
  providerNote?: string;
  width: number;
  height: number;
  steps: number;
  sampler: string;
  runs: number;
  /** the first load: every graph optimized by ONNX Runtime and written to the optimized-model cache */
  load_ms: number;
  /** the same model loaded again (its optimized graphs from the cache the cold load wrote) */
  warm_load_ms: number;
  /** means over the runs */
  encode_ms: number;
  step_ms: { mean: number; p50: number; p95: number };
  decode_ms: number;
  /** one run without the model load: encode + steps + decode + PNG */
  wall_ms: number;
  /** of wall_ms, the time inside ONNX Runtime's run calls */
  ort_ms: number;
  /** ORT calls per run */
  ort_calls: number;
  /** (wall − ORT) / wall */
  overhead: number;
  /** MiB, from the warm-up run to the end: generating with the model loaded (from the cache) */
  peak_rss_mb: number;
  /** MiB, through the cold and warm loads */
  load_peak_rss_mb: number;
}

/** This process's peak resident memory in MiB (Linux: VmHWM, which resetPeakRss can reset). */
function peakRssMb(): number {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib !== undefined) return Number(kib) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** Resets the peak to the current RSS (Linux 4.0+, /proc/self/clear_refs "5"); false where it cannot. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** The value below which p% of the sorted values lie (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

async function timedLoad(opts: ModelBenchOptions, ortCacheDir: string): Promise<{ ms: number; provider: string; note?: string }> {
  const cache = new PipelineCache({ ortCacheDir });
  try {
    const started = performance.now();
    const model = await cache.model(opts.model, opts.provider, opts.signal);
    const ms = performance.now() - started;
    return { ms, provider: model.provider, ...(model.providerNote ? { note: model.providerNote } : {}) };
  } finally {
    await cache.dispose();
  }
}

export async function benchModel(opts: ModelBenchOptions): Promise<ModelBenchReport> {
  const name = path.basename(opts.model);
  // a fresh optimized-model cache, so cold is a real first load and warm the cached one
  const ortCacheDir = await mkdtemp(path.join(os.tmpdir(), 'reverie-bench-ort-'));
  opts.log(`${name}: cold load`);
  const cold = await timedLoad(opts, ortCacheDir);
  opts.log(`${name}: warm load`);
  const warm = await timedLoad(opts, ortCacheDir);

  const loadPeak = peakRssMb();
  resetPeakRss();
  const cache = new PipelineCache({ ortCacheDir });
  try {
    const run = (i: number): Promise<Txt2ImgResult> =>
      txt2img(
        {
          modelDir: opts.model,
          // a new prompt each run, so the text encoder runs every time (the cache keeps embeddings)
          prompt: `a red apple on a blue background, run ${i}`,
          provider: opts.provider,
          steps: opts.steps,
          seed: 1 + i,
          ...(opts.width ? { width: opts.width } : {}),
          ...(opts.height ? { height: opts.height } : {}),
          ...(opts.sampler ? { sampler: opts.sampler } : {}),
        },
        { cache, signal: opts.signal },
      );
    opts.log(`${name}: warm-up run`);
    const first = await run(0);
    const results: Txt2ImgResult[] = [];
    const ort = { ms: 0, calls: 0 };
    for (let i = 1; i <= opts.runs; i++) {
      opts.log(`${name}: run ${i} of ${opts.runs}`);
      const before = ortClock();
      results.push(await run(i));
      const after = ortClock();
      ort.ms += after.ms - before.ms;
      ort.calls += after.calls - before.calls;
    }
    const steps = results.flatMap((r) => r.timings.steps);
    // load is ~0 here (the model is cached), but subtract it so wall is generation only
    const wall = mean(results.map((r) => r.timings.total - r.timings.load));
    const ortPerRun = ort.ms / results.length;
    const p = first.params;
    return {
      model: name,
      provider: first.provider,
      ...(cold.note ? { providerNote: cold.note } : {}),
      width: p.width,
      height: p.height,
      steps: p.steps,
      sampler: p.sampler,
      runs: results.length,
      load_ms: cold.ms,
      warm_load_ms: warm.ms,
      encode_ms: mean(results.map((r) => r.timings.encode)),
      step_ms: { mean: mean(steps), p50: median(steps), p95: percentile(steps, 95) },
      decode_ms: mean(results.map((r) => r.timings.decode)),
      wall_ms: wall,
      ort_ms: ortPerRun,
      ort_calls: ort.calls / results.length,
      overhead: Math.max(0, (wall - ortPerRun) / wall),
      peak_rss_mb: peakRssMb(),
      load_peak_rss_mb: loadPeak,
    };
  } finally {
    await cache.dispose();
    await rm(ortCacheDir, { recursive: true, force: true });
  }
}

/** The report as a few readable lines. */
export function formatModelBench(r: ModelBenchReport): string {
  const ms = (v: number): string => (v >= 1000 ? `${Math.round(v)} ms` : `${Number(v.toPrecision(3))} ms`);
  return [
    `${r.model} ${r.width}×${r.height}, ${r.steps} steps ${r.sampler}, on ${r.provider}${r.providerNote ? ` (${r.providerNote})` : ''}, ${r.runs} run${r.runs === 1 ? '' : 's'} after a warm-up`,
    `load        cold ${ms(r.load_ms)}, warm ${ms(r.warm_load_ms)}`,
    `encode      ${ms(r.encode_ms)}`,
    `UNet step   mean ${ms(r.step_ms.mean)}, p50 ${ms(r.step_ms.p50)}, p95 ${ms(r.step_ms.p95)}`,
    `decode      ${ms(r.decode_ms)}`,
    `wall        ${ms(r.wall_ms)} per image, of which ONNX Runtime ${ms(r.ort_ms)} in ${r.ort_calls} calls: engine overhead ${(r.overhead * 100).toFixed(2)} %`,
    `peak RSS    ${Math.round(r.peak_rss_mb)} MiB generating with the model loaded, ${Math.round(r.load_peak_rss_mb)} MiB through the loads`,
    '',
  ].join('\n');
}
