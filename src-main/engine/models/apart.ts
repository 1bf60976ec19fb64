/**
 * Which of a model's once-per-image components may stay open side by side. A full-size model on the CPU
 * holds its text encoder's weights (SD 1.5: 340 MiB of them prepacked) and, after a large decode, its
 * VAE decoder's working memory (ONNX Runtime's arena keeps what it grew: 1.0 GiB after a 512² decode),
 * and both stayed beside the UNet: a 512² SD 1.5 image peaked at 1.31× the weights. Kept apart, the text
 * encoders (and the VAE encoder of img2img, with its own arena) are closed before a large decode, and the
 * decoder before the next prompt or image is encoded; each is
 * reopened from the optimized-model cache when it is needed again (the text encoder without prepacking:
 * it opens in ~0.13 s instead of 1.5 s and encodes ~20 ms slower; a decoder in tens of milliseconds, and
 * its first decode is as fast as a kept one's). Small decodes keep everything open, as before.
 */
import { componentBytes, decoderBytesPerPixel, vaeChannels } from './memory-facts.ts';

/**
 * A decode is large when D × pixels reaches this (D: bytes per output pixel of one activation at every
 * VAE decoder level, memory-facts.ts): SD's VAE from about 384² on (928 B/px). ONNX Runtime's arena after a
 * decode is ~4.4 D × pixels (SD 1.5 at 512²: 1026 MiB).
 */
export const LARGE_DECODE_BYTES = 128 * 1024 * 1024;
/** Text encoders smaller than this are not worth reopening (reverie-mini's are a few MiB). */
export const LARGE_TEXT_ENCODER_BYTES = 64 * 1024 * 1024;

export interface ApartFacts {
  /** memory-facts.ts decoderBytesPerPixel of the folder's VAE */
  readonly decoderBytesPerPixel: number;
  /** the text encoders' files, in bytes */
  readonly textEncoderBytes: number;
  /** VAE spatial factor: a latent pixel is factor² image pixels */
  readonly vaeFactor: number;
}

/** What the policy needs from a model folder. */
export async function readApartFacts(dir: string, vaeFactor: number): Promise<ApartFacts> {
  const textEncoderBytes = await componentBytes(dir, ['text_encoder', 'text_encoder_2']);
  return { decoderBytesPerPixel: decoderBytesPerPixel(await vaeChannels(dir)), textEncoderBytes, vaeFactor };
}

/** Whether some decode may keep this model's components apart: its text encoders are worth reopening (they open without prepacking then). */
export function mayKeepApart(facts: ApartFacts): boolean {
  return facts.textEncoderBytes >= LARGE_TEXT_ENCODER_BYTES;
}

/**
 * Whether decoding latents [B, C, h, w] on `provider` should close the text encoders first (and the
 * decoder be closed before the next encode): a large decode on the CPU of a model whose text encoders
 * are worth reopening.
 */
export function keepApart(facts: ApartFacts, latentDims: readonly number[], provider: string): boolean {
  if (provider !== 'cpu' || !mayKeepApart(facts)) return false;
  const pixels = (latentDims[2] ?? 0) * (latentDims[3] ?? 0) * facts.vaeFactor ** 2;
  return facts.decoderBytesPerPixel * pixels >= LARGE_DECODE_BYTES;
}
