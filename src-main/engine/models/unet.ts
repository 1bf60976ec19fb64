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
import { nonFiniteError } from './finite.ts';
import { CfgPairLease } from './unet-kernels.ts';
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

/**
 * CFG's batched call in one piece: runs the UNet on [x ‖ x] with the [uncond ‖ cond] inputs (context,
 * concat and added conditioning already paired, batch 2B) and returns uncond + scale·(cond − uncond) of
 * the two x̂₀, the same numbers as the unguided call followed by guidance/cfg.ts combineGuidance, in fewer
 * passes over the latents. x is [B, C, h, w].
 */
export type GuidedUnetDenoiser = (x: F32Tensor, sigma: number, scale: number, contextPair: F32Tensor, concatPair?: F32Tensor, addedPair?: AddedConditioning) => Promise<F32Tensor>;

export type UnetDenoiser = ((x: F32Tensor, sigma: number, context: F32Tensor, concat?: F32Tensor, added?: AddedConditioning) => Promise<F32Tensor>) & {
  /** absent when the outputs are tapped (the Attention view): then CFG takes the two-step path */
  readonly guided?: GuidedUnetDenoiser;
};

/**
 * Sees every UNet call's outputs (the attention copy's extra outputs, models/attention-graph.ts) with the
 * call's latents and context; set only for the Attention view's run, never for normal jobs.
 */
export type UnetTap = (outputs: Readonly<Record<string, Tensor>>, call: { readonly x: F32Tensor; readonly sigma: number; readonly context: F32Tensor }) => void;

/** What the denoiser needs of the UNet's session (runtime/session.ts ModelSession): its batched run and its name. */
export type UnetRunner = Pick<ModelSession, 'runBatched' | 'label'>;

export function unetDenoiser(session: UnetRunner, shape: UnetShape, schedule: DiscreteSchedule, prediction: PredictionType, tap?: UnetTap): UnetDenoiser {
  // c_in·x is lent to ONNX Runtime for one call (its run reads the feeds and is done when it resolves):
  // one array serves every step instead of a fresh one per step; a call made while another holds it
  // (two jobs on one model) takes its own
  let spare: Float32Array | undefined;
  const take = (n: number): Float32Array => {
    const a = spare?.length === n ? spare : new Float32Array(n);
    spare = undefined;
    return a;
  };
  // the guided call's memory for its SIMD kernels (unet-kernels.ts), lent the same way; null: none here
  let spareLease: CfgPairLease | null | undefined;
  const takeLease = (n: number): CfgPairLease | null => {
    const lease = spareLease !== undefined && (spareLease === null || spareLease.n === n) ? spareLease : CfgPairLease.create(n);
    spareLease = undefined;
    return lease;
  };
  /** the UNet's prediction (ε or v) for c_in·x given as `scaledData`, this call's own array */
  const predict = async (dims: readonly number[], scaledData: Float32Array, sigma: number, context: F32Tensor, concat?: F32Tensor, added?: AddedConditioning): Promise<{ out: Record<string, Tensor>; pred: F32Tensor }> => {
    const batch = dims[0];
    const scaled = f32(dims, scaledData);
    const sample = concat ? concatChannels([scaled, concat]) : scaled;
    const feeds = {
      sample: castFloat(sample, shape.floatType),
      timestep: timestepTensor(schedule.sigmaToT(sigma), shape, batch),
      encoder_hidden_states: castFloat(context, shape.floatType),
      ...(shape.added && added ? { text_embeds: castFloat(added.textEmbeds, shape.floatType), time_ids: castFloat(added.timeIds, shape.floatType) } : {}),
    };
    const batched = ['sample', 'encoder_hidden_states', ...(shape.timestepLayout === 'batch' ? ['timestep'] : []), ...(shape.added ? ['text_embeds', 'time_ids'] : [])];
    const out = await session.runBatched(feeds, batched, batch);
    const pred = toFloat32(out.out_sample);
    if (pred.data.length !== scaledData.length) {
      throw new EngineError('RUNTIME', `${session.label} returned out_sample [${pred.dims.join(', ')}] for sample [${dims.join(', ')}]`);
    }
    return { out, pred };
  };
  const when = (sigma: number): string => `at sigma ${sigma.toPrecision(4)}`;
  // x̂₀ = x·c_skip + prediction·c_out: eps c_skip = 1, c_out = −σ (x·1 + ε·(−σ) is x − σ·ε to the bit: both
  // products are exact or the same rounding, and adding a negated term is subtracting it); v c_skip =
  // 1/(σ²+1), c_out = −σ·c_in
  const coefficients = (sigma: number): { cSkip: number; cOut: number } => {
    if (prediction === 'epsilon') return { cSkip: 1, cOut: -sigma };
    const cIn = 1 / Math.sqrt(sigma * sigma + 1);
    return { cSkip: 1 / (sigma * sigma + 1), cOut: -sigma * cIn };
  };

  const denoise = async (x: F32Tensor, sigma: number, context: F32Tensor, concat?: F32Tensor, added?: AddedConditioning): Promise<F32Tensor> => {
    checkDenoiseInputs(shape, x, sigma, context, concat);
    checkAdded(shape, x.dims[0], added);
    const cIn = 1 / Math.sqrt(sigma * sigma + 1);
    const scaledData = take(x.data.length);
    const xs = x.data;
    for (let i = 0; i < scaledData.length; i++) scaledData[i] = xs[i] * cIn;
    const { out, pred } = await predict(x.dims, scaledData, sigma, context, concat, added);
    spare = scaledData;
    // the prediction is this call's own output (widened from fp16 or not): x̂₀ is written over it, with
    // no allocation per step, unless a tap is handed the outputs. The same pass checks the prediction for
    // NaN and infinity (p − p is 0 only for finite p): a pass of its own cost ~0.2 ms a call on a 2×4×128×128
    // pair on a VM, on the loop's critical path between two GPU steps
    const denoised = tap ? new Float32Array(x.data.length) : pred.data;
    const p = pred.data;
    const { cSkip, cOut } = coefficients(sigma);
    let bad = -1;
    for (let i = 0; i < denoised.length; i++) {
      const v = p[i];
      if (v - v !== 0) {
        bad = i;
        break;
      }
      denoised[i] = xs[i] * cSkip + v * cOut;
    }
    // stopped at the first NaN or infinity: what was written over before it was finite, so the counts are those from there on
    if (bad >= 0) throw nonFiniteError(session.label, 'out_sample', pred.dims, p.subarray(bad), p.length, when(sigma));
    tap?.(out, { x, sigma, context });
    return f32(x.dims, denoised);
  };

  const guided: GuidedUnetDenoiser = async (x, sigma, scale, contextPair, concatPair, addedPair) => {
    const n = x.data.length;
    const pairDims = [2 * x.dims[0], ...x.dims.slice(1)];
    // c_in·x into both halves in one pass: the numbers c_in·[x ‖ x] has
    const cIn = 1 / Math.sqrt(sigma * sigma + 1);
    // the SIMD kernels when this runtime has them (the same numbers, unet-kernels.ts), else the loops below
    const lease = takeLease(n);
    const scaledData = lease ? lease.input : take(2 * n);
    checkDenoiseInputs(shape, f32(pairDims, scaledData), sigma, contextPair, concatPair);
    checkAdded(shape, pairDims[0], addedPair);
    const xs = x.data;
    if (lease) lease.scale(xs, cIn);
    else for (let i = 0; i < n; i++) scaledData[i] = scaledData[n + i] = xs[i] * cIn;
    const { pred } = await predict(pairDims, scaledData, sigma, contextPair, concatPair, addedPair);
    if (lease) spareLease = lease;
    else spare = scaledData;
    // one pass: both x̂₀ rounded to float32 as the unguided call stores them, mixed in double and rounded
    // once as combineGuidance does, written over the uncond half (read at i before it is written)
    const p = pred.data;
    const { cSkip, cOut } = coefficients(sigma);
    const bad = lease ? lease.guided(p, cSkip, cOut, scale) : guidedLoop(p, xs, cSkip, cOut, scale);
    if (bad >= 0) throw nonFiniteError(session.label, 'out_sample', pred.dims, p.subarray(bad), p.length, when(sigma));
    return f32(x.dims, p.subarray(0, n));
  };

  return tap ? denoise : Object.assign(denoise, { guided });
}

/**
 * The guided pass in JavaScript (where WebAssembly SIMD is missing): over the uncond half of the pair p,
 * both x̂₀ rounded to float32, mixed in double, rounded once; stops at the first non-finite value of
 * either half and returns its index (−1: none). Math.fround is called as itself and nothing branches on
 * the parameterization inside: an alias of it, or a loop-invariant branch, made V8's loop twice as slow.
 */
export function guidedLoop(p: Float32Array, xs: Float32Array, cSkip: number, cOut: number, scale: number): number {
  const n = xs.length;
  for (let i = 0; i < n; i++) {
    const vu = p[i];
    const vc = p[n + i];
    if (vu - vu !== 0 || vc - vc !== 0) return i;
    const u = Math.fround(xs[i] * cSkip + vu * cOut);
    const c = Math.fround(xs[i] * cSkip + vc * cOut);
    p[i] = u + scale * (c - u);
  }
  return -1;
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
