/** `reverie bench` (npm run bench): measured speed of the engine's parts on this machine, as a table or JSON. */
import path from 'node:path';
import { isProviderId } from '../../engine/runtime/ort.ts';
import type { ProviderPreference } from '../../engine/runtime/ort.ts';
import { BUNDLED_MODELS, resolveModelDir } from '../model-roots.ts';
import { UsageError, intOption, noPositionals, parse } from '../usage.ts';
import type { Io } from '../usage.ts';
import { benchModel, formatModelBench } from './bench-model.ts';
import { GPU_STEP_MS, benchDefaultModel, benchFixture, benchRng, benchSamplers, benchTokenizer, machineInfo } from './bench-cases.ts';
import type { BenchPlan, DefaultModelBench, MachineInfo, PipelineBench, RngBench, SamplersBench, TokenizerBench } from './bench-cases.ts';

export const BENCH_HELP = `usage: reverie bench [--quick] [--json] [--steps N]
       reverie bench --model DIR [--provider ID] [--width N] [--height N] [--steps N] [--sampler ID] [--runs N] [--json]

Without --model: measures, on this machine, the CLIP tokenizer (load, per prompt), seeded randn for
4×32×32 and 4×64×64 latents, every sampler's own cost per step on an analytic denoiser (pure
JavaScript) on 4×64×64 and 4×128×128 latents, alone and beside a model that blocks the thread 20 ms
per call as a GPU UNet step does, txt2img on the tiny test fixture (load, encode, per step, decode), and the default model
(models/reverie-mini) at its default size on the CPU and on each GPU provider that works here. Times
are milliseconds, medians over repeats; progress goes to stderr.

With --model: one model accounted stage by stage: cold and warm load, then after a warm-up run, per
run the text encoder, each UNet step (mean, p50, p95), the VAE decode and the wall time; the time
inside ONNX Runtime's run calls and the engine's own overhead = (wall − ORT) / wall; peak RSS generating (model loaded) and through the loads.
--json prints {model, provider, width, height, steps, runs, load_ms, warm_load_ms, encode_ms,
step_ms: {mean, p50, p95}, decode_ms, wall_ms, ort_ms, overhead, peak_rss_mb, load_peak_rss_mb, ...}.

  --quick        fewer repeats and steps, no default-model run (a few seconds)
  --json         print the report as JSON on stdout
  --steps N      steps of each txt2img run (default 20)
  --model DIR    bench this model folder alone, with the options below
  --provider ID  auto, cpu, cuda, webgpu, dml, coreml (default cpu)
  --width N, --height N   pixels (default: the model's size)
  --sampler ID   sampler id or A1111 label (default: the engine's, DPM++ 2M)
  --runs N       measured runs after the warm-up (default 3)
  -h, --help     this help`;

export interface BenchReport {
  quick: boolean;
  machine: MachineInfo;
  tokenizer: TokenizerBench;
  rng: RngBench[];
  /** on SD's latents for 512² and 1024² */
  samplers: SamplersBench[];
  fixture: PipelineBench;
  defaultModel: DefaultModelBench;
  /** the whole bench */
  benchMs: number;
}

export async function runBench(plan: BenchPlan, model: string, steps: number): Promise<BenchReport> {
  const started = performance.now();
  plan.log('machine: probing execution providers');
  const machine = await machineInfo();
  const tokenizer = await benchTokenizer(plan);
  const rng = await benchRng(plan);
  const samplers = [await benchSamplers(plan, 64), await benchSamplers(plan, 128)];
  const fixture = await benchFixture(plan);
  const defaultModel = await benchDefaultModel(model, steps, plan);
  return { quick: plan.quick, machine, tokenizer, rng, samplers, fixture, defaultModel, benchMs: performance.now() - started };
}

/** 3 significant digits below a second: small times stay visible, big ones lose noise. */
function ms(v: number): string {
  return v >= 1000 ? `${Math.round(v)} ms` : `${Number(v.toPrecision(3))} ms`;
}

/** ms() with its sign: a difference of two medians, which noise can take below zero */
function signedMs(v: number): string {
  return v < 0 ? `−${ms(-v)}` : `+${ms(v)}`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')).join('\n');
}

function pipelineRow(p: PipelineBench): string[] {
  const provider = p.providerNote === undefined ? p.provider : `${p.provider} (${p.providerNote})`;
  return [`${p.model} ${p.width}×${p.height}`, provider, String(p.steps), ms(p.loadMs), ms(p.encodeMs), ms(p.perStepMs), ms(p.decodeMs), ms(p.generateMs), ms(p.totalMs)];
}

export function formatBench(r: BenchReport): string {
  const m = r.machine;
  const providers = m.providers.filter((p) => p.bundled).map((p) => (p.works ? `${p.id} works` : `${p.id} does not (${p.reason})`));
  const out: string[] = [
    `machine    ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}, node ${m.node}, onnxruntime-node ${m.ort}`,
    `providers  ${providers.join('; ')}`,
    '',
    table([
      ['WHAT', 'TIME'],
      [`tokenizer load (${r.tokenizer.vocabSize} tokens, ${r.tokenizer.source})`, ms(r.tokenizer.loadMs)],
      [`tokenizer per prompt, ${r.tokenizer.prompts} prompts (first pass / cached words)`, `${ms(r.tokenizer.perPromptMs)} / ${ms(r.tokenizer.perPromptWarmMs)}`],
      ...r.rng.map((x) => [`randn ${x.dims.join('×')} (torch-compatible CPU generator)`, ms(x.ms)]),
      ...r.samplers.map((b) => [`analytic denoiser call on ${b.dims.join('×')}`, ms(b.denoiserCallMs)]),
      ...r.samplers.map((b) => [`loop floor per ${GPU_STEP_MS} ms step on ${b.dims.join('×')} (bare loop: c_in·x pair, CFG combine, Euler update; SIMD)`, ms(b.floorPerStepMs)]),
      ...r.samplers.map((b) => [`onnxruntime-node's setImmediate into run, per call, on ${b.dims.join('×')} (ONNX Runtime's time, not the loop's)`, ms(b.hopPerCallMs)]),
    ]),
    ...r.samplers.flatMap((b) => [
      '',
      `samplers on ${b.dims.join('×')}, ${b.steps} Karras steps, analytic denoiser (pure JavaScript):`,
      table([
        ['SAMPLER', 'CALLS', 'PER STEP', 'OWN COST PER STEP', `LOOP PER ${GPU_STEP_MS} MS GPU STEP`, 'ABOVE BARE LOOP', 'LOOP PER RUN'],
        ...b.samplers.map((s) => [s.label, String(s.modelCalls), ms(s.perStepMs), ms(s.overheadPerStepMs), ms(s.criticalPerStepMs), signedMs(s.aboveFloorPerStepMs), ms(s.criticalPerRunMs)]),
      ]),
    ]),
    `(LOOP: what sampleLatents adds to the wall time, sampler, noise, batched CFG at scale 7 and the studio's previews, while each model call blocks the JavaScript thread for ${GPU_STEP_MS} ms as onnxruntime-node's run does during a GPU UNet step; stochastic samplers draw their noise on the noise thread meanwhile; per step: the time from a model call's output to the next call over a 14-step run, median of 5; the setImmediate that onnxruntime-node's run starts with is inside the call, as in ort_ms; ABOVE BARE LOOP: LOOP less the loop floor once per model call of the step, twice for a two-call sampler)`,
    '',
    `txt2img: LOAD is a fresh model load, GENERATE = TOTAL − LOAD; the fixture is the median of ${r.fixture.runs} run${r.fixture.runs === 1 ? '' : 's'}:`,
  ];
  const rows: string[][] = [['MODEL', 'PROVIDER', 'STEPS', 'LOAD', 'ENCODE', 'PER STEP', 'DECODE', 'GENERATE', 'TOTAL'], pipelineRow(r.fixture)];
  const d = r.defaultModel;
  if ('runs' in d) rows.push(...d.runs.map(pipelineRow));
  out.push(table(rows));
  if ('skipped' in d) out.push(`${d.model}: skipped, ${d.skipped}`);
  out.push('', `bench took ${ms(r.benchMs)}${r.quick ? ' (--quick)' : ''}`);
  return `${out.join('\n')}\n`;
}

const OPTIONS = {
  quick: { type: 'boolean' },
  json: { type: 'boolean' },
  model: { type: 'string' },
  steps: { type: 'string' },
  provider: { type: 'string' },
  width: { type: 'string' },
  height: { type: 'string' },
  sampler: { type: 'string' },
  runs: { type: 'string' },
} as const;

/** 4 significant digits for fractional numbers: the rest is noise */
function jsonLine(value: unknown): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v))}\n`;
}

export async function benchCommand(args: readonly string[], io: Io, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse('bench', args, OPTIONS);
  if (values.help) {
    io.stdout.write(`${BENCH_HELP}\n`);
    return 0;
  }
  noPositionals('bench', positionals);
  const steps = intOption('steps', values.steps) ?? 20;
  if (steps < 1 || steps > 1000) throw new UsageError(`--steps must be between 1 and 1000, got ${steps}`);
  const log = (line: string): void => void io.stderr.write(`bench: ${line}\n`);
  if (values.model === undefined) {
    const only = (['provider', 'width', 'height', 'sampler', 'runs'] as const).find((k) => values[k] !== undefined);
    if (only) throw new UsageError(`--${only} applies to one model: add --model DIR (e.g. --model models/reverie-mini)`);
    const report = await runBench({ quick: values.quick === true, signal, log }, path.join(BUNDLED_MODELS, 'reverie-mini'), steps);
    io.stdout.write(values.json ? jsonLine(report) : formatBench(report));
    return 0;
  }
  if (values.quick) throw new UsageError('--quick is for the whole-engine report; with --model, choose --steps and --runs instead');
  const provider = (values.provider ?? 'cpu') as ProviderPreference;
  if (provider !== 'auto' && !isProviderId(provider)) throw new UsageError(`--provider must be auto, cpu, cuda, webgpu, dml or coreml, got ${JSON.stringify(provider)}`);
  const report = await benchModel({
    model: await resolveModelDir(values.model, io.cwd),
    provider,
    width: intOption('width', values.width, { min: 8 }),
    height: intOption('height', values.height, { min: 8 }),
    steps,
    sampler: values.sampler,
    runs: intOption('runs', values.runs, { min: 1, max: 100 }) ?? 3,
    signal,
    log,
  });
  io.stdout.write(values.json ? jsonLine(report) : formatModelBench(report));
  return 0;
}
