/** `reverie bench` (npm run bench): measured speed of the engine's parts on this machine, as a table or JSON. */
import path from 'node:path';
import { BUNDLED_MODELS } from '../model-roots.ts';
import { UsageError, intOption, noPositionals, parse } from '../usage.ts';
import type { Io } from '../usage.ts';
import { benchDefaultModel, benchFixture, benchRng, benchSamplers, benchTokenizer, machineInfo } from './bench-cases.ts';
import type { BenchPlan, DefaultModelBench, MachineInfo, PipelineBench, RngBench, SamplersBench, TokenizerBench } from './bench-cases.ts';

export const BENCH_HELP = `usage: reverie bench [--quick] [--json] [--model DIR] [--steps N]

Measures, on this machine: the CLIP tokenizer (load, per prompt), seeded randn for 4×32×32 and
4×64×64 latents, every sampler's own cost per step on an analytic denoiser (pure JavaScript), txt2img
on the tiny test fixture (load, encode, per step, decode), and the default model (models/reverie-mini)
at its default size on the CPU and on each GPU provider that works here. Times are milliseconds,
medians over repeats; progress goes to stderr.

  --quick        fewer repeats and steps, no default-model run (a few seconds)
  --json         print the report as JSON on stdout
  --model DIR    the model for the full-size run (default: models/reverie-mini)
  --steps N      steps of the full-size run (default 20)
  -h, --help     this help`;

export interface BenchReport {
  quick: boolean;
  machine: MachineInfo;
  tokenizer: TokenizerBench;
  rng: RngBench[];
  samplers: SamplersBench;
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
  const samplers = await benchSamplers(plan);
  const fixture = await benchFixture(plan);
  const defaultModel = await benchDefaultModel(model, steps, plan);
  return { quick: plan.quick, machine, tokenizer, rng, samplers, fixture, defaultModel, benchMs: performance.now() - started };
}

/** 3 significant digits below a second: small times stay visible, big ones lose noise. */
function ms(v: number): string {
  return v >= 1000 ? `${Math.round(v)} ms` : `${Number(v.toPrecision(3))} ms`;
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
      [`analytic denoiser call on ${r.samplers.dims.join('×')}`, ms(r.samplers.denoiserCallMs)],
    ]),
    '',
    `samplers on ${r.samplers.dims.join('×')}, ${r.samplers.steps} Karras steps, analytic denoiser (pure JavaScript):`,
    table([['SAMPLER', 'CALLS', 'PER STEP', 'OWN COST PER STEP'], ...r.samplers.samplers.map((s) => [s.label, String(s.modelCalls), ms(s.perStepMs), ms(s.overheadPerStepMs)])]),
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

export async function benchCommand(args: readonly string[], io: Io, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse('bench', args, { quick: { type: 'boolean' }, json: { type: 'boolean' }, model: { type: 'string' }, steps: { type: 'string' } } as const);
  if (values.help) {
    io.stdout.write(`${BENCH_HELP}\n`);
    return 0;
  }
  noPositionals('bench', positionals);
  const steps = intOption('steps', values.steps) ?? 20;
  if (steps < 1 || steps > 1000) throw new UsageError(`--steps must be between 1 and 1000, got ${steps}`);
  const model = values.model === undefined ? path.join(BUNDLED_MODELS, 'reverie-mini') : path.resolve(io.cwd, values.model);
  const report = await runBench({ quick: values.quick === true, signal, log: (line) => io.stderr.write(`bench: ${line}\n`) }, model, steps);
  if (values.json) {
    // 4 significant digits for fractional numbers: the rest is noise
    io.stdout.write(`${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v))}\n`);
  } else {
    io.stdout.write(formatBench(report));
  }
  return 0;
}
