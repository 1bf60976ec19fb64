import { EngineError } from '../types.ts';
import { BytePairEncoder, parseMerges } from './bpe.ts';
import { decodeTokens, toByteSymbols } from './bytes.ts';
import { cleanPrompt, WHITESPACE } from './clean.ts';
import { readTokenizerFolder } from './load.ts';

/**
 * CLIP's byte-level BPE tokenizer, the text front end of Stable Diffusion. Reproduces OpenAI CLIP's
 * `clip/simple_tokenizer.py` (and Hugging Face's `CLIPTokenizer`, which follows it):
 *   clean (ftfy subset, HTML unescape, whitespace collapse, lower case: clean.ts)
 *   → split into pieces with CLIP's regex → spell each piece in the byte alphabet (bytes.ts)
 *   → BPE with merge ranks (bpe.ts) → look the tokens up in vocab.json
 *   → <|startoftext|> ... <|endoftext|>, cut to maxLength, padded for the text encoder.
 */

export { decodeTokens };

export const BOS_TOKEN = '<|startoftext|>';
export const EOS_TOKEN = '<|endoftext|>';
/** CLIP's context length (`clip.tokenize(context_length=77)`), used when the folder gives none */
export const DEFAULT_MAX_LENGTH = 77;

/** With BOS and EOS, before padding, cut to maxLength (EOS kept last). */
export interface Tokenization {
  ids: number[];
  tokens: string[];
  truncated: boolean;
}

export interface ClipTokenizerOptions {
  /** ids per sequence including BOS and EOS; default 77 */
  maxLength?: number;
  /** token whose id fills the padding; default "<|endoftext|>" (SD 1.x); SD 2.x folders say "!" */
  padToken?: string;
  /** id for a BPE token missing from the vocabulary; default "<|endoftext|>" as in CLIPTokenizer */
  unkToken?: string;
}

/** own-property lookup, so tokens like "constructor" never reach Object.prototype */
function idOf(vocab: Readonly<Record<string, number>>, token: string): number | undefined {
  return Object.hasOwn(vocab, token) ? vocab[token] : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `self.pat` of simple_tokenizer.py, with re.IGNORECASE: the special tokens, English contractions,
 * runs of letters, single digits, runs of anything else that is not whitespace.
 */
const PIECES = new RegExp(
  `${escapeRegExp(BOS_TOKEN)}|${escapeRegExp(EOS_TOKEN)}|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^${WHITESPACE}\\p{L}\\p{N}]+`,
  'giu',
);

export class ClipTokenizer {
  readonly maxLength: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly padToken: string;
  readonly unkId: number;
  readonly vocabSize: number;

  private constructor(
    private readonly vocab: Readonly<Record<string, number>>,
    private readonly bpe: BytePairEncoder,
    ids: { bos: number; eos: number; pad: number; unk: number },
    maxLength: number,
    padToken: string,
  ) {
    this.bosId = ids.bos;
    this.eosId = ids.eos;
    this.padId = ids.pad;
    this.unkId = ids.unk;
    this.maxLength = maxLength;
    this.padToken = padToken;
    this.vocabSize = Object.keys(vocab).length;
  }

  /** Load vocab.json + merges.txt (+ optional tokenizer_config.json, special_tokens_map.json). */
  static async fromFolder(tokenizerDir: string): Promise<ClipTokenizer> {
    const data = await readTokenizerFolder(tokenizerDir);
    try {
      return ClipTokenizer.fromData(data.vocab, data.merges, {
        maxLength: data.maxLength,
        padToken: data.padToken,
        unkToken: data.unkToken,
      });
    } catch (err) {
      if (err instanceof EngineError) {
        throw new EngineError(err.code, `${err.message} (tokenizer folder ${tokenizerDir})`, err.details);
      }
      throw err;
    }
  }

  /** `vocab` is used as it is, not copied: do not change it afterwards. */
  static fromData(vocab: Record<string, number>, merges: string, options: ClipTokenizerOptions = {}): ClipTokenizer {
    const lookup = (token: string, role: string): number => {
      const id = idOf(vocab, token);
      if (id === undefined) {
        throw new EngineError(
          'MODEL_INVALID',
          `the tokenizer vocabulary has no ${role} token ${JSON.stringify(token)}; is this a CLIP vocab.json?`,
        );
      }
      return id;
    };
    const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
    if (!Number.isInteger(maxLength) || maxLength < 2) {
      throw new EngineError('BAD_INPUT', `maxLength must be an integer of at least 2 (room for BOS and EOS), got ${maxLength}`);
    }
    const padToken = options.padToken ?? EOS_TOKEN;
    const ids = {
      bos: lookup(BOS_TOKEN, 'start'),
      eos: lookup(EOS_TOKEN, 'end'),
      pad: lookup(padToken, 'pad'),
      unk: lookup(options.unkToken ?? EOS_TOKEN, 'unknown'),
    };
    const bpe = new BytePairEncoder(parseMerges(merges, (token) => Object.hasOwn(vocab, token)));
    return new ClipTokenizer(vocab, bpe, ids, maxLength, padToken);
  }

  /** BOS, the prompt's tokens, EOS; at most maxLength ids, EOS always last. */
  tokenize(text: string): Tokenization {
    const room = this.maxLength - 2;
    const body = this.encodeText(text, room + 1);
    const kept = Math.min(room, body.ids.length);
    return {
      ids: [this.bosId, ...body.ids.slice(0, kept), this.eosId],
      tokens: [BOS_TOKEN, ...body.tokens.slice(0, kept), EOS_TOKEN],
      truncated: body.ids.length > room,
    };
  }

  /** The text encoder's `input_ids` row: length maxLength, padded with padId; tokenCount counts BOS and EOS. */
  encodePadded(text: string): { ids: Int32Array; truncated: boolean; tokenCount: number } {
    const { ids, truncated } = this.tokenize(text);
    const padded = new Int32Array(this.maxLength).fill(this.padId);
    padded.set(ids);
    return { ids: padded, truncated, tokenCount: ids.length };
  }

  /** How many tokens the whole prompt has, without BOS/EOS and without truncation (for "80/75" counters). */
  countTokens(text: string): number {
    return this.encodeText(text).ids.length;
  }

  /**
   * The prompt's tokens without BOS/EOS and without truncation, e.g. to show which words fall past
   * the limit: `decodeTokens(encodeText(p).tokens.slice(maxLength - 2))`. Stops early once
   * `limit` tokens are found (the last word may take it a little past `limit`).
   */
  encodeText(text: string, limit = Infinity): { ids: number[]; tokens: string[] } {
    const ids: number[] = [];
    const tokens: string[] = [];
    for (const match of cleanPrompt(text).matchAll(PIECES)) {
      const piece = match[0];
      if (piece === BOS_TOKEN || piece === EOS_TOKEN) {
        // typed special tokens stay whole, as in simple_tokenizer's pre-filled cache
        tokens.push(piece);
        ids.push(piece === BOS_TOKEN ? this.bosId : this.eosId);
      } else {
        for (const token of this.bpe.encode(toByteSymbols(piece))) {
          tokens.push(token);
          ids.push(idOf(this.vocab, token) ?? this.unkId);
        }
      }
      if (ids.length >= limit) break;
    }
    return { ids, tokens };
  }
}
