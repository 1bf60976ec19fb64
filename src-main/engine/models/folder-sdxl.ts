/**
 * The SDXL part of a folder check (diffusers/optimum export of StableDiffusionXLPipeline): two text
 * encoders and tokenizers, the UNet's added conditioning, the family (SDXL or SDXL-Turbo) and the
 * model_index facts the conditioning needs. The refiner (text_encoder_2 only, aesthetic-score size
 * ids) is refused with what runs instead.
 *
 * Facts, read and cited, not copied: diffusers' pipeline_stable_diffusion_xl.py (`encode_prompt`: each
 * encoder's `hidden_states[-2]` concatenated on the feature axis, the pooled output of text_encoder_2;
 * `_get_add_time_ids`: original size + crop top-left + target size; `force_zeros_for_empty_prompt`,
 * registered True by default) and optimum's exporters/onnx/model_configs.py (CLIPTextOnnxConfig with
 * hidden states, CLIPTextWithProjectionOnnxConfig's `text_embeds`, UNetOnnxConfig's `text_embeds` and
 * `time_ids` when addition_embed_type is "text_time").
 */
import type { TrainingSchedule } from '../schedules/discrete.ts';
import type { OnnxSignature } from './onnx-signature.ts';
import { fixedDim, penultimateHiddenState } from './signatures.ts';
import type { Component } from './signatures.ts';

export interface SdxlFacts {
  /** model_index.json's force_zeros_for_empty_prompt (diffusers' default: true): an empty negative prompt conditions on zeros */
  forceZerosForEmptyPrompt: boolean;
}

/** The SDXL size ids: original (h, w), crop top-left (0, 0), target (h, w) — one row of time_ids. */
export const SDXL_TIME_IDS = 6;

/** Whether model_index.json or the folder says SDXL: a class name with "XL", or a text_encoder_2/ folder. */
export function sdxlSign(className: string | undefined, hasTextEncoder2: boolean): string | undefined {
  if (className?.includes('XL')) return `_class_name is ${className}`;
  return hasTextEncoder2 ? 'the folder has text_encoder_2/' : undefined;
}

/**
 * Refusals that come before any graph is read: a refiner folder (no text_encoder/, or
 * requires_aesthetics_score), whose time_ids carry an aesthetic score this engine does not produce.
 */
export function sdxlRefusal(index: Record<string, unknown> | undefined, hasTextEncoder: boolean, sign: string): string | undefined {
  if (index?.requires_aesthetics_score === true || !hasTextEncoder) {
    return (
      `SDXL refiner folders are not supported (${sign}, ${hasTextEncoder ? 'requires_aesthetics_score is true' : 'no text_encoder/'}): ` +
      'the refiner conditions on an aesthetic score; use an SDXL base or SDXL-Turbo export (text_encoder/ and text_encoder_2/)'
    );
  }
  return undefined;
}

/** model_index.json's facts; problems are appended. */
export function readSdxlFacts(index: Record<string, unknown> | undefined, problems: string[]): SdxlFacts {
  const force = index?.force_zeros_for_empty_prompt;
  if (force !== undefined && typeof force !== 'boolean') {
    problems.push(`model_index.json: force_zeros_for_empty_prompt is ${JSON.stringify(force)}; expected true or false`);
  }
  return { forceZerosForEmptyPrompt: force !== false };
}

/**
 * The two encoders against the UNet: each must export its hidden states (SDXL conditions on the
 * penultimate layer), their widths must add up to the UNet's context width, text_encoder_2's
 * text_embeds must be the UNet's, and time_ids must take 6 numbers.
 */
export function checkSdxlGraphs(sigs: ReadonlyMap<Component, OnnxSignature>, problems: string[]): void {
  const te1 = sigs.get('text_encoder');
  const te2 = sigs.get('text_encoder_2');
  const unet = sigs.get('unet');
  for (const [component, sig] of [['text_encoder', te1], ['text_encoder_2', te2]] as const) {
    if (sig && penultimateHiddenState(sig.outputs) === undefined) {
      problems.push(`${component}/model.onnx has no hidden_states.N outputs; SDXL conditions on the penultimate layer, so export it with its hidden states (optimum does)`);
    }
  }
  if (!te1 || !te2 || !unet) return; // already reported
  const width = (sig: OnnxSignature): number | undefined => {
    const name = penultimateHiddenState(sig.outputs);
    return name === undefined ? undefined : fixedDim(sig.outputs, name, 2);
  };
  const w1 = width(te1);
  const w2 = width(te2);
  const context = fixedDim(unet.inputs, 'encoder_hidden_states', 2);
  if (w1 !== undefined && w2 !== undefined && context !== undefined && w1 + w2 !== context) {
    problems.push(`text_encoder (${w1}) and text_encoder_2 (${w2}) give ${w1 + w2} features per token, but unet/model.onnx expects encoder_hidden_states of width ${context}`);
  }
  const pooled = fixedDim(te2.outputs, 'text_embeds', 1);
  const takes = fixedDim(unet.inputs, 'text_embeds', 1);
  if (pooled !== undefined && takes !== undefined && pooled !== takes) {
    problems.push(`text_encoder_2/model.onnx gives text_embeds of ${pooled} but unet/model.onnx takes ${takes}`);
  }
  const ids = fixedDim(unet.inputs, 'time_ids', 1);
  if (ids !== undefined && ids !== SDXL_TIME_IDS) {
    problems.push(
      `unet/model.onnx takes time_ids of ${ids} numbers; SDXL base and Turbo take ${SDXL_TIME_IDS} (original size, crop, target size)${ids === 5 ? ' — 5 is the refiner, which is not supported' : ''}`,
    );
  }
}

/** SDXL-Turbo is told by its schedule (trailing timestep spacing, as stabilityai/sdxl-turbo's scheduler config), not by its name. */
export function sdxlFamily(schedule: TrainingSchedule): 'sdxl' | 'sdxl-turbo' {
  return schedule.timestepSpacing === 'trailing' ? 'sdxl-turbo' : 'sdxl';
}
