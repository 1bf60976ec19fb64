/** The NaN/infinity check on network outputs (issue 18, item 10): one pass, counts in the message. */
import { describe, expect, it } from 'vitest';
import { allFinite, checkFinite } from '../../../../src-main/engine/models/finite.ts';
import type { F32Tensor } from '../../../../src-main/engine/types.ts';

const t = (values: number[]): F32Tensor => ({ dtype: 'float32', dims: [1, 1, 1, values.length], data: Float32Array.from(values) });

describe('checkFinite', () => {
  it('passes finite values, including the largest float32', () => {
    expect(allFinite(Float32Array.from([0, -1, 3.4e38, -3.4e38, 1e-45]))).toBe(true);
    expect(() => checkFinite(t([0, 1, 2]), 'unet/model.onnx', 'out_sample')).not.toThrow();
  });

  it('counts NaN and infinite values and names the network and tensor', () => {
    expect(allFinite(Float32Array.from([0, Infinity]))).toBe(false);
    expect(() => checkFinite(t([0, Number.NaN, 2, Infinity]), 'unet/model.onnx', 'out_sample', 'at sigma 1.000')).toThrow(
      /^unet\/model\.onnx produced NaN or infinite values at sigma 1\.000 \(out_sample \[1, 1, 1, 4\]: 2 of 4 values are NaN or infinite\)/,
    );
    expect(() => checkFinite(t([-Infinity, 1]), 'vae_decoder/model.onnx', 'sample')).toThrow(/\(sample \[1, 1, 1, 2\]: 1 of 2 values are infinite\).*float32 VAE export/);
    try {
      checkFinite(t([Number.NaN, Number.NaN]), 'text_encoder/model.onnx', 'last_hidden_state');
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'NAN_OUTPUT', details: { file: 'text_encoder/model.onnx', nan: 2, inf: 0, total: 2 } });
      expect((err as Error).message).toMatch(/all 2 values are NaN/);
    }
  });
});
