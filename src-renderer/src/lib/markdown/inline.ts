/**
 * Markdown inline syntax → a small tree: emphasis, strong, code spans, links, images, hard breaks.
 * The tree holds text, never markup: components render it with Svelte's escaping, so HTML in a
 * model card shows as the text it is.
 */
export type Inline =
  | { type: 'text'; text: string }
  | { type: 'strong'; children: Inline[] }
  | { type: 'em'; children: Inline[] }
  | { type: 'code'; text: string }
  | { type: 'link'; href: string; children: Inline[] }
  | { type: 'image'; src: string; alt: string }
  | { type: 'break' };

const ESCAPABLE = /[\\`*_{}[\]()#+\-.!|<>~"']/;

/** `](target "title")` at `i` (the index of `]`): the target and the index after `)`. */
function linkTarget(s: string, i: number): { href: string; end: number } | null {
  if (s[i + 1] !== '(') return null;
  const close = s.indexOf(')', i + 2);
  if (close < 0) return null;
  const inner = s.slice(i + 2, close).trim();
  const m = /^<?([^\s>]*)>?(?:\s+["'(].*)?$/.exec(inner);
  return m ? { href: m[1], end: close + 1 } : null;
}

/** The `]` closing the `[` at `open`, with nested brackets counted. */
function closingBracket(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '[') depth++;
    else if (s[i] === ']' && --depth === 0) return i;
  }
  return -1;
}

const wordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}]/u.test(c);

export function parseInline(s: string): Inline[] {
  const out: Inline[] = [];
  let text = '';
  const flush = (): void => {
    if (text) out.push({ type: 'text', text });
    text = '';
  };
  for (let i = 0; i < s.length; ) {
    const c = s[i];
    if (c === '\\' && s[i + 1] === '\n') {
      flush();
      out.push({ type: 'break' });
      i += 2;
    } else if (c === '\\' && i + 1 < s.length && ESCAPABLE.test(s[i + 1])) {
      text += s[i + 1];
      i += 2;
    } else if (c === ' ' && s.startsWith('  \n', i)) {
      flush();
      out.push({ type: 'break' });
      i = s.indexOf('\n', i) + 1;
    } else if (c === '\n') {
      text += ' ';
      i++;
    } else if (c === '`') {
      const run = /^`+/.exec(s.slice(i))?.[0] ?? '`';
      const close = s.indexOf(run, i + run.length);
      if (close < 0) {
        text += run;
        i += run.length;
        continue;
      }
      flush();
      out.push({ type: 'code', text: s.slice(i + run.length, close).replace(/\n/g, ' ').trim() || ' ' });
      i = close + run.length;
    } else if ((c === '!' && s[i + 1] === '[') || c === '[') {
      const open = c === '!' ? i + 1 : i;
      const close = closingBracket(s, open);
      const target = close > 0 ? linkTarget(s, close) : null;
      if (!target) {
        text += s.slice(i, open + 1);
        i = open + 1;
        continue;
      }
      flush();
      const label = s.slice(open + 1, close);
      out.push(c === '!' ? { type: 'image', src: target.href, alt: label } : { type: 'link', href: target.href, children: parseInline(label) });
      i = target.end;
    } else if (c === '*' || c === '_') {
      const double = s[i + 1] === c;
      const marker = double ? c + c : c;
      const close = findCloser(s, i + marker.length, marker);
      // `_` inside a word (snake_case) is not emphasis
      if (close < 0 || (c === '_' && (wordChar(s[i - 1]) || wordChar(s[close + marker.length])))) {
        text += marker;
        i += marker.length;
        continue;
      }
      flush();
      const children = parseInline(s.slice(i + marker.length, close));
      out.push(double ? { type: 'strong', children } : { type: 'em', children });
      i = close + marker.length;
    } else {
      text += c;
      i++;
    }
  }
  flush();
  return out;
}

/**
 * The closing delimiter: not right after the opener, not after a space, outside code spans. In a
 * run of markers (`***`) strong closes on the last two and emphasis on the last one.
 */
function findCloser(s: string, from: number, marker: string): number {
  if (s[from] === ' ' || s[from] === undefined) return -1;
  const ch = marker[0];
  for (let i = from + 1; i < s.length; i++) {
    if (s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === '`') {
      const end = s.indexOf('`', i + 1);
      if (end > 0) i = end;
      continue;
    }
    if (s[i] !== ch) continue;
    let run = 1;
    while (s[i + run] === ch) run++;
    if (s[i - 1] !== ' ') {
      if (marker.length === 2 && run >= 2) return i + run - 2;
      if (marker.length === 1 && run !== 2) return i + run - 1;
    }
    i += run - 1;
  }
  return -1;
}
