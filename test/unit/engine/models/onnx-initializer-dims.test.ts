/** readOnnxSignature's initializer shapes: what a UNet's symbolic input dims hide (issue 18, item 11). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnnxSignature } from '../../../../src-main/engine/models/onnx-signature.ts';
import { FIXTURE_MODELS } from '../../../helpers/model-copies.ts';

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  return [...out, v];
}
const tag = (field: number, wire: number): number[] => varint(field * 8 + wire);
const bytesField = (field: number, payload: Uint8Array | number[]): number[] => [...tag(field, 2), ...varint(payload.length), ...payload];

/** A TensorProto with inline raw_data, fields in ONNX's order; `packed` writes dims as one packed field. */
function inlineTensor(name: string, dims: number[], packed: boolean): number[] {
  const count = dims.reduce((a, b) => a * b, 1);
  const dimBytes = packed ? bytesField(1, dims.flatMap(varint)) : dims.flatMap((d) => [...tag(1, 0), ...varint(d)]);
  return [...dimBytes, ...tag(2, 0), 1, ...bytesField(8, new TextEncoder().encode(name)), ...bytesField(9, new Uint8Array(count * 4))];
}

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-init-dims-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('readOnnxSignature initializerDims', () => {
  it('gives the shape of every initializer of a fixture, external or inline', async () => {
    const unet = await readOnnxSignature(path.join(FIXTURE_MODELS, 'sd15-script/unet/model.onnx'));
    expect(unet.initializerDims.get('log_sigmas')).toEqual([1000]);
    const vae = await readOnnxSignature(path.join(FIXTURE_MODELS, 'sd15-script/vae_decoder/model.onnx'));
    expect([...vae.initializerDims.values()]).toContainEqual([3, 4, 1, 1]);
  });

  for (const packed of [false, true]) {
    it(`reads name and dims from the head of a large inline weight (${packed ? 'packed' : 'plain'} dims) without reading its data`, async () => {
      // SD's conv_in.weight of an inpainting UNet in float32: 320·9·3·3·4 = 103 680 bytes, over the 64 KiB read whole
      const graph = [...bytesField(5, inlineTensor('conv_in.weight', [320, 9, 3, 3], packed)), ...bytesField(5, inlineTensor('small', [2], packed))];
      const model = new Uint8Array([...tag(1, 0), 8, ...bytesField(7, graph)]);
      const file = path.join(tmp, `inline-${packed}.onnx`);
      await writeFile(file, model);
      const sig = await readOnnxSignature(file);
      expect(Object.fromEntries(sig.initializerDims)).toEqual({ 'conv_in.weight': [320, 9, 3, 3], small: [2] });
    });
  }
});
