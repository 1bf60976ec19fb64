/**
 * A prompt's tokens as the text encoder receives them, for the Process tab's Pipeline view: every id
 * of every chunk row (BOS, the prompt's tokens, EOS, padding) with its text and emphasis weight, and
 * the tokens that did not fit (the cut tail). The ids are chunkPrompt's, the very rows that
 * pipelines/conditioning.ts encodes, so what is shown is what the encoder saw.
 */
import { chunkPrompt } from '../tokenizer/chunks.ts';
import { parsePromptAttention } from '../tokenizer/attention.ts';
import type { PromptPiece } from '../tokenizer/attention.ts';
import { BOS_TOKEN, EOS_TOKEN, decodeTokens } from '../tokenizer/clip-bpe.ts';
import type { ClipTokenizer } from '../tokenizer/clip-bpe.ts';
import { extractExtraNetworks } from '../tokenizer/extra-networks.ts';

export type TokenRole = 'bos' | 'token' | 'eos' | 'pad';

export interface ListedToken {
  readonly id: number;
  /** readable text of the token ("cat", "," ...); BOS/EOS by name */
  readonly text: string;
  readonly role: TokenRole;
  /** emphasis weight, (word:1.3) → 1.3 */
  readonly weight: number;
}

export interface TokenListing {
  /** one row per text-encoder window, each of the encoder's length */
  readonly rows: ListedToken[][];
  /** the prompt's tokens (without BOS/EOS), all of them, also those cut */
  readonly tokenCount: number;
  /** the tokens past the last window the model takes, in order */
  readonly cut: { readonly id: number; readonly text: string }[];
}

/** The prompt's tokens in order with their text (the same pieces chunkPrompt tokenizes). */
function promptTokens(tokenizer: ClipTokenizer, prompt: string): { id: number; text: string }[] {
  const out: { id: number; text: string }[] = [];
  for (const piece of parsePromptAttention(extractExtraNetworks(prompt).text) as PromptPiece[]) {
    if ('break' in piece) continue;
    const { ids, tokens } = tokenizer.encodeText(piece.text);
    ids.forEach((id, k) => out.push({ id, text: decodeTokens([tokens[k]]).trim() }));
  }
  return out;
}

export function listPromptTokens(tokenizer: ClipTokenizer, prompt: string, maxChunks: number): TokenListing {
  const chunked = chunkPrompt(tokenizer, prompt, { maxChunks });
  const all = promptTokens(tokenizer, prompt);
  let next = 0;
  const rows = chunked.chunks.map((chunk) => {
    const row = Array.from(chunk.ids, (id, k): ListedToken => {
      const weight = chunk.weights[k];
      if (k === 0) return { id, text: BOS_TOKEN, role: 'bos', weight };
      if (k <= chunk.count) return { id, text: all[next + k - 1]?.text ?? '', role: 'token', weight };
      if (k === chunk.count + 1) return { id, text: EOS_TOKEN, role: 'eos', weight };
      return { id, text: tokenizer.padToken, role: 'pad', weight };
    });
    next += chunk.count;
    return row;
  });
  return { rows, tokenCount: chunked.tokenCount, cut: all.slice(next) };
}
