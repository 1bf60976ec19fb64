/**
 * Shared by the edit-pipeline tests: images made through the fixtures' own linear VAE (so they are
 * exactly representable: constant on 8×8 blocks), PNG decoding, and small statistics.
 */
import sharp from 'sharp';
import { pixelsToRgb8 } from '../../../src-main/engine/imageio/convert.ts';
import type { Rgb8Image } from '../../../src-main/engine/imageio/convert.ts';
import { encodePng } from '../../../src-main/engine/imageio/png.ts';
import type { LoadedModel } from '../../../src-main/engine/models/model.ts';
import { Rng } from '../../../src-main/engine/runtime/rng.ts';
import type { F32Tensor } from '../../../src-main/engine/types.ts';

export { engineDenoiser, eulerPath, fixture, promptMean, truth } from '../pipelines/fixture-truth.ts';

/** PNG (or any image) bytes → RGB8 through sharp (alpha dropped). */
export async function pngToRgb8(png: Uint8Array): Promise<Rgb8Image> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** Latents [1, C, h, w] with values mean + std·N(0, 1) from a seeded generator. */
export function randomLatents(seed: number, dims: [number, number, number, number], std: number, mean: readonly number[] = []): F32Tensor {
  const [, c, h, w] = dims;
  const n = new Rng(seed).randn(c * h * w);
  const data = new Float32Array(c * h * w);
  for (let i = 0; i < data.length; i++) data[i] = (mean[Math.floor(i / (h * w))] ?? 0) + std * n[i];
  return { dtype: 'float32', dims, data };
}

/** An RGB8 image decoded from latents by the fixture VAE: constant on 8×8 blocks. */
export async function imageFromLatents(model: LoadedModel, latents: F32Tensor): Promise<Rgb8Image> {
  return pixelsToRgb8(await model.decode(latents))[0];
}

export async function rgbToPng(image: Rgb8Image): Promise<Buffer> {
  return encodePng(image);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A grayscale mask PNG: white inside the rectangle, black elsewhere. */
export async function rectMaskPng(width: number, height: number, rect: { x: number; y: number; w: number; h: number }): Promise<Buffer> {
  const data = new Uint8Array(width * height * 3);
  for (let y = rect.y; y < rect.y + rect.h; y++) for (let x = rect.x; x < rect.x + rect.w; x++) data.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return encodePng({ width, height, data });
}
