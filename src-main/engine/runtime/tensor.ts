/**
 * Helpers for the engine's plain `{dtype, dims, data}` tensors (types.ts): creation, batch
 * concatenation and slicing along dim 0, channel concatenation, and float16 ↔ float32 casts.
 */
import { EngineError } from '../types.ts';
import type { DType, F32Tensor, Tensor, TensorData } from '../types.ts';
import { float16ToFloat32, float32ToFloat16 } from './fp16.ts';

export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new EngineError('INTERNAL', `invalid tensor dims [${dims.join(', ')}]`);
    n *= d;
  }
  return n;
}

function allocate<D extends DType>(dtype: D, n: number): TensorData<D>;
function allocate(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float16':
      return new Uint16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
  }
}

/** A tensor with the given data (checked against dims) or zero-filled. */
export function makeTensor<D extends DType>(dtype: D, dims: readonly number[], data?: TensorData<D>): Tensor<D> {
  const n = numel(dims);
  if (data && data.length !== n) {
    throw new EngineError('INTERNAL', `tensor data has ${data.length} elements; dims [${dims.join(', ')}] need ${n}`);
  }
  return { dtype, dims: [...dims], data: data ?? allocate(dtype, n) };
}

export function f32(dims: readonly number[], data?: Float32Array | readonly number[]): F32Tensor {
  const arr = data === undefined ? undefined : data instanceof Float32Array ? data : Float32Array.from(data);
  return makeTensor('float32', dims, arr);
}

/** Concatenates tensors of one dtype along dim 0; all other dims must agree. */
export function concatBatch<D extends DType>(parts: readonly Tensor<D>[]): Tensor<D> {
  if (parts.length === 0) throw new EngineError('INTERNAL', 'concatBatch needs at least one tensor');
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  const inner = first.dims.slice(1);
  let batch = 0;
  for (const p of parts) {
    if (p.dtype !== first.dtype || p.dims.length !== first.dims.length || p.dims.slice(1).some((d, i) => d !== inner[i])) {
      throw new EngineError('INTERNAL', `concatBatch: ${p.dtype} [${p.dims.join(', ')}] does not match ${first.dtype} [${first.dims.join(', ')}]`);
    }
    batch += p.dims[0];
  }
  const out = makeTensor(first.dtype, [batch, ...inner]);
  let offset = 0;
  for (const p of parts) {
    setData(out.data, p.data, offset);
    offset += p.data.length;
  }
  return out;
}

/** Rows [start, end) of dim 0, as a copy. */
export function sliceBatch<D extends DType>(t: Tensor<D>, start: number, end: number): Tensor<D> {
  const batch = t.dims[0];
  if (!(start >= 0 && start < end && end <= batch)) {
    throw new EngineError('INTERNAL', `sliceBatch [${start}, ${end}) is outside a batch of ${batch}`);
  }
  const per = t.data.length / batch;
  const data = t.data.slice(start * per, end * per) as TensorData<D>;
  return { dtype: t.dtype, dims: [end - start, ...t.dims.slice(1)], data };
}

/** Concatenates float32 NCHW tensors along dim 1 (channels), e.g. [latents, mask, masked latents]. */
export function concatChannels(parts: readonly F32Tensor[]): F32Tensor {
  const [b, , h, w] = parts[0].dims;
  for (const p of parts) {
    if (p.dims.length !== 4 || p.dims[0] !== b || p.dims[2] !== h || p.dims[3] !== w) {
      throw new EngineError('INTERNAL', `concatChannels: [${p.dims.join(', ')}] does not match [${b}, *, ${h}, ${w}]`);
    }
  }
  const channels = parts.reduce((s, p) => s + p.dims[1], 0);
  const out = f32([b, channels, h, w]);
  const plane = h * w;
  for (let n = 0; n < b; n++) {
    let c0 = 0;
    for (const p of parts) {
      const block = p.dims[1] * plane;
      out.data.set(p.data.subarray(n * block, (n + 1) * block), (n * channels + c0) * plane);
      c0 += p.dims[1];
    }
  }
  return out;
}

/** float32 or float16 tensor -> float32 (float16 is widened exactly). */
export function toFloat32(t: Tensor): F32Tensor {
  if (t.dtype === 'float32' && t.data instanceof Float32Array) return { dtype: 'float32', dims: t.dims, data: t.data };
  if (t.dtype === 'float16' && t.data instanceof Uint16Array) return { dtype: 'float32', dims: t.dims, data: float16ToFloat32(t.data) };
  throw new EngineError('INTERNAL', `expected a float tensor, got ${t.dtype}`);
}

/** float32 tensor -> the float type a model wants (float16 rounds to nearest even). */
export function castFloat(t: F32Tensor, dtype: 'float32' | 'float16'): Tensor<'float32' | 'float16'> {
  return dtype === 'float32' ? t : { dtype: 'float16', dims: t.dims, data: float32ToFloat16(t.data) };
}

function setData(target: TensorData, source: TensorData, offset: number): void {
  if (target instanceof BigInt64Array) {
    if (!(source instanceof BigInt64Array)) throw new EngineError('INTERNAL', 'int64 tensor mixed with another type');
    target.set(source, offset);
  } else {
    if (source instanceof BigInt64Array) throw new EngineError('INTERNAL', 'int64 tensor mixed with another type');
    target.set(source, offset);
  }
}
