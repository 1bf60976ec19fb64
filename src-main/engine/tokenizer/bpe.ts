import { EngineError } from '../types.ts';

/** marks the last symbol of a word; CLIP's BPE vocabulary spells "cat" at a word end as "cat</w>" */
export const END_OF_WORD = '</w>';

const CACHE_LIMIT = 50_000;

/**
 * Parse a `merges.txt` (`#version: 0.2` header, then one "left right" pair per line, best first)
 * into pair keys "left right", best first.
 *
 * OpenAI CLIP and Hugging Face's CLIPTokenizer keep only the first 49152-256-2 = 48,894 merges of
 * `bpe_simple_vocab_16e6.txt.gz`, whose later lines make tokens that are not in the vocabulary.
 * Instead of hard-coding that count (our own trained model has another vocabulary), a merge is kept
 * only when the token it makes is in the vocabulary: for CLIP's file that is exactly the same cut,
 * because every merge is built from earlier ones.
 */
export function parseMerges(text: string, inVocab: (token: string) => boolean): string[] {
  const keys: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (i === 0 && line.startsWith('#version')) continue;
    // fast path: exactly one space between two non-empty symbols (every line of CLIP's file)
    const space = line.indexOf(' ');
    if (space > 0 && space < line.length - 1 && line.indexOf(' ', space + 1) < 0) {
      if (inVocab(line.replace(' ', ''))) keys.push(line);
      continue;
    }
    const parts = line.trim().split(/\s+/);
    if (parts.length === 1 && parts[0] === '') continue;
    if (parts.length !== 2) {
      throw new EngineError(
        'MODEL_INVALID',
        `merges.txt line ${i + 1} should hold two symbols separated by a space, got ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    if (inVocab(parts.join(''))) keys.push(parts.join(' '));
  }
  return keys;
}

/**
 * Byte-pair encoding of single words, the `bpe()` method of OpenAI CLIP's `simple_tokenizer.py`:
 * the word is split into symbols, the last one carrying `</w>`; then, repeatedly, the adjacent pair
 * with the best (lowest) merge rank is merged everywhere in the word, left to right, until no
 * adjacent pair has a rank. Results are cached per word.
 */
export class BytePairEncoder {
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, readonly string[]>();

  /** `mergeKeys`: "left right" pairs, best first (see parseMerges) */
  constructor(mergeKeys: readonly string[]) {
    // A repeated pair keeps its last rank, as Python's dict(zip(merges, range(...))) does.
    for (let rank = 0; rank < mergeKeys.length; rank++) this.ranks.set(mergeKeys[rank] as string, rank);
  }

  get mergeCount(): number {
    return this.ranks.size;
  }

  /** `word` is spelled in the byte alphabet (see bytes.ts); returns its BPE tokens */
  encode(word: string): readonly string[] {
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    const tokens = this.merge(word);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, tokens);
    return tokens;
  }

  private merge(word: string): string[] {
    // Byte symbols are single UTF-16 code units, so splitting by code unit is splitting by symbol.
    let symbols = word.split('');
    if (symbols.length === 0) return [];
    symbols[symbols.length - 1] += END_OF_WORD;
    while (symbols.length > 1) {
      let bestRank = Infinity;
      let bestAt = -1;
      for (let i = 0; i < symbols.length - 1; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestAt = i;
        }
      }
      if (bestAt < 0) break;
      const first = symbols[bestAt] as string;
      const second = symbols[bestAt + 1] as string;
      // bestAt is the first occurrence of the pair; merge it and every later one, left to right.
      const merged = symbols.slice(0, bestAt);
      for (let i = bestAt; i < symbols.length; ) {
        if (i < symbols.length - 1 && symbols[i] === first && symbols[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(symbols[i] as string);
          i += 1;
        }
      }
      symbols = merged;
    }
    return symbols;
  }
}
