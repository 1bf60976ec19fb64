/**
 * Completions for the word at the caret: the model's objects, synonyms, colours, sizes, styles and
 * positions that start with it. A phrase whose first words are already typed comes first ("palm t"
 * → palm tree); then whole entries, objects before scene words, shortest first; then phrases with a
 * later word that fits ("tre" → palm tree); and for a word the model never learned, the objects
 * its related table points to ("subm" → ship, sailboat, for "submarine").
 */
import type { EntryKind, VocabularyEntry, VocabularyIndex } from './vocabulary.ts';
import { promptWords, wordBeforeCaret } from './words.ts';

export interface Completion {
  text: string;
  kind: EntryKind | 'related';
  /** synonyms: the object; related: the word it stands in for */
  note?: string;
}

export interface CompletionSet {
  /** the text [from, to) that a completion replaces */
  from: number;
  to: number;
  items: (Completion & { from: number })[];
}

const KIND_ORDER: Record<Completion['kind'], number> = { object: 0, synonym: 1, colour: 2, size: 3, style: 4, position: 5, related: 6 };
export const MAX_COMPLETIONS = 8;

interface Scored {
  item: Completion & { from: number };
  tier: number;
}

export function completionsAt(prompt: string, caret: number, index: VocabularyIndex, limit = MAX_COMPLETIONS): CompletionSet | null {
  const at = wordBeforeCaret(prompt, caret);
  if (!at) return null;
  const prefix = at.prefix.toLowerCase();
  // the words typed just before, joined by spaces only: a phrase may continue them
  const before = promptWords(prompt.slice(0, at.start));
  const joined: { text: string; start: number }[] = [];
  let gapEnd = at.start;
  for (let i = before.length - 1; i >= 0 && joined.length < index.longestPhrase; i--) {
    if (prompt.slice(before[i].end, gapEnd).trim() !== '') break;
    joined.unshift({ text: before[i].text, start: before[i].start });
    gapEnd = before[i].start;
  }
  const best = new Map<string, Scored>();
  const offer = (item: Completion & { from: number }, tier: number): void => {
    const had = best.get(item.text);
    if (!had || tier < had.tier) best.set(item.text, { item, tier });
  };
  for (const e of index.entries) scoreEntry(e, prefix, at.start, joined, offer);
  if (prefix.length >= 4) {
    for (const [word, targets] of index.related) {
      if (word.startsWith(prefix) && word !== prefix) for (const t of targets) offer({ text: t, kind: 'related', note: word, from: at.start }, 4);
    }
  }
  const items = [...best.values()]
    .sort((a, b) => a.tier - b.tier || KIND_ORDER[a.item.kind] - KIND_ORDER[b.item.kind] || a.item.text.length - b.item.text.length || a.item.text.localeCompare(b.item.text))
    .slice(0, limit)
    .map((s) => s.item);
  return items.length > 0 ? { from: at.start, to: caret, items } : null;
}

function scoreEntry(e: VocabularyEntry, prefix: string, start: number, joined: readonly { text: string; start: number }[], offer: (item: Completion & { from: number }, tier: number) => void): void {
  const base = { text: e.text, kind: e.kind, ...(e.of === undefined ? {} : { note: e.of }) };
  for (let k = 0; k < e.words.length; k++) {
    if (!e.words[k].startsWith(prefix)) continue;
    const complete = k === e.words.length - 1 && e.words[k] === prefix;
    const continues = k > 0 && k <= joined.length && joined.slice(joined.length - k).every((w, j) => w.text === e.words[j]);
    if (continues) {
      if (!complete) offer({ ...base, from: joined[joined.length - k].start }, 0);
      return;
    }
    if (k === 0) {
      if (!complete && prefix.length >= 2) offer({ ...base, from: start }, 1);
    } else if (prefix.length >= 3) offer({ ...base, from: start }, 3);
  }
}
