import { WINDOWS_1252_C1 } from './entities.ts';
import { unescapeHtml, unescapeHtmlFtfy } from './html.ts';

/**
 * CLIP's prompt cleaning, `whitespace_clean(basic_clean(text)).lower()` in OpenAI CLIP's
 * `clip/simple_tokenizer.py`, where `basic_clean` is `ftfy.fix_text`, then `html.unescape` twice,
 * then strip.
 *
 * ftfy is a Python library, so `fixText` re-implements the deterministic, table-driven steps of
 * ftfy 6.3's `fix_text` (`ftfy/__init__.py` `fix_and_explain`, `ftfy/fixes.py`) in its order:
 * HTML unescape unless the text contains '<', C1 controls read as Windows-1252, Latin ligatures
 * split, fullwidth/halfwidth forms narrowed, curly quotes straightened, line breaks unified, lone
 * surrogates replaced, terminal escapes and stray control characters removed, then NFC
 * normalisation, repeated until nothing changes. What it leaves out is ftfy's mojibake repair
 * (`fix_encoding`: re-decoding text like "cafÃ©" that went through the wrong code page), which
 * rests on heuristics and large statistical tables; prompts are typed or pasted as proper Unicode,
 * so it almost never fires there. NFC matters on its own: "é" typed as e + U+0301 (macOS file
 * names, some keyboards) must give the same tokens as the precomposed "é", as it does with ftfy.
 * Hugging Face's CLIPTokenizer without ftfy installed falls back to BERT's BasicTokenizer instead,
 * which is not what Stable Diffusion was trained with; we do not follow that fallback.
 */

/**
 * Whitespace as the `regex` module sees it (`\s` = Unicode White_Space). JavaScript's `\s` differs
 * (it has U+FEFF, lacks U+0085), so the class is spelled out.
 */
export const WHITESPACE = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const WHITESPACE_RUN = new RegExp(`[${WHITESPACE}]+`, 'gu');
const TERMINAL_ESCAPE = /\x1b\[((?:\d|;)*)([a-zA-Z])/g;
const C1_CONTROL = /[\x80-\x9f]/g;
const LIGATURE = /[\u0132\u0133\u0149\u01c4-\u01cc\u01f1-\u01f3\ufb00-\ufb06]/g;
const WIDE_OR_NARROW = /[\u3000\uff01-\uffef]/g;
const CURLY_SINGLE = /[\u02bc\u2018-\u201b]/g;
const CURLY_DOUBLE = /[\u201c-\u201f]/g;
const LINE_BREAK = /\r\n|[\r\u2028\u2029\x85]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const CONTROL = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;

/** ftfy's `fix_latin_ligatures` table: ligatures of Latin letters that are copy/paste accidents */
const LIGATURES: ReadonlyMap<string, string> = new Map([
  ['\u0132', 'IJ'], ['\u0133', 'ij'], ['\u0149', '\u02bcn'],
  ['\u01c4', 'D\u017d'], ['\u01c5', 'D\u017e'], ['\u01c6', 'd\u017e'],
  ['\u01c7', 'LJ'], ['\u01c8', 'Lj'], ['\u01c9', 'lj'],
  ['\u01ca', 'NJ'], ['\u01cb', 'Nj'], ['\u01cc', 'nj'],
  ['\u01f1', 'DZ'], ['\u01f2', 'Dz'], ['\u01f3', 'dz'],
  ['\ufb00', 'ff'], ['\ufb01', 'fi'], ['\ufb02', 'fl'],
  ['\ufb03', 'ffi'], ['\ufb04', 'ffl'], ['\ufb05', '\u017ft'], ['\ufb06', 'st'],
]);

function fixOnce(input: string, unescape: boolean): string {
  let text = unescape ? unescapeHtmlFtfy(input) : input;
  text = text.replace(C1_CONTROL, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80] as string);
  text = text.replace(LIGATURE, (c) => LIGATURES.get(c) ?? c);
  // fix_character_width: NFKC of U+3000 and of the halfwidth/fullwidth forms block only
  text = text.replace(WIDE_OR_NARROW, (c) => c.normalize('NFKC'));
  text = text.replace(CURLY_DOUBLE, '"').replace(CURLY_SINGLE, "'");
  text = text.replace(LINE_BREAK, '\n');
  text = text.replace(LONE_SURROGATE, '\ufffd');
  text = text.replace(TERMINAL_ESCAPE, '').replace(CONTROL, '');
  return text.normalize('NFC');
}

function fixSegment(segment: string, unescape: boolean): string {
  let text = segment;
  for (let round = 0; round < 16; round++) {
    const fixed = fixOnce(text, unescape);
    if (fixed === text) break;
    text = fixed;
  }
  return text;
}

/**
 * The ftfy `fix_text` subset described above. Like ftfy, it works line by line and stops
 * unescaping HTML from the first line that contains '<' on (such text looks like real HTML).
 */
export function fixText(text: string): string {
  let unescape = true;
  let out = '';
  let pos = 0;
  while (pos < text.length) {
    const newline = text.indexOf('\n', pos);
    const end = newline < 0 ? text.length : newline + 1;
    const segment = text.slice(pos, end);
    if (segment.includes('<')) unescape = false;
    out += fixSegment(segment, unescape);
    pos = end;
  }
  return out;
}

/** `whitespace_clean`: runs of whitespace become one space, ends trimmed */
export function collapseWhitespace(text: string): string {
  return text.replace(WHITESPACE_RUN, ' ').replace(/^ | $/g, '');
}

/** The whole of CLIP's cleaning: ftfy subset, HTML unescape twice, whitespace collapse, lower case. */
export function cleanPrompt(text: string): string {
  return collapseWhitespace(unescapeHtml(unescapeHtml(fixText(text)))).toLowerCase();
}
