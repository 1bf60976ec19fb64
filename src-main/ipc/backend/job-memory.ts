/**
 * A submitted job as the engine's memory check sees it (issue 18, item 6): jobs.submit asks the engine
 * process, which will run the job and knows which model it holds, whether the job fits in memory, and
 * refuses it there with OUT_OF_MEMORY (the estimate, what is available, what to change) instead of
 * queueing a job the system would kill. Edit jobs without a size work at the model's area.
 */
import type { EngineMethods } from '../../engine/service.ts';
import type { JobRequest } from '../contract.ts';

export function jobMemoryRequest(request: JobRequest, modelDir: string): EngineMethods['checkMemory']['params'] {
  const p = request.params;
  const hires = request.kind === 'txt2img' ? request.params.hires : undefined;
  return {
    modelDir,
    ...(p.width !== undefined ? { width: p.width } : {}),
    ...(p.height !== undefined ? { height: p.height } : {}),
    batchSize: p.batchSize,
    ...(p.cfgScale !== undefined ? { cfgScale: p.cfgScale } : {}),
    ...(hires ? { hiresScale: hires.scale } : {}),
    provider: p.provider,
  };
}
