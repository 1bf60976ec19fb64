/**
 * Keeping a model's once-per-image components apart (models/apart.ts): a large decode on the CPU closes
 * the text encoder first, the next encode closes the decoder and reopens the text encoder, and every
 * number is the one a model that keeps everything open gives. The policy itself on SD's facts.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LARGE_DECODE_BYTES, keepApart, mayKeepApart, readApartFacts } from '../../../../src-main/engine/models/apart.ts';
import type { ApartFacts } from '../../../../src-main/engine/models/apart.ts';
import { decoderBytesPerPixel, SD_VAE_CHANNELS } from '../../../../src-main/engine/models/memory-facts.ts';
import { LoadedModel } from '../../../../src-main/engine/models/model.ts';
import { liveSessionCount } from '../../../../src-main/engine/runtime/session.ts';
import type { F32Tensor } from '../../../../src-main/engine/types.ts';

const TINY = path.resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'models', 'reverie-tiny');
const MIB = 1024 * 1024;

describe('keeping components apart', () => {
  it('keeps a full-size SD model apart on the CPU from about 384² on, never on a GPU or with a small text encoder', () => {
    const sd: ApartFacts = { decoderBytesPerPixel: decoderBytesPerPixel(SD_VAE_CHANNELS), textEncoderBytes: 492 * MIB, vaeFactor: 8 };
    const latents = (side: number): number[] => [1, 4, side / 8, side / 8];
    expect(keepApart(sd, latents(512), 'cpu')).toBe(true);
    expect(keepApart(sd, latents(384), 'cpu')).toBe(true);
    expect(keepApart(sd, latents(256), 'cpu')).toBe(false);
    expect(keepApart(sd, latents(1024), 'cuda')).toBe(false);
    expect(keepApart({ ...sd, textEncoderBytes: 8 * MIB }, latents(1024), 'cpu')).toBe(false);
    expect(mayKeepApart(sd)).toBe(true);
    // the boundary is D × pixels
    expect(sd.decoderBytesPerPixel * 384 * 384).toBeGreaterThanOrEqual(LARGE_DECODE_BYTES);
    expect(sd.decoderBytesPerPixel * 352 * 352).toBeLessThan(LARGE_DECODE_BYTES);
  });

  it('reads the facts from the folder: the tiny model\'s text encoder is not worth reopening', async () => {
    const facts = await readApartFacts(TINY, 8);
    expect(facts.textEncoderBytes).toBeGreaterThan(0);
    expect(facts.textEncoderBytes).toBeLessThan(1024 * 1024);
    expect(facts.decoderBytesPerPixel).toBeGreaterThan(0);
    expect(mayKeepApart(facts)).toBe(false);
  });

  it('closes the text encoder and the VAE encoder for a large decode and the decoder for the next encode, with the same numbers', async () => {
    const kept = await LoadedModel.load(TINY, { provider: 'cpu' });
    const image = kept.info.sizeStep;
    const pixels: F32Tensor = { dtype: 'float32', dims: [1, 3, image, image], data: Float32Array.from({ length: 3 * image * image }, (_, i) => Math.cos(i) * 0.5) };
    await kept.encode(pixels); // the reference model's VAE encoder open before counting
    const before = liveSessionCount();
    // every decode of the tiny model counts as large
    const model = await LoadedModel.load(TINY, { provider: 'cpu', apart: { decoderBytesPerPixel: 1e9, textEncoderBytes: 1e9, vaeFactor: kept.info.vaeFactor } });
    const opened = liveSessionCount() - before; // text encoder, UNet, decoder
    const open = (): number => liveSessionCount() - before;
    try {
      const ids = [kept.tokenizer.encodePadded('a red apple').ids];
      const side = kept.info.sizeStep / kept.info.vaeFactor;
      const n = kept.info.latentChannels * side * side;
      const latents: F32Tensor = { dtype: 'float32', dims: [1, kept.info.latentChannels, side, side], data: Float32Array.from({ length: n }, (_, i) => Math.sin(i)) };
      for (let round = 0; round < 2; round++) {
        expect(Array.from((await model.encodeText(ids)).data)).toEqual(Array.from((await kept.encodeText(ids)).data));
        expect(open()).toBe(round === 0 ? opened : opened - 1); // from round 1 on the decoder closed first
        expect(Array.from((await model.encode(pixels)).data)).toEqual(Array.from((await kept.encode(pixels)).data));
        expect(open()).toBe(round === 0 ? opened + 1 : opened); // the VAE encoder opened
        expect(Array.from((await model.decode(latents)).data)).toEqual(Array.from((await kept.decode(latents)).data));
        expect(open()).toBe(opened - 1); // both encoders closed, the decoder open
      }
    } finally {
      await model.dispose();
      await kept.dispose();
    }
    expect(liveSessionCount()).toBe(before - opened - 1);
  });
});
