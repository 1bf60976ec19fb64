/**
 * A prompt's words with their places in the text, for checking them against a model's vocabulary
 * and completing the one being typed. A1111 syntax is not words: `<lora:name:0.8>` is dropped whole,
 * `(cat:1.2)`, `[dog]`, `{a|b}` and `[from:to:0.5]` keep their words but not their brackets, weights
 * or separators, and numbers and the BREAK keyword are skipped.
 */
export interface Word {
  /** lower case, as compared with the vocabulary */
  text: string;
  /** [start, end) in the prompt */
  start: number;
  end: number;
  /** only spaces stand between this word and the one before it (it may continue a phrase) */
  joined: boolean;
}

/** letters and digits, with inner apostrophes and hyphens (t-rex, jack-o-lantern, cat's) */
export const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;
const WORD_CHAR = /[\p{L}\p{N}'’-]/u;
const NUMBER = /^\d+(?:[.,]\d+)?$/;

/** The prompt with A1111 markup turned into spaces (same length, so offsets still hold). */
export function maskPromptSyntax(prompt: string): string {
  const blank = (m: string): string => ' '.repeat(m.length);
  return prompt
    .replace(/<[^<>]*>/g, blank) // <lora:…>, <hypernet:…>, embeddings in angle brackets
    .replace(/\\[()[\]{}]/g, blank) // escaped brackets
    .replace(/:\s*-?\d*\.?\d+(?=\s*[)\]])/g, blank) // (word:1.2), [from:to:0.5]
    .replace(/[()[\]{}|:]/g, ' ');
}

export function promptWords(prompt: string): Word[] {
  const masked = maskPromptSyntax(prompt);
  const words: Word[] = [];
  let lastEnd = -1;
  for (const m of masked.matchAll(WORD)) {
    const start = m.index;
    const end = start + m[0].length;
    const joined = lastEnd >= 0 && prompt.slice(lastEnd, start).trim() === '';
    lastEnd = end;
    if (NUMBER.test(m[0]) || m[0] === 'BREAK') continue;
    words.push({ text: m[0].toLowerCase().replace(/’/g, "'"), start, end, joined });
  }
  return words;
}

/** The word the caret is at the end of (what a completion replaces), or null inside or between words. */
export function wordBeforeCaret(prompt: string, caret: number): { start: number; prefix: string } | null {
  if (caret < prompt.length && WORD_CHAR.test(prompt[caret])) return null;
  let start = caret;
  while (start > 0 && WORD_CHAR.test(prompt[start - 1])) start--;
  const prefix = prompt.slice(start, caret);
  if (start === caret || /^[\d.,]+$/.test(prefix)) return null;
  if (prompt.lastIndexOf('<', start) > prompt.lastIndexOf('>', start)) return null; // inside <lora:…>
  return { start, prefix };
}
