/**
 * A1111's prompt emphasis syntax, parsed the way stable-diffusion-webui's `parse_prompt_attention`
 * (modules/prompt_parser.py) does, so a prompt copied from an A1111 PNG gets the same weights:
 *
 *   (text)        weight × 1.1          ((text)) × 1.21, and so on
 *   [text]        weight ÷ 1.1
 *   (text:1.3)    weight × 1.3
 *   \( \) \[ \] \\   literal brackets and backslash
 *   BREAK         ends the current 75-token chunk (a separate item)
 *
 * Unbalanced brackets are closed at the end (their multiplier still applies); neighbouring pieces
 * with the same weight are merged. Written from A1111's documented behaviour and its doctest examples
 * (test/unit/engine/tokenizer/attention.test.ts holds them as goldens).
 */

export type PromptPiece = { readonly text: string; readonly weight: number } | { readonly break: true };

const ROUND = 1.1;
const SQUARE = 1 / 1.1;
/** one lexical item: an escape, a bracket, ":<number>)" closing a weighted group, plain text, or a lone colon */
const LEXEME = /\\\(|\\\)|\\\[|\\\]|\\\\|\\|\(|\[|:\s*([+-]?[.\d]+)\s*\)|\)|\]|[^\\()[\]:]+|:/g;
const BREAK = /\s*\bBREAK\b\s*/;

interface Piece {
  text: string;
  weight: number;
  isBreak: boolean;
}

export function parsePromptAttention(prompt: string): PromptPiece[] {
  const pieces: Piece[] = [];
  const round: number[] = [];
  const square: number[] = [];
  const scale = (from: number, by: number): void => {
    for (let i = from; i < pieces.length; i++) if (!pieces[i].isBreak) pieces[i].weight *= by;
  };
  const text = (t: string): void => {
    t.split(BREAK).forEach((part, i) => {
      if (i > 0) pieces.push({ text: 'BREAK', weight: -1, isBreak: true });
      pieces.push({ text: part, weight: 1, isBreak: false });
    });
  };
  for (const m of prompt.matchAll(LEXEME)) {
    const lexeme = m[0];
    const weight = m[1];
    if (lexeme.startsWith('\\')) pieces.push({ text: lexeme.slice(1), weight: 1, isBreak: false }); // a lone "\\" vanishes, as in A1111
    else if (lexeme === '(') round.push(pieces.length);
    else if (lexeme === '[') square.push(pieces.length);
    else if (weight !== undefined && round.length > 0 && Number.isFinite(Number(weight))) scale(round.pop() ?? 0, Number(weight));
    else if (lexeme === ')' && round.length > 0) scale(round.pop() ?? 0, ROUND);
    else if (lexeme === ']' && square.length > 0) scale(square.pop() ?? 0, SQUARE);
    else text(lexeme);
  }
  for (const at of round) scale(at, ROUND);
  for (const at of square) scale(at, SQUARE);
  return merge(pieces);
}

function merge(pieces: Piece[]): PromptPiece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    const last = out.at(-1);
    if (last && !p.isBreak && !last.isBreak && last.weight === p.weight) last.text += p.text;
    else out.push({ ...p });
  }
  if (out.length === 0) return [{ text: '', weight: 1 }];
  return out.map((p) => (p.isBreak ? { break: true as const } : { text: p.text, weight: p.weight }));
}
