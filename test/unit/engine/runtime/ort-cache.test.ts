/**
 * ONNX Runtime's optimized-model cache on a real graph (the fixture UNet, external weights): the first
 * CPU session writes the optimized graph, the next loads it; the answers are the same; a changed model
 * folder gets a new entry; a damaged entry or an unwritable cache falls back to a plain load; the cache
 * keeps to its budget.
 */
import { cp, mkdir, mkdtemp, readdir, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ortCacheKey, trimOrtCache } from '../../../../src-main/engine/runtime/ort-cache.ts';
import { createSession, ortVersion } from '../../../../src-main/engine/runtime/ort.ts';
import type { OrtModel } from '../../../../src-main/engine/runtime/ort.ts';
import type { Tensor } from '../../../../src-main/engine/types.ts';

const FIXTURE = path.join(import.meta.dirname, '..', '..', '..', 'fixtures', 'models', 'sd15-script');
let tmp = '';
let unet = '';

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-ort-cache-'));
  await cp(FIXTURE, path.join(tmp, 'model'), { recursive: true });
  unet = path.join(tmp, 'model', 'unet', 'model.onnx');
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** Feeds for the UNet from its own input signature: batch 2, latents 8×8, fixed values. */
function feeds(model: OrtModel): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const io of model.inputs) {
    const fallback = io.name === 'sample' ? [2, 4, 8, 8] : io.name === 'timestep' ? [2] : [2, 7, 0];
    const dims = io.dims.map((d, i) => (typeof d === 'number' && d > 0 ? d : fallback[i]));
    const n = dims.reduce((a, b) => a * b, 1);
    if (io.type === 'int64') out[io.name] = { dtype: 'int64', dims, data: new BigInt64Array(n).fill(500n) };
    else out[io.name] = { dtype: 'float32', dims, data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37)) };
  }
  return out;
}

async function answer(model: OrtModel): Promise<Float32Array> {
  const result = await model.run(feeds(model));
  const first = Object.values(result)[0];
  return first.data as Float32Array;
}

const entries = async (dir: string): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).sort();

describe('optimized-model cache', () => {
  it('the first CPU load writes the optimized graph, the second loads it, and both answer the same', async () => {
    const cacheDir = path.join(tmp, 'cache-a');
    const plain = await createSession(unet, 'cpu');
    const reference = await answer(plain.model);
    await plain.model.release();

    const first = await createSession(unet, 'cpu', 'unet', { cacheDir });
    const [entry] = await entries(cacheDir);
    expect(entry).toMatch(/^[0-9a-f]{32}$/);
    expect(await entries(path.join(cacheDir, entry))).toEqual(['complete.json', 'model.onnx', 'weights.bin']);
    expect(Array.from(await answer(first.model))).toEqual(Array.from(reference));
    await first.model.release();

    const written = (await stat(path.join(cacheDir, entry, 'model.onnx'))).mtimeMs;
    const second = await createSession(unet, 'cpu', 'unet', { cacheDir });
    expect(await entries(cacheDir)).toEqual([entry]); // no second build
    expect((await stat(path.join(cacheDir, entry, 'model.onnx'))).mtimeMs).toBe(written);
    const again = await answer(second.model);
    for (let i = 0; i < again.length; i++) expect(Math.abs(again[i] - reference[i])).toBeLessThan(1e-5);
    await second.model.release();
  });

  it('a changed file in the model folder (new weights) gets a new entry', async () => {
    const before = await ortCacheKey(unet, 'cpu', ortVersion());
    expect(await ortCacheKey(unet, 'cpu', ortVersion())).toBe(before);
    const weights = path.join(path.dirname(unet), 'weights.pb');
    const later = new Date(Date.now() + 5000);
    await utimes(weights, later, later);
    expect(await ortCacheKey(unet, 'cpu', ortVersion())).not.toBe(before);
    expect(await ortCacheKey(unet, 'cpu', '0.0.0')).not.toBe(await ortCacheKey(unet, 'cpu', ortVersion()));
  });

  it('a damaged entry is rebuilt, and a cache folder that cannot be written only costs the cache', async () => {
    const cacheDir = path.join(tmp, 'cache-b');
    (await createSession(unet, 'cpu', 'unet', { cacheDir })).model.release();
    const [entry] = await entries(cacheDir);
    await truncate(path.join(cacheDir, entry, 'model.onnx'), 100);
    const rebuilt = await createSession(unet, 'cpu', 'unet', { cacheDir });
    expect((await answer(rebuilt.model)).length).toBeGreaterThan(0);
    await rebuilt.model.release();
    expect((await stat(path.join(cacheDir, entry, 'model.onnx'))).size).toBeGreaterThan(100);

    const blocked = path.join(tmp, 'not-a-folder');
    await writeFile(blocked, 'x');
    const plain = await createSession(unet, 'cpu', 'unet', { cacheDir: blocked });
    expect((await answer(plain.model)).length).toBeGreaterThan(0);
    await plain.model.release();
  });

  it('keeps to its budget: the least recently used entries go, never the one in use, and stale builds', async () => {
    const cacheDir = path.join(tmp, 'cache-c');
    const make = async (name: string, bytes: number, ageS: number): Promise<void> => {
      const dir = path.join(cacheDir, name);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'weights.bin'), Buffer.alloc(bytes));
      const t = new Date(Date.now() - ageS * 1000);
      await utimes(dir, t, t);
    };
    await make('old', 1000, 300);
    await make('middle', 1000, 200);
    await make('new', 1000, 100);
    await make('inuse', 1000, 400);
    await make('dead.123.abc.tmp', 10, 7200);
    const removed = await trimOrtCache(cacheDir, path.join(cacheDir, 'inuse'), 2500);
    expect(removed.sort()).toEqual(['dead.123.abc.tmp', 'middle', 'old']);
    expect(await entries(cacheDir)).toEqual(['inuse', 'new']);
  });
});
