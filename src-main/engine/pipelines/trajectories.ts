/**
 * ODE vs SDE from one seed: the same prompt, schedule and initial noise x_T = σ_max·ε run through a
 * deterministic sampler (probability-flow ODE, e.g. euler) and a stochastic one (reverse SDE /
 * ancestral, e.g. euler_ancestral, whose later noise draws come from the same seeded generator), both
 * recorded step by step for side-by-side viewing (Song et al. 2021, "Score-Based Generative Modeling
 * through Stochastic Differential Equations": the two share marginals, not paths).
 */
import { getSampler, resolveOptions } from '../samplers/registry.ts';
import type { SamplerId } from '../samplers/registry.ts';
import type { ProviderId } from '../runtime/ort.ts';
import { EngineError } from '../types.ts';
import { PipelineCache } from './cache.ts';
import { RunRecordings, decodeEach, emitImages, runMeta } from './edit-common.ts';
import type { EditOptions, ImageSink } from './edit-common.ts';
import type { Txt2ImgParams } from './params.ts';
import type { Recording } from './record.ts';
import { prepare, sampleAll } from './txt2img.ts';

export interface TrajectoryParams extends Omit<Txt2ImgParams, 'batchSize' | 'batchCount' | 'sampler' | 'samplerOptions'> {
  /** two or more sampler ids or labels; default ['euler', 'euler_ancestral'] */
  samplers?: readonly string[];
}

export interface Trajectory {
  sampler: SamplerId;
  stochastic: boolean;
  recording: Recording;
  png: Buffer;
  parameters: string;
}

export interface TrajectoriesResult {
  seed: number;
  trajectories: Trajectory[];
  provider: ProviderId;
  warnings: string[];
}

export async function compareTrajectories(params: TrajectoryParams, opts: Omit<EditOptions, 'record'> = {}): Promise<TrajectoriesResult> {
  const ids = params.samplers ?? ['euler', 'euler_ancestral'];
  if (ids.length < 2) throw new EngineError('BAD_INPUT', `give at least two samplers to compare, got ${ids.length}`);
  const entries = ids.map((id) => getSampler(id));
  const cache = opts.cache ?? new PipelineCache();
  try {
    const pr = await prepare({ ...params, sampler: entries[0].id, batchSize: 1, batchCount: 1 }, cache, opts);
    const trajectories: Trajectory[] = [];
    for (const entry of entries) {
      pr.p = { ...pr.p, sampler: entry, samplerOptions: resolveOptions(entry, {}) };
      const recordings = new RunRecordings(pr.model, true);
      const sink: ImageSink = { images: [], parameters: [] };
      await sampleAll(pr, recordings.options(opts), async (latents, seeds) => {
        recordings.close(pr.sigmas, latents, runMeta(pr, seeds));
        await emitImages(pr, await decodeEach(pr.model, latents, opts.signal), seeds, opts, sink);
      });
      trajectories.push({ sampler: entry.id, stochastic: entry.stochastic, recording: recordings.list[0], png: sink.images[0].png, parameters: sink.parameters[0] });
    }
    return { seed: pr.p.seed, trajectories, provider: pr.model.provider, warnings: pr.warnings };
  } finally {
    if (!opts.cache) await cache.dispose();
  }
}
