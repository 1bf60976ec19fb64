/**
 * The optimized-model cache's build in a child process (runtime/ort-build.ts): the child writes the
 * optimized graph that a session then opens with the same answers; a model it cannot build gets ONNX
 * Runtime's words back; and when the child cannot run at all, the cache is still built (in this process).
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { buildInChild } from '../../../../src-main/engine/runtime/ort-build.ts';
import { createSession } from '../../../../src-main/engine/runtime/ort.ts';
import { PROBE_MODEL_BASE64 } from '../../../../src-main/engine/runtime/probe.ts';

let tmp = '';
const UNET = path.resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'models', 'reverie-tiny', 'unet', 'model.onnx');

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-ort-build-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('optimized-model cache builds in a child process', () => {
  it('writes the optimized graph, which opens and answers as the source does', async () => {
    const source = path.join(tmp, 'probe.onnx');
    await writeFile(source, Buffer.from(PROBE_MODEL_BASE64, 'base64'));
    const out = path.join(tmp, 'built', 'model.onnx');
    await mkdir(path.dirname(out), { recursive: true });
    const built = await buildInChild(source, out, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
    expect(built).toEqual({ ok: true, detail: 'the optimized graph was written' });
    const session = await InferenceSession.create(out, { graphOptimizationLevel: 'disabled' });
    const y = await session.run({ x: new Tensor('float32', Float32Array.of(1.5, -2), [2]) });
    expect(Array.from(y.y.data as Float32Array)).toEqual([2.25, 4]);
    await session.release();
  });

  it('answers a model it cannot build with ONNX Runtime\'s words, and a script that does not run with what it printed', async () => {
    const broken = path.join(tmp, 'broken.onnx');
    await writeFile(broken, 'not a model');
    const bad = await buildInChild(broken, path.join(tmp, 'never.onnx'), { executionProviders: ['cpu'] });
    expect(bad.ok).toBe(false);
    expect(bad.detail).toMatch(/protobuf|parse|load model/i);
    const gone = await buildInChild(broken, path.join(tmp, 'never.onnx'), { executionProviders: ['cpu'] }, path.join(tmp, 'no-such-script.mjs'));
    expect(gone.ok).toBe(false);
    expect(gone.detail).toMatch(/^the build process exited with code 1 without an answer: .*Cannot find module/);
  });

  it('builds the cache entry in this process when the child cannot run', async () => {
    const cacheDir = path.join(tmp, 'cache');
    const before = process.env.REVERIE_ORT_BUILD_SCRIPT;
    process.env.REVERIE_ORT_BUILD_SCRIPT = path.join(tmp, 'no-such-script.mjs');
    try {
      const created = await createSession(UNET, 'cpu', 'unet', { cacheDir });
      await created.model.release();
    } finally {
      if (before === undefined) delete process.env.REVERIE_ORT_BUILD_SCRIPT;
      else process.env.REVERIE_ORT_BUILD_SCRIPT = before;
    }
    const [entry] = await readdir(cacheDir);
    expect((await readdir(path.join(cacheDir, entry))).sort()).toEqual(['complete.json', 'model.onnx', 'weights.bin']);
  });
});
