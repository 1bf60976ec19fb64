/**
 * The request of a process view that runs one text-to-image generation (Pipeline, Attention): the
 * Generate tab's parameters, or a recorded text-to-image result's own parameters and seed; one image,
 * no hires pass. A string says what is missing instead.
 */
import type { GalleryItem } from '../api/types.ts';
import type { Studio } from './studio.svelte.ts';

/** 'generate', or the id of a recorded result */
export type RunSource = string;
export const FROM_GENERATE = 'generate';

export function oneRunParams(studio: Studio, source: RunSource, sources: readonly GalleryItem[], view: string, maxSteps: number): Record<string, unknown> | string {
  let params: Record<string, unknown>;
  if (source === FROM_GENERATE) {
    const provider = studio.settings.settings?.provider ?? 'auto';
    const request = studio.form.toRequest(provider);
    if (!request || request.kind !== 'txt2img') return studio.form.problems.join(' ') || 'The Generate form is not ready yet: choose a model and write a prompt.';
    params = { ...request.params };
  } else {
    const item = sources.find((i) => i.id === source);
    if (!item || item.request.kind !== 'txt2img') return 'That result is gone from the gallery; choose another.';
    params = { ...item.request.params };
  }
  delete params.batchSize;
  delete params.batchCount;
  delete params.hires;
  const steps = params.steps;
  if (typeof steps === 'number' && steps > maxSteps) return `The ${view} runs at most ${maxSteps} steps; this run has ${steps}. Lower the steps on the Generate tab.`;
  return params;
}
