/**
 * The recorded reverse process: per sampler step, the noise level, the training timestep the UNet saw,
 * the latent x_t and the denoiser's clean estimate x̂₀ — k-diffusion's callback dict {i, sigma, x,
 * denoised} kept in order. A `StepRecorder` is an `onStep` hook; its `recording()` can be saved next
 * to a result as one binary file and read back.
 *
 * Binary format (version 1, all little-endian), in the spirit of safetensors (length-prefixed JSON
 * header, then raw tensor bytes):
 *   bytes 0..7    ASCII "RVRECORD"
 *   bytes 8..11   u32 format version (1)
 *   bytes 12..15  u32 header length H in bytes
 *   bytes 16..    H bytes of UTF-8 JSON: { dtype: 'float32' | 'float16', dims: [B, C, h, w],
 *                 sigmas: number[], steps: [{ i, sigma, sigmaHat, t }], hasFinal: boolean, meta: {...} }
 *   then zero padding to a multiple of 4 bytes, then the payload: for each step x_t then x̂₀, then the
 *   final latents if hasFinal, each numel(dims) values of dtype. float16 halves the size (the values
 *   are previews and decodes, where 1e-3 relative error is invisible).
 */
import { float16ToFloat32, float32ToFloat16 } from '../runtime/fp16.ts';
import { numel } from '../runtime/tensor.ts';
import { clone } from '../samplers/ops.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor, StepInfo } from '../types.ts';

export interface RecordedStep {
  /** step index, 0-based */
  readonly i: number;
  /** sigma at the start of the step */
  readonly sigma: number;
  /** sigma the model was called at (after churn); equal to sigma for most samplers */
  readonly sigmaHat: number;
  /** fractional training timestep of sigmaHat (what the UNet saw) */
  readonly t: number;
  /** x_t, latents at sigmaHat [B, C, h, w] */
  readonly x: F32Tensor;
  /** x̂₀, the denoiser's estimate of the clean latents */
  readonly denoised: F32Tensor;
}

export type RecordingMeta = Readonly<Record<string, string | number | boolean | readonly number[]>>;

export interface Recording {
  /** [B, C, h, w] of every tensor */
  readonly dims: readonly number[];
  /** the schedule that was run, descending, ending in 0 */
  readonly sigmas: readonly number[];
  readonly steps: readonly RecordedStep[];
  /** the sampler's result (sigma 0), when known */
  readonly final?: F32Tensor;
  /** free-form facts: sampler, schedule, seeds, model, ... */
  readonly meta: RecordingMeta;
}

/**
 * Collects steps from a sampler's onStep. A sampler updates its x in place (samplers/types.ts), so the
 * recorder keeps a copy of x; denoised is the denoiser's output, which samplers never write, so it is
 * kept as it is.
 */
export class StepRecorder {
  private readonly steps: RecordedStep[] = [];

  /** toT: the model's sigma → fractional timestep (DiscreteSchedule.sigmaToT) */
  constructor(private readonly toT: (sigma: number) => number) {}

  readonly onStep = (info: StepInfo): void => {
    this.steps.push({ i: info.i, sigma: info.sigma, sigmaHat: info.sigmaHat, t: this.toT(info.sigmaHat), x: clone(info.x), denoised: info.denoised });
  };

  get length(): number {
    return this.steps.length;
  }

  recording(sigmas: Float64Array | readonly number[], final?: F32Tensor, meta: RecordingMeta = {}): Recording {
    const dims = this.steps[0]?.x.dims ?? final?.dims;
    if (!dims) throw new EngineError('INTERNAL', 'a recording needs at least one step or the final latents');
    return { dims: [...dims], sigmas: Array.from(sigmas), steps: [...this.steps], ...(final ? { final } : {}), meta };
  }
}

const MAGIC = 'RVRECORD';
const VERSION = 1;

interface Header {
  dtype: 'float32' | 'float16';
  dims: number[];
  sigmas: number[];
  steps: { i: number; sigma: number; sigmaHat: number; t: number }[];
  hasFinal: boolean;
  meta: RecordingMeta;
}

/** The recording as one binary blob (see the format above). */
export function serializeRecording(rec: Recording, dtype: 'float32' | 'float16' = 'float32'): Uint8Array {
  const n = numel(rec.dims);
  const tensors: F32Tensor[] = [];
  for (const s of rec.steps) tensors.push(s.x, s.denoised);
  if (rec.final) tensors.push(rec.final);
  for (const t of tensors) {
    if (t.data.length !== n) throw new EngineError('INTERNAL', `recording tensor [${t.dims.join(', ')}] does not match dims [${rec.dims.join(', ')}]`);
  }
  const header: Header = {
    dtype,
    dims: [...rec.dims],
    sigmas: [...rec.sigmas],
    steps: rec.steps.map(({ i, sigma, sigmaHat, t }) => ({ i, sigma, sigmaHat, t })),
    hasFinal: rec.final !== undefined,
    meta: rec.meta,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = Math.ceil((16 + json.length) / 4) * 4;
  const width = dtype === 'float16' ? 2 : 4;
  const out = new Uint8Array(start + tensors.length * n * width);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, json.length, true);
  out.set(json, 16);
  tensors.forEach((t, k) => {
    const offset = start + k * n * width;
    if (dtype === 'float16') {
      const half = float32ToFloat16(t.data);
      for (let i = 0; i < n; i++) view.setUint16(offset + i * 2, half[i], true);
    } else {
      for (let i = 0; i < n; i++) view.setFloat32(offset + i * 4, t.data[i], true);
    }
  });
  return out;
}

function bad(message: string): never {
  throw new EngineError('BAD_INPUT', `not a Reverie recording: ${message}`);
}

/** Reads a blob written by serializeRecording (float16 payloads come back as float32). */
export function deserializeRecording(bytes: Uint8Array): Recording {
  if (bytes.length < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) bad('the file does not start with "RVRECORD"');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== VERSION) bad(`format version ${version}; this build reads version ${VERSION}`);
  const headerLength = view.getUint32(12, true);
  if (16 + headerLength > bytes.length) bad(`header of ${headerLength} bytes runs past the end of a ${bytes.length}-byte file`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength))) as Header;
  } catch (err) {
    return bad(`header is not JSON (${(err as Error).message})`);
  }
  if ((header.dtype !== 'float32' && header.dtype !== 'float16') || !Array.isArray(header.dims) || !Array.isArray(header.steps)) bad('header lacks dtype, dims or steps');
  const n = numel(header.dims);
  const width = header.dtype === 'float16' ? 2 : 4;
  const count = header.steps.length * 2 + (header.hasFinal ? 1 : 0);
  const start = Math.ceil((16 + headerLength) / 4) * 4;
  if (bytes.length !== start + count * n * width) bad(`expected ${start + count * n * width} bytes for ${count} tensors of [${header.dims.join(', ')}], got ${bytes.length}`);
  const tensor = (k: number): F32Tensor => {
    const offset = start + k * n * width;
    let data: Float32Array;
    if (header.dtype === 'float16') {
      const half = new Uint16Array(n);
      for (let i = 0; i < n; i++) half[i] = view.getUint16(offset + i * 2, true);
      data = float16ToFloat32(half);
    } else {
      data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(offset + i * 4, true);
    }
    return { dtype: 'float32', dims: [...header.dims], data };
  };
  const steps: RecordedStep[] = header.steps.map((s, k) => ({ ...s, x: tensor(2 * k), denoised: tensor(2 * k + 1) }));
  return {
    dims: header.dims,
    sigmas: header.sigmas ?? [],
    steps,
    ...(header.hasFinal ? { final: tensor(2 * header.steps.length) } : {}),
    meta: header.meta ?? {},
  };
}
