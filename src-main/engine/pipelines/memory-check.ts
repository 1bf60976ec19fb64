/**
 * Refusing a job that would not fit in memory, before it starts (issue 18, item 6): the estimate
 * (memory-estimate.ts) from the folder's facts (models/memory-facts.ts) against what this machine has
 * (memory-budget.ts). Out of memory would otherwise end with the system killing the engine (SIGKILL)
 * halfway through; this says the numbers and what to change instead. Runs in the process that will
 * run the job: prepare() for every pipeline (CLI and engine process alike) and the engine's
 * checkMemory method, which the studio calls when a job is submitted.
 */
import { readMemoryFacts } from '../models/memory-facts.ts';
import type { ModelMemoryFacts } from '../models/memory-facts.ts';
import type { ProviderPreference } from '../runtime/ort.ts';
import { EngineError } from '../types.ts';
import { readMemoryBudget } from './memory-budget.ts';
import type { MemoryBudget } from './memory-budget.ts';
import { MEMORY_LIMIT_ENV } from './memory-budget.ts';
import { MIB, estimateJobMemory } from './memory-estimate.ts';
import type { MemoryEstimate, MemoryJob } from './memory-estimate.ts';
import { MIN_SIZE } from './params.ts';

export interface MemoryCheckInput {
  modelDir: string;
  /** left out: the model's default size */
  width?: number;
  height?: number;
  batchSize?: number;
  /** left out: the model's default (1 for guidance-distilled models, else guided) */
  cfgScale?: number;
  hiresScale?: number;
  /** this process holds the model already: its weights need no new memory */
  weightsLoaded?: boolean;
}

export interface MemoryVerdict {
  estimate: MemoryEstimate;
  budget: MemoryBudget;
}

/** "1.5 GiB" from 1 GiB up, else "340 MiB". */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * MIB ? `${(bytes / (1024 * MIB)).toFixed(1)} GiB` : `${Math.max(1, Math.round(bytes / MIB))} MiB`;
}

/** What would fit instead: a smaller batch at this size, else a smaller size (same aspect) at batch 1. */
function advice(facts: ModelMemoryFacts, job: MemoryJob, weightsLoaded: boolean, budget: MemoryBudget): string[] {
  const fits = (j: MemoryJob): MemoryEstimate | undefined => {
    const e = estimateJobMemory(facts, j, weightsLoaded);
    return e.needed <= budget.available ? e : undefined;
  };
  const out: string[] = [];
  for (let b = job.batchSize - 1; b >= 1; b--) {
    const e = fits({ ...job, batchSize: b });
    if (!e) continue;
    out.push(`a batch size of ${b} (about ${formatBytes(e.needed)}; a batch count gives more images one after another without more memory)`);
    return out;
  }
  const one = { ...job, batchSize: 1 };
  const base = estimateJobMemory(facts, one, weightsLoaded);
  const room = budget.available - base.weights;
  if (room > 0) {
    const step = Math.max(8, facts.sizeStep ?? facts.vaeFactor);
    const t = Math.sqrt(room / base.activations);
    const w = Math.floor((job.width * t) / step) * step;
    const h = Math.floor((job.height * t) / step) * step;
    const e = w >= MIN_SIZE && h >= MIN_SIZE ? fits({ ...one, width: w, height: h }) : undefined;
    if (e) out.push(`${job.batchSize > 1 ? 'batch size 1 and ' : ''}a smaller ${job.hiresScale ? 'base ' : ''}size such as ${w}×${h} (about ${formatBytes(e.needed)})`);
  }
  if (job.hiresScale && job.hiresScale > 1) out.push('a smaller hires-fix scale, or none');
  return out;
}

function refusal(facts: ModelMemoryFacts, job: MemoryJob, weightsLoaded: boolean, estimate: MemoryEstimate, budget: MemoryBudget): string {
  const scale = job.hiresScale ?? 1;
  const size = `${Math.round(job.width * scale)}×${Math.round(job.height * scale)}`;
  const images = job.batchSize === 1 ? `one ${size} image` : `${job.batchSize} images of ${size} at once`;
  const parts = `${formatBytes(estimate.activations)} for ${images}${estimate.weights > 0 ? ` and ${formatBytes(estimate.weights)} for the model` : ''}`;
  const ways = advice(facts, job, weightsLoaded, budget);
  const free = budget.source.startsWith(MEMORY_LIMIT_ENV) ? `raise ${MEMORY_LIMIT_ENV}` : 'close other programs to free memory';
  const what = ways.length > 0 ? `Try ${ways.join(', or ')}; or ${free}.` : `Even the smallest job does not fit: ${free}, or use a machine with more memory.`;
  return (
    `This job needs about ${formatBytes(estimate.needed)} of memory (${parts}), but ${formatBytes(budget.available)} is available ` +
    `(${budget.source}; ${formatBytes(budget.total)} in all), so it was not started: it would run out of memory and be killed by the system. ${what}`
  );
}

/** The job's size, batch and guidance with the model's defaults filled in. */
export function memoryJob(input: MemoryCheckInput, facts: ModelMemoryFacts): MemoryJob {
  const cfg = input.cfgScale ?? (facts.guidanceFree ? 1 : 7);
  return {
    width: input.width ?? facts.defaultWidth,
    height: input.height ?? facts.defaultHeight,
    batchSize: input.batchSize ?? 1,
    guided: cfg !== 1,
    ...(input.hiresScale !== undefined ? { hiresScale: input.hiresScale } : {}),
  };
}

/**
 * Throws EngineError('OUT_OF_MEMORY') with the estimate, what is available and what to change when the
 * job does not fit; returns the numbers when it does. A folder that is not a valid model passes: loading
 * it reports what is wrong. `budget` replaces this machine's numbers (tests).
 */
export async function checkJobMemory(
  input: MemoryCheckInput,
  budget?: MemoryBudget,
  /** the folder's facts; a pipeline passes its cache's (read once while the model stays loaded) */
  readFacts: (dir: string) => Promise<ModelMemoryFacts | undefined> = readMemoryFacts,
): Promise<MemoryVerdict | undefined> {
  const facts = await readFacts(input.modelDir);
  if (!facts) return undefined;
  const job = memoryJob(input, facts);
  const weightsLoaded = input.weightsLoaded ?? false;
  const estimate = estimateJobMemory(facts, job, weightsLoaded);
  const have = budget ?? (await readMemoryBudget());
  if (estimate.needed > have.available) {
    throw new EngineError('OUT_OF_MEMORY', refusal(facts, job, weightsLoaded, estimate, have), {
      needed: Math.round(estimate.needed),
      weights: Math.round(estimate.weights),
      activations: Math.round(estimate.activations),
      available: have.available,
      total: have.total,
      source: have.source,
    });
  }
  return { estimate, budget: have };
}

/** The engine's checkMemory call (service.ts): the job as the studio submits it, before it is queued. */
export interface MemoryCheckRequest extends Omit<MemoryCheckInput, 'weightsLoaded'> {
  provider?: ProviderPreference;
}

/** checkJobMemory for a submitted job; the weights count unless `loaded` says this process holds the model. */
export async function memoryCheckCall(req: MemoryCheckRequest, loaded: (modelDir: string, provider: ProviderPreference) => boolean): Promise<MemoryVerdict | null> {
  const { provider, ...input } = req;
  return (await checkJobMemory({ ...input, weightsLoaded: loaded(req.modelDir, provider ?? 'auto') })) ?? null;
}
