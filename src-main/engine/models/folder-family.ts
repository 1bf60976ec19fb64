/**
 * The family of a Stable Diffusion 1.x/2.x-shaped folder (SDXL's is folder-sdxl.ts): the text width of
 * its encoder or UNet (768 SD 1.x, 1024 SD 2.x), trailing timestep spacing for SD-Turbo, an unknown width
 * run with the nearest family's defaults and a warning; and a family's default square side.
 */
import type { TrainingSchedule } from '../schedules/discrete.ts';
import { FAMILIES, HIDDEN_SIZE_FAMILIES, SD2_BASE_SIZE } from './families.ts';
import type { ModelFamily } from './families.ts';
import { isRecord, readJsonFile } from './files.ts';
import type { OnnxSignature } from './onnx-signature.ts';
import { fixedDim } from './signatures.ts';
import type { Component } from './signatures.ts';

/** The family's square side when the folder states none; SD 2.x-base (epsilon prediction) was trained at 512, the v-prediction 2.x models at 768. */
export function familySize(family: ModelFamily, schedule: TrainingSchedule): number {
  return family === 'sd2' && schedule.predictionType === 'epsilon' ? SD2_BASE_SIZE : FAMILIES[family].defaultSize;
}

export async function detectFamily(
  dir: string,
  sigs: Map<Component, OnnxSignature>,
  schedule: TrainingSchedule | undefined,
  problems: string[],
  warnings: string[],
): Promise<ModelFamily | undefined> {
  const te = sigs.get('text_encoder');
  const unet = sigs.get('unet');
  let hidden = (te && fixedDim(te.outputs, 'last_hidden_state', 2)) ?? (unet && fixedDim(unet.inputs, 'encoder_hidden_states', 2));
  const unetHidden = unet && fixedDim(unet.inputs, 'encoder_hidden_states', 2);
  const teHidden = te && fixedDim(te.outputs, 'last_hidden_state', 2);
  if (teHidden !== undefined && unetHidden !== undefined && teHidden !== unetHidden) {
    problems.push(`text_encoder/model.onnx gives hidden size ${teHidden} but unet/model.onnx expects encoder_hidden_states of size ${unetHidden}`);
    return undefined;
  }
  if (hidden === undefined) {
    const cfg = await readJsonFile(dir, 'text_encoder/config.json');
    if (cfg.ok && isRecord(cfg.value) && typeof cfg.value.hidden_size === 'number') hidden = cfg.value.hidden_size;
  }
  if (!te || !unet || !schedule) return undefined; // already reported
  if (schedule.timestepSpacing === 'trailing' && (hidden === undefined || hidden in HIDDEN_SIZE_FAMILIES)) return 'sd-turbo';
  if (hidden === undefined) return schedule.predictionType === 'v_prediction' ? 'sd2' : 'sd1';
  const family = HIDDEN_SIZE_FAMILIES[hidden];
  if (family) return family;
  // SD-shaped files with another text width (a distilled or custom encoder): run them with the nearest family's defaults
  const like: ModelFamily = schedule.predictionType === 'v_prediction' ? 'sd2' : 'sd1';
  const known = Object.entries(HIDDEN_SIZE_FAMILIES).map(([size, f]) => `${size}: ${FAMILIES[f].label}`).join(', ');
  warnings.push(
    `text_encoder/model.onnx gives hidden size ${hidden}, which matches no known family (${known}); it runs with ` +
      `${FAMILIES[like].label} defaults (${FAMILIES[like].defaultSize}×${FAMILIES[like].defaultSize}, the VAE config's scaling factor or ${FAMILIES[like].scalingFactor})`,
  );
  return like;
}
