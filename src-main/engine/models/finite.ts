/**
 * NaN and infinity checks on what each network returns. A model with damaged weights, or a float16
 * export that overflows (SD 1.x's VAE is the known case), runs without an error and gives black or
 * garbage images; A1111 stops such a run with "A tensor with all NaNs was produced in Unet" (its
 * devices.test_for_nans). Here every network output is checked in one pass and the job fails with
 * NAN_OUTPUT, naming the network and what to do.
 */
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';

/** True when every value is finite; one pass (v − v is 0 for finite v, NaN for NaN and ±∞). */
export function allFinite(data: Float32Array): boolean {
  let probe = 0;
  for (let i = 0; i < data.length; i++) probe += data[i] - data[i];
  return probe === 0;
}

/**
 * Throws NAN_OUTPUT when `t` holds NaN or ±∞. `file` is the network (a session label such as
 * 'unet/model.onnx'; the advice differs for the VAE), `output` the tensor, `when` the moment ('at sigma 14.6').
 */
export function checkFinite(t: F32Tensor, file: string, output: string, when = ''): void {
  if (allFinite(t.data)) return;
  throw nonFiniteError(file, output, t.dims, t.data, t.data.length, when);
}

/**
 * The NAN_OUTPUT error for `output` [dims] of `file`, counting NaN and ±∞ in `values`: the whole tensor,
 * or its part from the first non-finite value on when the values before it are known to be finite
 * (a pass that stopped there); `total` is the tensor's size.
 */
export function nonFiniteError(file: string, output: string, dims: readonly number[], values: Float32Array, total: number, when = ''): EngineError {
  let nan = 0;
  let inf = 0;
  for (const v of values) {
    if (Number.isNaN(v)) nan++;
    else if (!Number.isFinite(v)) inf++;
  }
  const what = nan === total ? `all ${total} values are NaN` : `${nan + inf} of ${total} values are ${inf === 0 ? 'NaN' : nan === 0 ? 'infinite' : 'NaN or infinite'}`;
  const vae = file.startsWith('vae_');
  const advice = vae
    ? 'its weights are damaged, or a float16 VAE overflows (SD 1.x\'s VAE does): use a float32 VAE export, or re-download or re-export the model'
    : 'its weights are damaged or overflow in float16: re-download or re-export the model, or try a float32 export';
  return new EngineError(
    'NAN_OUTPUT',
    `${file} produced NaN or infinite values${when ? ` ${when}` : ''} (${output} [${dims.join(', ')}]: ${what}), which would give a black or broken image; ${advice}`,
    { file, output, nan, inf, total },
  );
}
