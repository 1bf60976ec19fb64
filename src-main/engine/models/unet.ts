/**
 * Turns an eps- or v-predicting ONNX UNet into a k-diffusion denoiser (x, σ) → x̂₀ (k-diffusion
 * external.py: DiscreteEpsDDPMDenoiser / DiscreteVDDPMDenoiser). With σ_data = 1:
 *   c_in = 1/√(σ²+1);  eps: x̂₀ = x − σ·ε;  v: x̂₀ = x/(σ²+1) − σ/√(σ²+1)·v.
 * σ → t is the schedule's log-sigma interpolation (fractional t); int64 timesteps round t (k-diffusion's
 * `quantize`), while c_in and c_out keep the exact σ, as k-diffusion does. The timestep's element type
 * and shape (scalar, [1], [batch]) come from the session metadata, as diffusers' ONNX pipeline and
 * OnnxStack read them; fp16 UNets get float16 inputs and their outputs are widened back.
 *
 * SDXL UNets also take the added conditioning (diffusers' `added_cond_kwargs`): text_embeds [B, P], the
 * pooled text embedding, and time_ids [B, 6], the size ids; they ride along with the context, batch for
 * batch, in the UNet's float type.
 */
import type { DiscreteSchedule, PredictionType } from '../schedules/discrete.ts';
import type { ModelSession } from '../runtime/session.ts';
import { castFloat, concatChannels, f32, toFloat32 } from '../runtime/tensor.ts';
import { toHalfBits } from '../runtime/fp16.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor, Tensor } from '../types.ts';
import { checkFinite } from './finite.ts';
import { checkSignature } from './signatures.ts';

export type TimestepLayout = 'scalar' | 'one' | 'batch';

export interface UnetShape {
  latentChannels: number;
  inChannels: number;
  floatType: 'float32' | 'float16';
  timestepType: 'float32' | 'float16' | 'int64';
  timestepLayout: TimestepLayout;
  /** fixed batch size of the export, if it has one */
  fixedBatch?: number;
  /** hidden size of encoder_hidden_states, when the export fixes it */
  contextHidden?: number;
  /** fixed text length of encoder_hidden_states, if the export fixes it (then long prompts cannot be chunked) */
  contextLength?: number;
  /** SDXL: the UNet takes text_embeds and time_ids (the width of text_embeds when the export fixes it) */
  added?: { pooledSize?: number };
}

/** The SDXL UNet's added conditioning, batch 1 or B like the context: text_embeds [B, P] and time_ids [B, 6]. */
export interface AddedConditioning {
  readonly textEmbeds: F32Tensor;
  readonly timeIds: F32Tensor;
}

/** Reads the UNet's layout from its session; `fallbackLatent`/`inpaintHint` cover symbolic channel dims. */
export function readUnetShape(session: ModelSession, fallbackLatent: number, inpaintHint: boolean, sdxl = false): UnetShape {
  const problems = checkSignature('unet', session.inputs, session.outputs, { sdxl });
  if (problems.length > 0) throw new EngineError('MODEL_INVALID', problems.join('; '));
  const sample = session.input('sample');
  const timestep = session.input('timestep');
  const context = session.input('encoder_hidden_states');
  const out = session.outputs.find((o) => o.name === 'out_sample');
  if (!sample || !timestep || !context || !out) throw new EngineError('INTERNAL', 'unet signature check let a missing input through');
  const num = (d: number | string | undefined): number | undefined => (typeof d === 'number' && d > 0 ? d : undefined);
  const latentChannels = num(out.dims[1]) ?? fallbackLatent;
  const inChannels = num(sample.dims[1]) ?? (inpaintHint ? 2 * latentChannels + 1 : latentChannels);
  const tDims = timestep.dims;
  const timestepLayout: TimestepLayout = tDims.length === 0 ? 'scalar' : tDims[0] === 1 ? 'one' : 'batch';
  return {
    latentChannels,
    inChannels,
    floatType: sample.type === 'float16' ? 'float16' : 'float32',
    timestepType: timestep.type === 'int64' ? 'int64' : timestep.type === 'float16' ? 'float16' : 'float32',
    timestepLayout,
    fixedBatch: session.fixedBatch('sample'),
    contextHidden: num(context.dims[2]),
    contextLength: num(context.dims[1]),
    ...(sdxl ? { added: { pooledSize: num(session.input('text_embeds')?.dims[1]) } } : {}),
  };
}

/** The timestep tensor for `t`, in the export's element type and layout, for a run of `batch` items. */
export function timestepTensor(t: number, shape: UnetShape, batch: number): Tensor {
  const n = shape.timestepLayout === 'batch' ? batch : 1;
  const dims = shape.timestepLayout === 'scalar' ? [] : [n];
  switch (shape.timestepType) {
    case 'int64':
      return { dtype: 'int64', dims, data: new BigInt64Array(n).fill(BigInt(Math.round(t))) };
    case 'float16':
      return { dtype: 'float16', dims, data: new Uint16Array(n).fill(toHalfBits(t)) };
    case 'float32':
      return { dtype: 'float32', dims, data: new Float32Array(n).fill(t) };
  }
}

export type UnetDenoiser = (x: F32Tensor, sigma: number, context: F32Tensor, concat?: F32Tensor, added?: AddedConditioning) => Promise<F32Tensor>;

/**
 * Sees every UNet call's outputs (the attention copy's extra outputs, models/attention-graph.ts) with the
 * call's latents and context; set only for the Attention view's run, never for normal jobs.
 */
export type UnetTap = (outputs: Readonly<Record<string, Tensor>>, call: { readonly x: F32Tensor; readonly sigma: number; readonly context: F32Tensor }) => void;

export function unetDenoiser(session: ModelSession, shape: UnetShape, schedule: DiscreteSchedule, prediction: PredictionType, tap?: UnetTap): UnetDenoiser {
  // c_in·x is lent to ONNX Runtime for one call (its run reads the feeds and is done when it resolves):
  // one array serves every step instead of a fresh one per step; a call made while another holds it
  // (two jobs on one model) takes its own
  let spare: Float32Array | undefined;
  return async (x, sigma, context, concat, added) => {
    checkDenoiseInputs(shape, x, sigma, context, concat);
    checkAdded(shape, x.dims[0], added);
    const batch = x.dims[0];
    const cIn = 1 / Math.sqrt(sigma * sigma + 1);
    const scaledData = spare?.length === x.data.length ? spare : new Float32Array(x.data.length);
    spare = undefined;
    for (let i = 0; i < scaledData.length; i++) scaledData[i] = x.data[i] * cIn;
    const scaled = f32(x.dims, scaledData);
    const sample = concat ? concatChannels([scaled, concat]) : scaled;
    const feeds = {
      sample: castFloat(sample, shape.floatType),
      timestep: timestepTensor(schedule.sigmaToT(sigma), shape, batch),
      encoder_hidden_states: castFloat(context, shape.floatType),
      ...(shape.added && added ? { text_embeds: castFloat(added.textEmbeds, shape.floatType), time_ids: castFloat(added.timeIds, shape.floatType) } : {}),
    };
    const batched = ['sample', 'encoder_hidden_states', ...(shape.timestepLayout === 'batch' ? ['timestep'] : []), ...(shape.added ? ['text_embeds', 'time_ids'] : [])];
    const out = await session.runBatched(feeds, batched, batch);
    spare = scaledData;
    const pred = toFloat32(out.out_sample);
    if (pred.data.length !== x.data.length) {
      throw new EngineError('RUNTIME', `${session.label} returned out_sample [${pred.dims.join(', ')}] for sample [${x.dims.join(', ')}]`);
    }
    checkFinite(pred, session.label, 'out_sample', `at sigma ${sigma.toPrecision(4)}`);
    tap?.(out, { x, sigma, context });
    // the prediction is this call's own output (widened from fp16 or not): x̂₀ is written over it, with
    // no allocation per step, unless a tap was handed the outputs
    const denoised = tap ? new Float32Array(x.data.length) : pred.data;
    if (prediction === 'epsilon') {
      for (let i = 0; i < denoised.length; i++) denoised[i] = x.data[i] - sigma * pred.data[i];
    } else {
      const cSkip = 1 / (sigma * sigma + 1);
      const cOut = -sigma * cIn;
      for (let i = 0; i < denoised.length; i++) denoised[i] = x.data[i] * cSkip + pred.data[i] * cOut;
    }
    return f32(x.dims, denoised);
  };
}

function checkAdded(shape: UnetShape, b: number, added: AddedConditioning | undefined): void {
  if (!shape.added) return;
  if (!added) throw new EngineError('BAD_INPUT', 'this SDXL UNet also takes text_embeds and time_ids: pass the added conditioning with the context');
  const { textEmbeds, timeIds } = added;
  const pooled = shape.added.pooledSize;
  if (textEmbeds.dims.length !== 2 || textEmbeds.dims[0] !== b || (pooled !== undefined && textEmbeds.dims[1] !== pooled)) {
    throw new EngineError('BAD_INPUT', `text_embeds must be [${b}, ${pooled ?? 'pooled'}] for a batch of ${b}; got [${textEmbeds.dims.join(', ')}]`);
  }
  if (timeIds.dims.length !== 2 || timeIds.dims[0] !== b || timeIds.dims[1] !== 6) {
    throw new EngineError('BAD_INPUT', `time_ids must be [${b}, 6] for a batch of ${b}; got [${timeIds.dims.join(', ')}]`);
  }
}

function checkDenoiseInputs(shape: UnetShape, x: F32Tensor, sigma: number, context: F32Tensor, concat?: F32Tensor): void {
  const [b, c, h, w] = x.dims;
  if (x.dims.length !== 4 || c !== shape.latentChannels) {
    throw new EngineError('BAD_INPUT', `the UNet denoises latents [batch, ${shape.latentChannels}, h, w]; got [${x.dims.join(', ')}]`);
  }
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new EngineError('BAD_INPUT', `the UNet needs a positive finite sigma, got ${sigma}`);
  if (context.dims.length !== 3 || context.dims[0] !== b) {
    throw new EngineError('BAD_INPUT', `text context must be [${b}, tokens, hidden] for a batch of ${b}; got [${context.dims.join(', ')}]`);
  }
  const extra = shape.inChannels - shape.latentChannels;
  if (extra > 0 && !concat) {
    throw new EngineError('BAD_INPUT', `this inpainting UNet takes ${shape.inChannels} channels: pass mask and masked-image latents [${b}, ${extra}, ${h}, ${w}] as concat`);
  }
  if (concat && (concat.dims[0] !== b || concat.dims[1] !== extra || concat.dims[2] !== h || concat.dims[3] !== w)) {
    throw new EngineError('BAD_INPUT', `concat must be [${b}, ${extra}, ${h}, ${w}] for this UNet; got [${concat.dims.join(', ')}]`);
  }
}
