/**
 * CLIP text encoder wrapper: padded token ids → last_hidden_state [B, L, H] as float32. The ids' element
 * type (int32 in the diffusers script export, int64 elsewhere) comes from the session metadata; batches
 * are split when the export fixes the batch size.
 */
import type { ModelSession } from '../runtime/session.ts';
import { toFloat32 } from '../runtime/tensor.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor, Tensor } from '../types.ts';
import { checkFinite } from './finite.ts';
import { checkSignature } from './signatures.ts';

export class TextEncoder {
  readonly idsType: 'int32' | 'int64';
  /** fixed sequence length of the export, if any */
  readonly fixedLength?: number;
  /** hidden size when the export declares it */
  readonly declaredHidden?: number;

  constructor(readonly session: ModelSession) {
    const problems = checkSignature('text_encoder', session.inputs, session.outputs);
    if (problems.length > 0) throw new EngineError('MODEL_INVALID', problems.join('; '));
    const ids = session.input('input_ids');
    this.idsType = ids?.type === 'int64' ? 'int64' : 'int32';
    const len = ids?.dims[1];
    this.fixedLength = typeof len === 'number' && len > 0 ? len : undefined;
    const hidden = session.outputs.find((o) => o.name === 'last_hidden_state')?.dims[2];
    this.declaredHidden = typeof hidden === 'number' && hidden > 0 ? hidden : undefined;
  }

  async encode(ids: readonly Int32Array[], signal?: AbortSignal): Promise<F32Tensor> {
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
    const hidden = toFloat32(out.last_hidden_state);
    if (hidden.dims.length !== 3 || hidden.dims[0] !== ids.length || hidden.dims[1] !== length) {
      throw new EngineError('RUNTIME', `${this.session.label} returned last_hidden_state [${hidden.dims.join(', ')}] for ids [${dims.join(', ')}]`);
    }
    checkFinite(hidden, this.session.label, 'last_hidden_state');
    return hidden;
  }
}
