/**
 * A model's vocabulary (its folder's vocabulary.json, through models.list) made ready for checking
 * prompts and completing words: which single words and multi-word phrases it knows, what to offer
 * while typing, and which words a misspelling may have meant.
 */
import type { ModelVocabulary } from '../api/types.ts';

export type EntryKind = 'object' | 'synonym' | 'colour' | 'size' | 'position' | 'style';

/** One thing the completion list can offer. */
export interface VocabularyEntry {
  text: string;
  words: readonly string[];
  kind: EntryKind;
  /** synonyms: the object they stand for */
  of?: string;
}

export interface VocabularyIndex {
  /** known single words (lower case) */
  words: ReadonlySet<string>;
  /** known phrases of two or more words, words joined by one space */
  phrases: ReadonlySet<string>;
  /** the longest phrase, in words */
  longestPhrase: number;
  entries: readonly VocabularyEntry[];
  /** what a misspelt word is compared with: objects, synonyms and scene words */
  spellings: readonly string[];
  related: ReadonlyMap<string, readonly string[]>;
}

/**
 * Words any prompt may use around the model's own: articles, joining words and the words of the
 * caption phrasings ("… on a blue background", "a picture of …", "…, flat style"). Positions, sizes,
 * styles and the template add theirs from the vocabulary itself.
 */
export const PROMPT_GLUE: readonly string[] = [
  'a', 'an', 'the', 'on', 'with', 'and', 'in', 'at', 'of', 'against', 'background', 'backdrop', 'picture', 'plain',
  'style', 'corner', 'left', 'right', 'top', 'bottom',
];

const lower = (s: string): string => s.trim().toLowerCase().replace(/\s+/g, ' ');

export function buildVocabularyIndex(v: ModelVocabulary): VocabularyIndex {
  const words = new Set<string>(PROMPT_GLUE);
  const phrases = new Set<string>();
  const entries: VocabularyEntry[] = [];
  const seen = new Set<string>();
  const add = (raw: string, kind: EntryKind, of?: string): void => {
    const text = lower(raw);
    if (text === '' || seen.has(text)) return;
    seen.add(text);
    const parts = text.split(' ');
    if (parts.length > 1) phrases.add(text);
    else words.add(text);
    entries.push({ text, words: parts, kind, ...(of === undefined ? {} : { of }) });
  };
  for (const o of v.objects) add(o.name, 'object');
  for (const o of v.objects) for (const s of o.synonyms) add(s, 'synonym', lower(o.name));
  for (const c of v.colours) add(c, 'colour');
  for (const s of v.sizes) add(s, 'size');
  for (const s of v.styles) add(s, 'style');
  for (const p of v.positions) {
    add(p, 'position');
    for (const w of lower(p).split(' ')) words.add(w); // "in the top left corner": each word is glue
  }
  for (const w of lower((v.template ?? '').replace(/\{[^}]*\}/g, ' ')).split(' ')) if (w) words.add(w);
  const spellings = entries.filter((e) => e.kind !== 'position').map((e) => e.text);
  const related = new Map(Object.entries(v.related).map(([word, targets]) => [lower(word), targets.map(lower)]));
  const longestPhrase = Math.max(1, ...[...phrases].map((p) => p.split(' ').length));
  return { words, phrases, longestPhrase, entries, spellings, related };
}
