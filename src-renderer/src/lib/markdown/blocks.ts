/**
 * Markdown blocks → a small tree, enough for model cards (READMEs of model folders): ATX headings,
 * paragraphs, bullet and numbered lists (nested by indentation), GitHub tables, fenced code, block
 * quotes and rules. HTML comments are dropped; any other HTML stays text (see inline.ts).
 */
import { parseInline } from './inline.ts';
import type { Inline } from './inline.ts';

export type Align = 'left' | 'center' | 'right' | null;

export type Block =
  | { type: 'heading'; level: number; children: Inline[] }
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { type: 'table'; align: Align[]; head: Inline[][]; rows: Inline[][][] }
  | { type: 'code'; lang: string; text: string }
  | { type: 'quote'; children: Block[] }
  | { type: 'rule' };

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?/;
const ITEM = /^( *)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const DELIMITER_ROW = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

export function parseMarkdown(markdown: string): Block[] {
  const text = markdown.replace(/\r\n?/g, '\n').replace(/<!--[\s\S]*?-->/g, '').replace(/\t/g, '    ');
  return parseBlocks(text.split('\n'));
}

function startsBlock(line: string, next: string | undefined): boolean {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line) || (line.includes('|') && next !== undefined && DELIMITER_ROW.test(next));
}

/** Cells of a table row: split on `|` outside code spans and escapes, outer pipes dropped. */
export function tableCells(row: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let code = false;
  for (let i = 0; i < row.length; i++) {
    const c = row[i];
    if (c === '\\' && row[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (c === '`') {
      code = !code;
      cell += c;
    } else if (c === '|' && !code) {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  if (cells.length > 1 && cells[0].trim() === '') cells.shift();
  if (cells.length > 1 && cells[cells.length - 1].trim() === '') cells.pop();
  return cells.map((x) => x.trim());
}

function parseBlocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i].trimStart().startsWith(fence[1]); i++) body.push(lines[i]);
      blocks.push({ type: 'code', lang: fence[2], text: body.join('\n') });
      i++;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ type: 'heading', level: heading[1].length, children: parseInline(heading[2] ?? '') });
      i++;
    } else if (RULE.test(line)) {
      blocks.push({ type: 'rule' });
      i++;
    } else if (QUOTE.test(line)) {
      const body: string[] = [];
      for (; i < lines.length && lines[i].trim() !== ''; i++) body.push(lines[i].replace(QUOTE, ''));
      blocks.push({ type: 'quote', children: parseBlocks(body) });
    } else if (ITEM.test(line)) {
      i = parseList(lines, i, blocks);
    } else if (line.includes('|') && i + 1 < lines.length && DELIMITER_ROW.test(lines[i + 1])) {
      const head = tableCells(line);
      const align = tableCells(lines[i + 1]).map((d): Align => (d.startsWith(':') && d.endsWith(':') ? 'center' : d.endsWith(':') ? 'right' : d.startsWith(':') ? 'left' : null));
      const rows: Inline[][][] = [];
      for (i += 2; i < lines.length && lines[i].trim() !== '' && lines[i].includes('|'); i++) {
        const cells = tableCells(lines[i]);
        rows.push(head.map((_, c) => parseInline(cells[c] ?? '')));
      }
      blocks.push({ type: 'table', align: head.map((_, c) => align[c] ?? null), head: head.map((h) => parseInline(h)), rows });
    } else {
      const body = [line];
      for (i++; i < lines.length && lines[i].trim() !== '' && !startsBlock(lines[i], lines[i + 1]); i++) body.push(lines[i]);
      blocks.push({ type: 'paragraph', children: parseInline(body.map((l) => l.replace(/^ +/, '')).join('\n').replace(/ +$/, '')) });
    }
  }
  return blocks;
}

/** A list starting at line `i`; its items' lines (indented continuations, nested lists) parsed as blocks. */
function parseList(lines: string[], i: number, blocks: Block[]): number {
  const first = ITEM.exec(lines[i]);
  if (!first) return i + 1;
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const items: string[][] = [];
  while (i < lines.length) {
    const m = ITEM.exec(lines[i]);
    if (m && m[1].length === indent && /\d/.test(m[2]) === ordered) {
      items.push([m[3]]);
      i++;
      continue;
    }
    const line = lines[i];
    const blankThenMore = line.trim() === '' && i + 1 < lines.length && (lines[i + 1].startsWith(' '.repeat(indent + 2)) || (ITEM.exec(lines[i + 1])?.[1].length ?? -1) === indent);
    if (line.trim() === '' && !blankThenMore) break;
    const indented = line.startsWith(' '.repeat(indent + 2));
    if (!indented && line.trim() !== '' && startsBlock(line, lines[i + 1])) break;
    items[items.length - 1].push(indented ? line.slice(indent + 2) : line.trimStart());
    i++;
  }
  blocks.push({ type: 'list', ordered, start: ordered ? parseInt(first[2], 10) : 1, items: items.map((body) => parseBlocks(body)) });
  return i;
}
