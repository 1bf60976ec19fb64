/**
 * Which words of a prompt the model does not know, and what to use instead: first the model's own
 * table of related words ("submarine" → ship, sailboat), then the nearest spellings ("elefant" →
 * elephant). Known phrases ("hot dog", "four leaf clover") are matched longest first.
 */
import { spellingSuggestions } from './spelling.ts';
import type { VocabularyIndex } from './vocabulary.ts';
import { promptWords } from './words.ts';
import type { Word } from './words.ts';

export interface UnknownWord {
  /** as written in the prompt */
  word: string;
  start: number;
  end: number;
  suggestions: string[];
  /** where the suggestions come from */
  source: 'related' | 'spelling' | 'none';
}

/** The word without a possessive or a plural ending, for the related table. */
function stems(word: string): string[] {
  const out = [word];
  if (word.endsWith("'s")) out.push(word.slice(0, -2));
  if (word.endsWith('ies')) out.push(`${word.slice(0, -3)}y`);
  if (word.endsWith('es')) out.push(word.slice(0, -2));
  if (word.endsWith('s')) out.push(word.slice(0, -1));
  return out;
}

function isKnownWord(word: string, index: VocabularyIndex): boolean {
  if (index.words.has(word) || (word.endsWith("'s") && index.words.has(word.slice(0, -2)))) return true;
  if (!word.includes('-')) return false;
  // "fire-engine" as the phrase, or "four-leaf" as known words
  const spaced = word.replace(/-/g, ' ');
  return index.phrases.has(spaced) || spaced.split(' ').every((w) => index.words.has(w));
}

/** How many words starting at `i` form a known phrase (0: none). */
function phraseAt(words: readonly Word[], i: number, index: VocabularyIndex): number {
  for (let n = Math.min(index.longestPhrase, words.length - i); n >= 2; n--) {
    if (!words.slice(i + 1, i + n).every((w) => w.joined)) continue;
    if (index.phrases.has(words.slice(i, i + n).map((w) => w.text).join(' '))) return n;
  }
  return 0;
}

export function suggestFor(word: string, index: VocabularyIndex, limit = 3): Pick<UnknownWord, 'suggestions' | 'source'> {
  for (const stem of stems(word)) {
    const related = index.related.get(stem);
    if (related) return { suggestions: related.slice(0, limit), source: 'related' };
  }
  const spelt = spellingSuggestions(word, index.spellings, limit);
  return spelt.length > 0 ? { suggestions: spelt, source: 'spelling' } : { suggestions: [], source: 'none' };
}

/**
 * Every unknown word of `prompt`, in order, each once (its first place). `skip` leaves out the word
 * ending at that offset (the one being typed).
 */
export function unknownWords(prompt: string, index: VocabularyIndex, skip?: number): UnknownWord[] {
  const words = promptWords(prompt);
  const found: UnknownWord[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < words.length; ) {
    const n = phraseAt(words, i, index);
    if (n > 0) {
      i += n;
      continue;
    }
    const w = words[i++];
    if (isKnownWord(w.text, index) || w.end === skip || seen.has(w.text)) continue;
    seen.add(w.text);
    found.push({ word: prompt.slice(w.start, w.end), start: w.start, end: w.end, ...suggestFor(w.text, index) });
  }
  return found;
}
