/**
 * Prompt → text-encoder hidden states, with A1111's emphasis and long-prompt rules: the prompt is parsed
 * for `(word:1.3)`-style weights and cut into chunks (tokenizer/chunks.ts); each chunk is encoded, each
 * token's hidden state multiplied by its weight and the chunk's mean restored (A1111's "Original"
 * emphasis, modules/sd_hijack_clip.py); chunks are concatenated along the sequence. A prompt without
 * weights in one chunk gives exactly the plain encoding.
 */
import type { LoadedModel } from '../models/model.ts';
import { chunkPrompt } from '../tokenizer/chunks.ts';
import type { F32Tensor } from '../types.ts';
import type { Embedding } from './cache.ts';

export async function encodePrompt(model: LoadedModel, text: string): Promise<Embedding> {
  const chunked = chunkPrompt(model.tokenizer, text, { maxChunks: model.info.maxPromptChunks });
  const hidden = await model.encodeText(chunked.chunks.map((c) => c.ids));
  const [n, length, width] = hidden.dims;
  if (chunked.weighted) {
    for (let k = 0; k < n; k++) emphasize(hidden.data.subarray(k * length * width, (k + 1) * length * width), chunked.chunks[k].weights, width);
  }
  const tensor: F32Tensor = { dtype: 'float32', dims: [1, n * length, width], data: hidden.data };
  return { tensor, truncated: chunked.truncated, tokenCount: chunked.tokenCount + 2, chunks: n };
}

/** z[i] *= w[i] per token, then z *= mean(z before) / mean(z after) (in place, one chunk [length, width]). */
function emphasize(z: Float32Array, weights: Float32Array, width: number): void {
  let before = 0;
  for (let i = 0; i < z.length; i++) before += z[i];
  let after = 0;
  for (let t = 0; t < weights.length; t++) {
    const w = weights[t];
    for (let j = t * width; j < (t + 1) * width; j++) {
      z[j] *= w;
      after += z[j];
    }
  }
  if (after === 0) return;
  const restore = before / after;
  for (let i = 0; i < z.length; i++) z[i] *= restore;
}

/**
 * Cond and uncond must have the same length to share a UNet batch: the shorter gets the empty prompt's
 * chunk appended until they match (A1111's pad_cond_uncond).
 */
export function padToLength(e: F32Tensor, length: number, empty: F32Tensor): F32Tensor {
  const [, have, width] = e.dims;
  if (have === length) return e;
  const chunk = empty.dims[1];
  const data = new Float32Array(length * width);
  data.set(e.data);
  for (let at = have; at < length; at += chunk) data.set(empty.data.subarray(0, Math.min(chunk, length - at) * width), at * width);
  return { dtype: 'float32', dims: [1, length, width], data };
}
