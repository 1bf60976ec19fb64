/**
 * Prompt → text-encoder hidden states, with A1111's emphasis and long-prompt rules: the prompt is parsed
 * for `(word:1.3)`-style weights and cut into chunks (tokenizer/chunks.ts); each chunk is encoded, each
 * token's hidden state multiplied by its weight and the chunk's mean restored (A1111's "Original"
 * emphasis, modules/sd_hijack_clip.py); chunks are concatenated along the sequence. A prompt without
 * weights in one chunk gives exactly the plain encoding.
 *
 * SDXL (diffusers' pipeline_stable_diffusion_xl.py `encode_prompt`; A1111 runs its chunking and emphasis
 * on each encoder alike): the prompt is chunked by each encoder's own tokenizer (tokenizer_2 pads with
 * its own token), each chunk's penultimate hidden states of text_encoder and text_encoder_2 are
 * emphasized per encoder and joined along the feature axis (768 + 1280 = 2048), and the pooled
 * `text_embeds` is text_encoder_2's of the first chunk (A1111's sd_hijack_clip returns `zs[0].pooled`).
 */
import type { AddedConditioning, LoadedModel } from '../models/model.ts';
import { resolvedSizeConditioning } from '../imageio/sdxl-size.ts';
import type { SizeConditioning } from '../imageio/sdxl-size.ts';
import { chunkPrompt } from '../tokenizer/chunks.ts';
import type { ChunkedPrompt } from '../tokenizer/chunks.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';
import type { Embedding } from './cache.ts';

export async function encodePrompt(model: LoadedModel, text: string): Promise<Embedding> {
  const maxChunks = model.info.maxPromptChunks;
  const chunked = chunkPrompt(model.tokenizer, text, { maxChunks });
  const hidden = emphasized(await model.encodeText(chunked.chunks.map((c) => c.ids)), chunked);
  const [n, length, width] = hidden.dims;
  const summary = { truncated: chunked.truncated, tokenCount: chunked.tokenCount + 2, chunks: n };
  if (!model.tokenizer2) return { tensor: { dtype: 'float32', dims: [1, n * length, width], data: hidden.data }, ...summary };
  const chunked2 = chunkPrompt(model.tokenizer2, text, { maxChunks });
  if (chunked2.chunks.length !== n) {
    throw new EngineError('MODEL_INVALID', `tokenizer and tokenizer_2 cut the prompt into ${n} and ${chunked2.chunks.length} chunks; an SDXL folder's two tokenizers must share their vocabulary`);
  }
  const second = await model.encodeText2(chunked2.chunks.map((c) => c.ids));
  const hidden2 = emphasized(second.hidden, chunked2);
  if (!second.pooled || hidden2.dims[1] !== length) {
    throw new EngineError('MODEL_INVALID', `text_encoder_2 gave hidden states [${hidden2.dims.join(', ')}] for text_encoder's [${hidden.dims.join(', ')}]${second.pooled ? '' : ' and no text_embeds'}`);
  }
  const joined = joinFeatures(hidden, hidden2);
  const pooledWidth = second.pooled.dims[1];
  const pooled: F32Tensor = { dtype: 'float32', dims: [1, pooledWidth], data: second.pooled.data.slice(0, pooledWidth) };
  return { tensor: { dtype: 'float32', dims: [1, n * length, joined.dims[2]], data: joined.data }, pooled, ...summary };
}

/** A1111's emphasis on each chunk of [n, length, width] hidden states (in place), when the prompt has weights. */
function emphasized(hidden: F32Tensor, chunked: ChunkedPrompt): F32Tensor {
  const [n, length, width] = hidden.dims;
  if (chunked.weighted) {
    for (let k = 0; k < n; k++) emphasize(hidden.data.subarray(k * length * width, (k + 1) * length * width), chunked.chunks[k].weights, width);
  }
  return hidden;
}

/** [n, L, H₁] ‖ [n, L, H₂] → [n, L, H₁ + H₂] (torch.concat(prompt_embeds_list, dim=-1)). */
export function joinFeatures(a: F32Tensor, b: F32Tensor): F32Tensor {
  const [n, length, w1] = a.dims;
  const w2 = b.dims[2];
  const data = new Float32Array(n * length * (w1 + w2));
  for (let row = 0; row < n * length; row++) {
    data.set(a.data.subarray(row * w1, (row + 1) * w1), row * (w1 + w2));
    data.set(b.data.subarray(row * w2, (row + 1) * w2), row * (w1 + w2) + w1);
  }
  return { dtype: 'float32', dims: [n, length, w1 + w2], data };
}

/**
 * SDXL's size ids for one image (diffusers' `_get_add_time_ids`: original_size + crops_coords_top_left +
 * target_size, each height first) — [1, 6] = (original h, w, crop top, left, target h, w). Left out,
 * original and target are the run's own size and the crop is 0, 0 (imageio/sdxl-size.ts).
 */
export function sizeIds(width: number, height: number, sc?: SizeConditioning): F32Tensor {
  const { originalSize: o, cropTopLeft: c, targetSize: t } = resolvedSizeConditioning(sc, width, height);
  return { dtype: 'float32', dims: [1, 6], data: Float32Array.from([o.height, o.width, c.y, c.x, t.height, t.width]) };
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

/** An empty negative prompt under force_zeros_for_empty_prompt: zeros for the hidden states and text_embeds, shaped like `like`. */
export function zeroEmbedding(like: Embedding): Embedding {
  const zeros = (t: F32Tensor): F32Tensor => ({ dtype: 'float32', dims: [...t.dims], data: new Float32Array(t.data.length) });
  return { tensor: zeros(like.tensor), ...(like.pooled ? { pooled: zeros(like.pooled) } : {}), truncated: false, tokenCount: 2, chunks: like.chunks };
}

/**
 * SDXL's added conditioning of prompt and negative prompt at one image size (the size ids are the same
 * for both, as diffusers does when no negative_* sizes are given).
 */
export function addedConditioning(cond: Embedding, uncond: Embedding | null, width: number, height: number, sc?: SizeConditioning): { cond: AddedConditioning; uncond: AddedConditioning | null } {
  const timeIds = sizeIds(width, height, sc);
  const of = (e: Embedding): AddedConditioning => {
    if (!e.pooled) throw new EngineError('INTERNAL', 'an SDXL prompt embedding lacks its pooled text_embeds');
    return { textEmbeds: e.pooled, timeIds };
  };
  return { cond: of(cond), uncond: uncond && of(uncond) };
}

/**
 * The same added conditioning at another size (the hires fix's second pass): the sizes the user gave
 * are kept, those left out follow the new size (as A1111 does, which conditions each pass on its own size).
 */
export function resizedAdded(added: { cond: AddedConditioning; uncond: AddedConditioning | null }, width: number, height: number, sc?: SizeConditioning): { cond: AddedConditioning; uncond: AddedConditioning | null } {
  const timeIds = sizeIds(width, height, sc);
  return { cond: { ...added.cond, timeIds }, uncond: added.uncond && { ...added.uncond, timeIds } };
}
