/**
 * The preview thread (imageio/preview-thread.ts): a real worker_threads Worker running preview-worker.ts
 * under tsx. Its PNGs must be the bytes the JavaScript thread would encode, item by item, x previews
 * (c_in-scaled) included, in the order they were asked for.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { latentItemPreviewRgb8 } from '../../../../src-main/engine/imageio/convert.ts';
import type * as ConvertModule from '../../../../src-main/engine/imageio/convert.ts';
import { encodePng } from '../../../../src-main/engine/imageio/png.ts';
import { previewWorkerBeside, renderPreviewPng } from '../../../../src-main/engine/imageio/preview-thread.ts';
import type { PreviewReply, PreviewRequest } from '../../../../src-main/engine/imageio/preview-thread.ts';
import { Rng } from '../../../../src-main/engine/runtime/rng.ts';
import type { F32Tensor } from '../../../../src-main/engine/types.ts';

// this thread's renderer, counted: the previews must be rendered by the worker, which loads its own copy
vi.mock('../../../../src-main/engine/imageio/convert.ts', async (importOriginal) => {
  const real = await importOriginal<typeof ConvertModule>();
  return { ...real, latentItemPreviewRgb8: vi.fn(real.latentItemPreviewRgb8) };
});

const FACTORS = { weights: [[0.3, 0.1, 0], [0.1, 0.3, 0.1], [0, 0.1, 0.3], [0.1, 0, 0.1]], bias: [0.05, -0.02, 0] };

function latents(batch: number, h: number, w: number, seed = 3): F32Tensor {
  return { dtype: 'float32', dims: [batch, 4, h, w], data: new Rng(seed).randn(batch * 4 * h * w).map((v) => v * 2) };
}

describe('preview thread', () => {
  it('renders on its thread the bytes this thread would, for every item, x̂₀ and c_in-scaled x alike, in order', async () => {
    const lat = latents(3, 12, 20);
    const asked = [
      { item: 0, scale: 1 },
      { item: 2, scale: 1 },
      { item: 1, scale: 1 / Math.sqrt(14.6 ** 2 + 1) },
      { item: 2, scale: 0.5 },
    ];
    vi.mocked(latentItemPreviewRgb8).mockClear();
    const got = await Promise.all(asked.map((a) => renderPreviewPng(lat, FACTORS, a.item, a.scale)));
    expect(vi.mocked(latentItemPreviewRgb8)).not.toHaveBeenCalled(); // rendered on the preview thread
    for (const [k, a] of asked.entries()) {
      const expected = await encodePng(latentItemPreviewRgb8(lat, FACTORS, a.item, a.scale));
      expect(got[k].equals(expected)).toBe(true);
    }
    const meta = await sharp(got[0]).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([20, 12, 'png']);
    // the items differ, so the comparison above could fail
    expect(got[0].equals(got[1])).toBe(false);
  });

  it('copies the item at once: the caller may overwrite its latents while the preview renders', async () => {
    const lat = latents(1, 8, 8, 5);
    const expected = await encodePng(latentItemPreviewRgb8(lat, FACTORS, 0));
    const png = renderPreviewPng(lat, FACTORS, 0);
    lat.data.fill(0); // the sampler's next in-place update
    expect((await png).equals(expected)).toBe(true);
  });

  it('refuses an item outside the batch and factors that do not fit the channels', async () => {
    const lat = latents(2, 4, 4);
    await expect(renderPreviewPng(lat, FACTORS, 2)).rejects.toThrow('batch item 2 is outside latents [2, 4, 4, 4]');
    await expect(renderPreviewPng(lat, { weights: FACTORS.weights.slice(0, 3), bias: [0, 0, 0] }, 0)).rejects.toThrow('3 factor rows');
  });

  it('the worker itself answers with the PNG, or with the reason it could not render', async () => {
    const w = new Worker(previewWorkerBeside(path.resolve('src-main', 'engine', 'imageio', 'preview-thread.ts')));
    const replies: PreviewReply[] = [];
    const received = (n: number): Promise<void> =>
      new Promise((resolve, reject) => {
        w.on('message', (r: PreviewReply) => {
          replies.push(r);
          if (replies.length === n) resolve();
        });
        w.on('error', reject);
      });
    try {
      const lat = latents(1, 6, 10, 9);
      const good: PreviewRequest = { id: 7, dims: [1, 4, 6, 10], data: lat.data, factors: FACTORS, scale: 0.25 };
      const bad: PreviewRequest = { id: 8, dims: [1, 4, 6, 10], data: lat.data, factors: { weights: [[1, 1, 1]], bias: [0, 0, 0] }, scale: 1 };
      const both = received(2);
      w.postMessage(good);
      w.postMessage(bad);
      await both;
      const byId = new Map(replies.map((r) => [r.id, r]));
      const ok = byId.get(7);
      expect(ok && 'png' in ok).toBe(true);
      if (ok && 'png' in ok) expect(Buffer.from(ok.png).equals(await encodePng(latentItemPreviewRgb8(lat, FACTORS, 0, 0.25)))).toBe(true);
      const failed = byId.get(8);
      expect(failed && 'error' in failed ? failed.error : '').toContain('1 factor rows');
    } finally {
      await w.terminate();
    }
  });

  it('finds its script beside the sources (under tsx) or beside a bundle, unpacked from app.asar', () => {
    expect(previewWorkerBeside(path.join('/x', 'src-main', 'engine', 'imageio', 'preview-thread.ts'))).toBe(path.join('/x', 'src-main', 'engine', 'imageio', 'preview-worker-tsx.mjs'));
    expect(previewWorkerBeside(path.join('/opt', 'Reverie', 'resources', 'app.asar', 'dist', 'main', 'engine-worker.cjs'))).toBe(
      path.join('/opt', 'Reverie', 'resources', 'app.asar.unpacked', 'dist', 'main', 'preview-worker.cjs'),
    );
  });
});
