import { FTFY_ENTITIES, HTML_ENTITIES, WINDOWS_1252_C1 } from './entities.ts';

/**
 * HTML character-reference decoding with the rules of Python's `html.unescape` (CPython
 * `Lib/html/__init__.py`), which CLIP's `basic_clean` applies twice to every prompt:
 *  - `&#123;` / `&#x7b;` (the ';' optional); 0 and surrogates or values past U+10FFFF give U+FFFD,
 *    0x80..0x9F are read as Windows-1252, other control and non-characters are dropped;
 *  - named references, the longest legacy name winning when there is no ';' (`&copyx` → '©x');
 *  - anything unknown is left exactly as written.
 * The named table is HTML 4.01's (see entities.ts), a subset of Python's HTML5 table.
 */

// Same shape as CPython's `_charref` pattern: up to 32 name characters, ';' optional.
const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

function isDroppedCodePoint(cp: number): boolean {
  return (
    (cp >= 0x1 && cp <= 0x8) ||
    cp === 0xb ||
    (cp >= 0xe && cp <= 0x1f) ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp & 0xfffe) === 0xfffe // U+xFFFE and U+xFFFF of every plane
  );
}

function numericReference(body: string): string {
  const hex = body[1] === 'x' || body[1] === 'X';
  const digits = body.slice(hex ? 2 : 1).replace(/;$/, '');
  const cp = Number.parseInt(digits, hex ? 16 : 10);
  if (cp === 0) return '\ufffd';
  if (cp === 0x0d) return '\r';
  if (cp >= 0x80 && cp <= 0x9f) return WINDOWS_1252_C1[cp - 0x80] as string;
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return '\ufffd';
  if (isDroppedCodePoint(cp)) return '';
  return String.fromCodePoint(cp);
}

function namedReference(body: string): string {
  const whole = HTML_ENTITIES.get(body);
  if (whole !== undefined) return whole;
  // Longest legacy (semicolon-less) name that prefixes the match, as html.unescape does.
  for (let end = body.length - 1; end > 1; end--) {
    const prefix = HTML_ENTITIES.get(body.slice(0, end));
    if (prefix !== undefined) return prefix + body.slice(end);
  }
  return `&${body}`;
}

/** Decode HTML character references in `text` once (call twice for CLIP's double unescape). */
export function unescapeHtml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(CHARREF, (_match: string, body: string) =>
    body.startsWith('#') ? numericReference(body) : namedReference(body),
  );
}

// ftfy's `HTML_ENTITY_RE`: only ';'-terminated references are touched
const FTFY_REFERENCE = /&#?[0-9A-Za-z]{1,24};/g;

/**
 * ftfy's cautious `unescape_html` (`ftfy/fixes.py`): decodes only ';'-terminated references (so
 * "this&not that" stays), including all-caps names like `&EACUTE;`; numeric ones as Python does.
 */
export function unescapeHtmlFtfy(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(FTFY_REFERENCE, (entity: string) => {
    const named = FTFY_ENTITIES.get(entity.slice(1));
    if (named !== undefined) return named;
    if (!entity.startsWith('&#')) return entity;
    const decoded = unescapeHtml(entity);
    return decoded.includes(';') ? entity : decoded;
  });
}
