import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnnxFormatError, readOnnxSignature } from '../../../../src-main/engine/models/onnx-signature.ts';
import { createSession } from '../../../../src-main/engine/runtime/ort.ts';

const MODELS = path.resolve(import.meta.dirname, '../../../fixtures/models');

describe('readOnnxSignature', () => {
  it('reads the same inputs and outputs as an ONNX Runtime session', async () => {
    for (const rel of ['sd15-script/unet', 'sd15-optimum/unet', 'sd15-fp16/text_encoder', 'sd15-static/unet', 'sd15-optimum/vae_encoder']) {
      const file = path.join(MODELS, rel, 'model.onnx');
      const sig = await readOnnxSignature(file);
      const { model } = await createSession(file, 'cpu');
      expect(sig.inputs).toEqual(model.inputs);
      expect(sig.outputs).toEqual(model.outputs);
      await model.release();
    }
  });

  it('lists external weights files (diffusers weights.pb, optimum model.onnx_data)', async () => {
    expect((await readOnnxSignature(path.join(MODELS, 'sd15-script/unet/model.onnx'))).externalFiles).toEqual(['weights.pb']);
    expect((await readOnnxSignature(path.join(MODELS, 'sd15-optimum/unet/model.onnx'))).externalFiles).toEqual(['model.onnx_data']);
    expect((await readOnnxSignature(path.join(MODELS, 'sd15-script/text_encoder/model.onnx'))).externalFiles).toEqual([]);
  });

  it('rejects empty, truncated and non-ONNX files with a reason', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'reverie-onnx-'));
    try {
      const empty = path.join(dir, 'empty.onnx');
      await writeFile(empty, '');
      await expect(readOnnxSignature(empty)).rejects.toThrow(new OnnxFormatError('the file is empty'));
      await expect(readOnnxSignature(path.join(MODELS, 'broken-corrupt-onnx/unet/model.onnx'))).rejects.toThrow(/^truncated/);
      await expect(readOnnxSignature(path.join(MODELS, 'broken-corrupt-onnx/vae_decoder/model.onnx'))).rejects.toBeInstanceOf(OnnxFormatError);
      const json = path.join(dir, 'model.onnx');
      await writeFile(json, '{"not": "onnx"}');
      await expect(readOnnxSignature(json)).rejects.toBeInstanceOf(OnnxFormatError);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
