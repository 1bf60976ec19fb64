/**
 * The engine facade: everything the studio asks of the engine, as a table of methods that an
 * engine host can run in-process or inside another OS process (engine/hosting). Plain data in and
 * out (structured-clone safe), one AbortSignal and one event callback per call.
 */
import path from 'node:path';
import { ortVersion, probeProviders } from './runtime/ort.ts';
import type { ProviderStatus } from './runtime/ort.ts';
import { SAMPLERS, takesSdeNoise } from './samplers/registry.ts';
import { SCHEDULES } from './schedules/index.ts';
import { liveSessionCount } from './runtime/session.ts';
import { PipelineCache } from './pipelines/cache.ts';
import { memoryCheckCall } from './pipelines/memory-check.ts';
import type { MemoryCheckRequest, MemoryVerdict } from './pipelines/memory-check.ts';
import { EngineError } from './types.ts';
import type { EngineCallContext } from './types.ts';
import { listModelFolders } from './models/model-list.ts';
import type { ModelListEntry } from './models/model-list.ts';
import { readModelCard } from './models/card.ts';
import type { ModelCard } from './models/card.ts';
import { readImageParameters } from './imageio/read-parameters.ts';
import type { ReadParametersInput, ReadParametersOutput } from './imageio/read-parameters.ts';
import { runTxt2ImgJob } from './jobs/txt2img-job.ts';
import type { EngineJobEvent, Txt2ImgJobInput, Txt2ImgJobOutput } from './jobs/job-types.ts';
import { createEditImpl } from './edit-methods.ts';
import type { EditEngineMethods } from './edit-methods.ts';
import { PromptTokenCounter } from './models/prompt-tokens.ts';
import type { PromptTokensInput, PromptTokensResult } from './models/prompt-tokens.ts';
import { importForStudio } from './checkpoints/import-call.ts';
import type { ImportCheckpointInput } from './checkpoints/import-call.ts';
import type { ImportProgress, ImportResult } from './checkpoints/import.ts';
import { playgroundView } from './playground/run.ts';
import type { PlaygroundView, PlaygroundViewInput } from './playground/run.ts';
import { attentionView } from './trajectory/attention-view.ts';
import type { AttentionParams, AttentionViewResult } from './trajectory/attention-view.ts';

export type { EngineCallContext } from './types.ts';
export type { EngineJobEvent, Txt2ImgJobInput, Txt2ImgJobOutput } from './jobs/job-types.ts';
export type { ModelListEntry } from './models/model-list.ts';
export type { ModelCard } from './models/card.ts';
export type { ModelVocabulary } from './models/vocabulary.ts';
export type { ImageParameters, ReadParametersInput, ReadParametersOutput } from './imageio/read-parameters.ts';
export type { PlaygroundView, PlaygroundViewInput } from './playground/run.ts';
export type { ImportCheckpointInput } from './checkpoints/import-call.ts';
export type { ImportProgress, ImportResult } from './checkpoints/import.ts';

export interface EngineInfo {
  ortVersion: string;
  providers: ProviderStatus[];
  pid: number;
  /** ONNX sessions open in this engine now (runtime/session.ts) */
  liveSessions: number;
}

export interface EngineRegistryData {
  samplers: { id: string; label: string; description: string; aliases: string[]; stochastic: boolean; modelCallsPerStep: number; sdeNoise: boolean }[];
  schedules: { id: string; label: string; description: string }[];
}

type NoParams = Record<string, never>;

/** Every engine method: its params, result and the events it may emit while running (edit and trajectory methods: edit-methods.ts). */
export interface EngineMethods extends EditEngineMethods {
  info: { params: { refresh?: boolean }; result: EngineInfo; event: never };
  listModels: { params: { roots: string[] }; result: ModelListEntry[]; event: never };
  /** a model folder's README.md and the images it shows (models/card.ts) */
  modelCard: { params: { modelDir: string }; result: ModelCard; event: never };
  /** token counts of prompts with the model's tokenizer and A1111 chunks (the prompt box's counter) */
  promptTokens: { params: PromptTokensInput; result: PromptTokensResult; event: never };
  /** generation parameters from an image's metadata (untrusted bytes: parsed in the engine process) */
  readParameters: { params: ReadParametersInput; result: ReadParametersOutput; event: never };
  registry: { params: NoParams; result: EngineRegistryData; event: never };
  /** the Playground tab: exact diffusion on a 2-D Gaussian mixture, no model (playground/run.ts) */
  playground: { params: PlaygroundViewInput; result: PlaygroundView; event: never };
  /** the Process tab's Attention view: per-token cross-attention maps of one run, DAAM (trajectory/attention-view.ts) */
  processAttention: { params: AttentionParams; result: AttentionViewResult; event: never };
  /** whether a job fits in memory, asked when it is submitted (pipelines/memory-check.ts): rejects with OUT_OF_MEMORY */
  checkMemory: { params: MemoryCheckRequest; result: MemoryVerdict | null; event: never };
  txt2img: { params: Txt2ImgJobInput; result: Txt2ImgJobOutput; event: EngineJobEvent };
  /** a .safetensors checkpoint written as an ONNX folder into a models folder (checkpoints/import.ts) */
  importCheckpoint: { params: ImportCheckpointInput; result: ImportResult; event: ImportProgress };
  /** test-only: exits the engine process (isolated engines with REVERIE_DEBUG_CALLS=1 only) */
  debugExit: { params: { code: number }; result: { pid: number }; event: never };
  /** tests only: keeps the engine's thread busy for `ms` without looking at cancel (a long ONNX Runtime call) */
  debugBusy: { params: { ms: number }; result: { pid: number }; event: never };
}

export interface EngineService {
  call<M extends keyof EngineMethods>(
    method: M,
    params: EngineMethods[M]['params'],
    ctx: EngineCallContext<EngineMethods[M]['event']>,
  ): Promise<EngineMethods[M]['result']>;
  dispose(): Promise<void>;
}

type Impl = { [M in keyof EngineMethods]: (params: EngineMethods[M]['params'], ctx: EngineCallContext<EngineMethods[M]['event']>) => Promise<EngineMethods[M]['result']> };

export interface EngineServiceOptions {
  /** true inside a dedicated engine process (the debug exit is allowed only there) */
  isolated: boolean;
  /** where caches go (LoRA-merged graphs in lora/, optimized ONNX graphs in ort/); default: LoRA merges in the system temp folder, no ORT cache */
  cacheDir?: string;
}

export function createEngineService(opts: EngineServiceOptions): EngineService {
  // loaded models and prompt embeddings, kept between jobs (changing only the seed re-runs only the UNet loop)
  const cache = new PipelineCache(opts.cacheDir ? { loraCacheDir: path.join(opts.cacheDir, 'lora'), ortCacheDir: path.join(opts.cacheDir, 'ort'), attentionCacheDir: path.join(opts.cacheDir, 'attention') } : {});
  const tokenCounter = new PromptTokenCounter();
  const impl: Impl = {
    info: async (params) => ({
      ortVersion: ortVersion(),
      providers: await probeProviders(params.refresh ? { refresh: true } : {}),
      pid: process.pid,
      liveSessions: liveSessionCount(),
    }),
    listModels: (params) => listModelFolders(params.roots),
    modelCard: (params) => readModelCard(params.modelDir),
    promptTokens: (params) => tokenCounter.count(params),
    readParameters: (params) => Promise.resolve().then(() => readImageParameters(params)),
    registry: () =>
      Promise.resolve({
        samplers: SAMPLERS.map((s) => ({
          id: s.id,
          label: s.label,
          description: s.description,
          aliases: [...s.aliases],
          stochastic: s.stochastic,
          modelCallsPerStep: s.modelCallsPerStep,
          sdeNoise: takesSdeNoise(s),
        })),
        schedules: SCHEDULES.map((s) => ({ id: s.id, label: s.label, description: s.description })),
      }),
    playground: (params, ctx) => playgroundView(params, ctx.signal),
    processAttention: (params, ctx) => attentionView(params, cache, ctx.signal),
    checkMemory: (params) => memoryCheckCall(params, (dir, provider) => cache.hasModel(dir, provider)),
    txt2img: (params, ctx) => runTxt2ImgJob(params, ctx, cache),
    importCheckpoint: (params, ctx) => importForStudio(params, ctx),
    ...createEditImpl(cache),
    debugExit: (params) => {
      if (!opts.isolated || process.env.REVERIE_DEBUG_CALLS !== '1') {
        return Promise.reject(
          new EngineError('BAD_INPUT', 'debugExit only works in a separate engine process started with REVERIE_DEBUG_CALLS=1'),
        );
      }
      setTimeout(() => process.exit(params.code), 20);
      return Promise.resolve({ pid: process.pid });
    },
    debugBusy: (params) => {
      if (!opts.isolated || process.env.REVERIE_DEBUG_CALLS !== '1') {
        return Promise.reject(new EngineError('BAD_INPUT', 'debugBusy only works in a separate engine process started with REVERIE_DEBUG_CALLS=1'));
      }
      // the thread is held, as inside a native model call: no message (cancel included) is read meanwhile
      const end = Date.now() + Math.min(params.ms, 600_000);
      while (Date.now() < end);
      return Promise.resolve({ pid: process.pid });
    },
  };
  return {
    call: <M extends keyof EngineMethods>(method: M, params: EngineMethods[M]['params'], ctx: EngineCallContext<EngineMethods[M]['event']>) => {
      if (!Object.hasOwn(impl, method)) {
        return Promise.reject(new EngineError('BAD_INPUT', `unknown engine method "${String(method)}"`));
      }
      // the table is indexed by the same M as params and ctx; TypeScript cannot correlate them
      const fn = impl[method] as (p: EngineMethods[M]['params'], c: EngineCallContext<EngineMethods[M]['event']>) => Promise<EngineMethods[M]['result']>;
      return fn(params, ctx);
    },
    dispose: () => cache.dispose(),
  };
}
