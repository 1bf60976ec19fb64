#!/usr/bin/env node
// Runs the exported ONNX files with onnxruntime-node on the inputs PyTorch saved (export.py stage_verify)
// and prints, per model, the max absolute difference from PyTorch's outputs as JSON on stdout.
// Usage: node recipe/verify_onnx.mjs <model folder> <verify folder with manifest.json>
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(here, '..', '..', '..', 'package.json'));
const ort = require('onnxruntime-node');

const [modelDir, verifyDir] = process.argv.slice(2);
if (!modelDir || !verifyDir) {
  console.error('usage: node verify_onnx.mjs <model folder> <verify folder>');
  process.exit(2);
}
const manifest = JSON.parse(fs.readFileSync(path.join(verifyDir, 'manifest.json'), 'utf8'));

function load(entry) {
  const buf = fs.readFileSync(path.join(verifyDir, entry.file));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const data = entry.dtype === 'int32' ? new Int32Array(ab) : new Float32Array(ab);
  return new ort.Tensor(entry.dtype, data, entry.dims);
}

const report = {};
for (const [name, entry] of Object.entries(manifest)) {
  const session = await ort.InferenceSession.create(path.join(modelDir, name, 'model.onnx'), { intraOpNumThreads: 1 });
  const feeds = {};
  for (const [k, e] of Object.entries(entry.inputs)) feeds[k] = load(e);
  const t0 = performance.now();
  const result = await session.run(feeds);
  const ms = performance.now() - t0;
  let maxAbsDiff = 0;
  let maxAbsRef = 0;
  for (const [k, e] of Object.entries(entry.outputs)) {
    const ref = load(e).data;
    const got = result[k];
    if (got === undefined) throw new Error(`${name}: output ${k} missing; outputs are ${Object.keys(result).join(', ')}`);
    if (got.dims.join('x') !== e.dims.join('x')) throw new Error(`${name}.${k}: dims ${got.dims.join('x')}, PyTorch ${e.dims.join('x')}`);
    for (let i = 0; i < ref.length; i++) {
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got.data[i] - ref[i]));
      maxAbsRef = Math.max(maxAbsRef, Math.abs(ref[i]));
    }
  }
  const meta = (list) => list.map((m) => ({ name: m.name, type: m.type, shape: m.shape }));
  report[name] = {
    maxAbsDiff, maxAbsRef, ms: Math.round(ms),
    inputs: meta(session.inputMetadata ?? []), outputs: meta(session.outputMetadata ?? []),
  };
  await session.release();
}
process.stdout.write(JSON.stringify(report, null, 1) + '\n');
