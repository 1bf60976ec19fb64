/**
 * InvokeAI's `invokeai_metadata` text chunk (InvokeAI 3+, `CoreMetadataInvocation`): a flat JSON
 * object with positive_prompt, negative_prompt, seed, steps, cfg_scale, scheduler, width, height and
 * model ({ name } or { model_name }).
 */
import type { GenerationMetadata } from './metadata-types.ts';

function field(o: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function parseInvoke(text: string): GenerationMetadata | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const o = parsed as Record<string, unknown>;
  const model = field(o, 'model');
  const modelName =
    typeof model === 'object' && model !== null
      ? (str((model as Record<string, unknown>).name) ?? str((model as Record<string, unknown>).model_name))
      : str(model);
  const extra: Record<string, string> = {};
  for (const key of ['generation_mode', 'clip_skip', 'rand_device', 'cfg_rescale_multiplier']) {
    const v = field(o, key);
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') extra[key] = String(v);
  }
  return {
    source: 'invokeai',
    prompt: str(field(o, 'positive_prompt')) ?? '',
    negativePrompt: str(field(o, 'negative_prompt')) ?? '',
    seed: num(field(o, 'seed')),
    steps: num(field(o, 'steps')),
    cfgScale: num(field(o, 'cfg_scale')),
    sampler: str(field(o, 'scheduler')),
    width: num(field(o, 'width')),
    height: num(field(o, 'height')),
    model: modelName,
    extra,
  };
}
