/**
 * CLIP text encoder wrapper: padded token ids → last_hidden_state [B, L, H] as float32. The ids' element
 * type (int32 in the diffusers script export, int64 elsewhere) comes from the session metadata; batches
 * are split when the export fixes the batch size.
 *
 * SDXL's encoders (`layer: 'penultimate'`) give their penultimate hidden state instead, `hidden_states.(N−1)`
 * (diffusers' encode_prompt: `hidden_states[-2]`), and text_encoder_2 also its pooled projection
 * `text_embeds` [B, P].
 */
import type { ModelSession } from '../runtime/session.ts';
import { toFloat32 } from '../runtime/tensor.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor, Tensor } from '../types.ts';
import { checkFinite } from './finite.ts';
import { checkSignature, penultimateHiddenState } from './signatures.ts';

export interface TextEncoding {
  /** [B, L, H] */
  hidden: F32Tensor;
  /** text_encoder_2's text_embeds [B, P], when the export has them */
  pooled?: F32Tensor;
}

export class TextEncoder {
  readonly idsType: 'int32' | 'int64';
  /** fixed sequence length of the export, if any */
  readonly fixedLength?: number;
  /** hidden size when the export declares it */
  readonly declaredHidden?: number;

  /** the output read as hidden states: last_hidden_state, or hidden_states.(N−1) for SDXL */
  readonly hiddenOutput: string;
  readonly pooledOutput?: string;

  constructor(
    readonly session: ModelSession,
    opts: { component?: 'text_encoder' | 'text_encoder_2'; layer?: 'last' | 'penultimate' } = {},
  ) {
    const component = opts.component ?? 'text_encoder';
    const problems = checkSignature(component, session.inputs, session.outputs);
    if (problems.length > 0) throw new EngineError('MODEL_INVALID', problems.join('; '));
    const ids = session.input('input_ids');
    this.idsType = ids?.type === 'int64' ? 'int64' : 'int32';
    const len = ids?.dims[1];
    this.fixedLength = typeof len === 'number' && len > 0 ? len : undefined;
    const penultimate = opts.layer === 'penultimate' ? penultimateHiddenState(session.outputs) : undefined;
    if (opts.layer === 'penultimate' && penultimate === undefined) {
      throw new EngineError('MODEL_INVALID', `${session.label} has no hidden_states.N outputs; SDXL conditions on the penultimate layer, so export it with its hidden states`);
    }
    this.hiddenOutput = penultimate ?? 'last_hidden_state';
    if (component === 'text_encoder_2') this.pooledOutput = 'text_embeds';
    const hidden = session.outputs.find((o) => o.name === this.hiddenOutput)?.dims[2];
    this.declaredHidden = typeof hidden === 'number' && hidden > 0 ? hidden : undefined;
  }

  async encode(ids: readonly Int32Array[], signal?: AbortSignal): Promise<F32Tensor> {
    return (await this.encodeAll(ids, signal)).hidden;
  }

  /** The hidden states and, for text_encoder_2, the pooled text_embeds [B, P]. */
  async encodeAll(ids: readonly Int32Array[], signal?: AbortSignal): Promise<TextEncoding> {
    if (ids.length === 0) throw new EngineError('BAD_INPUT', 'encodeText needs at least one token sequence');
    const length = ids[0].length;
    if (ids.some((row) => row.length !== length)) {
      throw new EngineError('BAD_INPUT', `token sequences must all have the same length; got ${ids.map((r) => r.length).join(', ')}`);
    }
    if (this.fixedLength !== undefined && length !== this.fixedLength) {
      throw new EngineError('BAD_INPUT', `${this.session.label} takes exactly ${this.fixedLength} tokens per prompt; got ${length}`);
    }
    const dims = [ids.length, length];
    const flat = new Int32Array(ids.length * length);
    ids.forEach((row, i) => flat.set(row, i * length));
    const feed: Tensor =
      this.idsType === 'int64'
        ? { dtype: 'int64', dims, data: BigInt64Array.from(flat, (v) => BigInt(v)) }
        : { dtype: 'int32', dims, data: flat };
    const out = await this.session.runBatched({ input_ids: feed }, ['input_ids'], ids.length, signal);
    const hidden = toFloat32(out[this.hiddenOutput]);
    if (hidden.dims.length !== 3 || hidden.dims[0] !== ids.length || hidden.dims[1] !== length) {
      throw new EngineError('RUNTIME', `${this.session.label} returned ${this.hiddenOutput} [${hidden.dims.join(', ')}] for ids [${dims.join(', ')}]`);
    }
    checkFinite(hidden, this.session.label, this.hiddenOutput);
    if (this.pooledOutput === undefined) return { hidden };
    const pooled = toFloat32(out[this.pooledOutput]);
    if (pooled.dims.length !== 2 || pooled.dims[0] !== ids.length) {
      throw new EngineError('RUNTIME', `${this.session.label} returned ${this.pooledOutput} [${pooled.dims.join(', ')}] for ids [${dims.join(', ')}]`);
    }
    checkFinite(pooled, this.session.label, this.pooledOutput);
    return { hidden, pooled };
  }
}
