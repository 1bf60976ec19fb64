/**
 * Long prompts in chunks, as A1111 does (modules/sd_hijack_clip.py, `tokenize_line`): the prompt's
 * tokens, each with its emphasis weight (attention.ts), are cut into chunks of the text encoder's window
 * minus BOS and EOS (75 for CLIP); each chunk is encoded on its own and the hidden states are concatenated
 * along the sequence. A chunk that fills up breaks after its last comma when that comma is at most
 * `commaBacktrack` tokens back (A1111's "comma padding backtrack", default 20), and BREAK ends a chunk.
 * Rows are laid out as the engine always has: BOS, tokens, EOS, then the tokenizer's pad id.
 */
import type { PromptPiece } from './attention.ts';
import { parsePromptAttention } from './attention.ts';
import type { ClipTokenizer } from './clip-bpe.ts';
import { extractExtraNetworks } from './extra-networks.ts';

export interface PromptChunk {
  /** text-encoder row: BOS, up to chunkLength tokens, EOS, padding (length chunkLength + 2) */
  readonly ids: Int32Array;
  /** emphasis weight per position (1 for BOS, EOS and padding) */
  readonly weights: Float32Array;
  /** the prompt's tokens in this row (they sit at 1 … count, EOS at count + 1) */
  readonly count: number;
}

export interface ChunkedPrompt {
  readonly chunks: PromptChunk[];
  /** the prompt's tokens without BOS/EOS, all chunks */
  readonly tokenCount: number;
  /** tokens per chunk (the encoder's window minus BOS and EOS) */
  readonly chunkLength: number;
  /** more chunks than maxChunks: the rest was dropped */
  readonly truncated: boolean;
  /** some token has a weight other than 1 */
  readonly weighted: boolean;
}

export interface ChunkOptions {
  /** chunks the model takes at most (a UNet with a fixed context length takes 1) */
  readonly maxChunks: number;
  readonly commaBacktrack?: number;
}

const COMMA_BACKTRACK = 20;

export function chunkPrompt(tokenizer: ClipTokenizer, prompt: string, opts: ChunkOptions): ChunkedPrompt {
  const chunkLength = tokenizer.maxLength - 2;
  const comma = tokenizer.encodeText(',').ids[0];
  // with room for one chunk only nothing moves to a next chunk, so keep as many tokens as fit
  const backtrack = opts.maxChunks > 1 ? (opts.commaBacktrack ?? COMMA_BACKTRACK) : 0;
  const rows: { tokens: number[]; weights: number[] }[] = [];
  let tokens: number[] = [];
  let weights: number[] = [];
  let lastComma = -1;
  let tokenCount = 0;
  let weighted = false;
  const close = (): void => {
    rows.push({ tokens, weights });
    tokens = [];
    weights = [];
    lastComma = -1;
  };
  // <lora:name:weight> tags choose networks; they are not text for the encoder
  for (const piece of parsePromptAttention(extractExtraNetworks(prompt).text) as PromptPiece[]) {
    if ('break' in piece) {
      close();
      continue;
    }
    if (piece.weight !== 1) weighted = true;
    for (const id of tokenizer.encodeText(piece.text).ids) {
      tokenCount++;
      if (id === comma) lastComma = tokens.length;
      else if (backtrack > 0 && tokens.length === chunkLength && lastComma !== -1 && tokens.length - lastComma <= backtrack) {
        const cut = lastComma + 1;
        const movedTokens = tokens.slice(cut);
        const movedWeights = weights.slice(cut);
        tokens = tokens.slice(0, cut);
        weights = weights.slice(0, cut);
        close();
        tokens = movedTokens;
        weights = movedWeights;
      }
      if (tokens.length === chunkLength) close();
      tokens.push(id);
      weights.push(piece.weight);
    }
  }
  if (tokens.length > 0 || rows.length === 0) close();
  const kept = rows.slice(0, Math.max(1, opts.maxChunks));
  const chunks = kept.map((r) => {
    const ids = new Int32Array(chunkLength + 2).fill(tokenizer.padId);
    const w = new Float32Array(chunkLength + 2).fill(1);
    ids[0] = tokenizer.bosId;
    ids.set(r.tokens, 1);
    w.set(r.weights, 1);
    ids[r.tokens.length + 1] = tokenizer.eosId;
    return { ids, weights: w, count: r.tokens.length };
  });
  return { chunks, tokenCount, chunkLength, truncated: rows.length > kept.length, weighted };
}
