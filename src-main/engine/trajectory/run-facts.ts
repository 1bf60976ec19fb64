/**
 * What a process view's run was (Pipeline, Attention), defaults filled in: the model, the seed (drawn
 * when the request said −1), steps, CFG, sampler and schedule by label, size, and the run's warnings.
 */
import type { Prepared } from '../pipelines/run-types.ts';
import { SCHEDULES } from '../schedules/index.ts';

export interface RunFacts {
  model: string;
  seed: number;
  steps: number;
  cfgScale: number;
  sampler: string;
  schedule: string;
  width: number;
  height: number;
  warnings: string[];
}

export function runFacts(pr: Prepared, warnings: string[] = pr.warnings): RunFacts {
  const { p, model } = pr;
  return {
    model: model.info.name,
    seed: p.seed,
    steps: p.steps,
    cfgScale: p.cfgScale,
    sampler: p.sampler.label,
    schedule: SCHEDULES.find((s) => s.id === p.schedule)?.label ?? p.schedule,
    width: p.width,
    height: p.height,
    warnings,
  };
}
