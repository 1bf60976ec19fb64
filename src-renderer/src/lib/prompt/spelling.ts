/**
 * Spelling suggestions: the known words and phrases nearest to an unknown word by
 * Damerau–Levenshtein distance (the optimal-string-alignment variant: insertions, deletions,
 * substitutions and swaps of neighbouring letters, each costing 1; Damerau 1964, Levenshtein 1966).
 */

export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  // three rows: two back (for swaps), the previous and the current
  let twoBack: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, twoBack[j - 2] + 1);
      row.push(d);
      best = Math.min(best, d);
    }
    if (best > max) return max + 1;
    twoBack = prev;
    prev = row;
  }
  return prev[b.length];
}

/** How many edits a word of this length may be away from what was meant. */
export function allowedEdits(length: number): number {
  return length <= 2 ? 0 : length <= 4 ? 1 : length <= 8 ? 2 : 3;
}

const commonPrefix = (a: string, b: string): number => {
  let n = 0;
  while (n < a.length && a[n] === b[n]) n++;
  return n;
};

/**
 * The `limit` candidates nearest to `word`, nearest first; a candidate counts when the distance is
 * within the allowance of the shorter of the two (so "giraf" finds giraffe but not gray).
 */
export function spellingSuggestions(word: string, candidates: readonly string[], limit = 3): string[] {
  const scored: { text: string; d: number; prefix: number }[] = [];
  for (const text of candidates) {
    const max = allowedEdits(Math.min(word.length, text.replace(/[ -]/g, '').length));
    if (text === word || max === 0) continue;
    const d = Math.min(editDistance(word, text, max), editDistance(word, text.replace(/[ -]/g, ''), max));
    if (d <= max) scored.push({ text, d, prefix: commonPrefix(word, text) });
  }
  scored.sort((x, y) => x.d - y.d || y.prefix - x.prefix || Math.abs(x.text.length - word.length) - Math.abs(y.text.length - word.length) || x.text.localeCompare(y.text));
  return scored.slice(0, limit).map((s) => s.text);
}
