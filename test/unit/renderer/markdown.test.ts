/**
 * The model card's markdown → tree (rendered with Svelte's escaping, never as HTML): headings,
 * paragraphs, lists, tables, quotes, code, emphasis, links and images, and HTML kept as text; and
 * the dialog's state (load once per model, errors in words, a late answer for a closed card ignored).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMarkdown, tableCells } from '../../../src-renderer/src/lib/markdown/blocks.ts';
import type { Block } from '../../../src-renderer/src/lib/markdown/blocks.ts';
import { parseInline } from '../../../src-renderer/src/lib/markdown/inline.ts';
import type { ModelCard, ReverieApi } from '../../../src-renderer/src/lib/api/types.ts';
import { ModelCardState } from '../../../src-renderer/src/lib/state/model-card.svelte.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');

describe('markdown inline', () => {
  it('parses emphasis, strong, code, links, images and breaks', () => {
    expect(parseInline('a **bold *and em*** `x*y` [site](https://a.b "t") ![grid](samples.jpg)')).toEqual([
      { type: 'text', text: 'a ' },
      { type: 'strong', children: [{ type: 'text', text: 'bold ' }, { type: 'em', children: [{ type: 'text', text: 'and em' }] }] },
      { type: 'text', text: ' ' },
      { type: 'code', text: 'x*y' },
      { type: 'text', text: ' ' },
      { type: 'link', href: 'https://a.b', children: [{ type: 'text', text: 'site' }] },
      { type: 'text', text: ' ' },
      { type: 'image', src: 'samples.jpg', alt: 'grid' },
    ]);
    expect(parseInline('line  \nnext')).toEqual([{ type: 'text', text: 'line' }, { type: 'break' }, { type: 'text', text: 'next' }]);
  });

  it('leaves literal stars, snake_case, escapes and HTML as text', () => {
    expect(parseInline('5 * 3 * 2 snake_case_name \\*not em\\* <script>alert(1)</script>')).toEqual([
      { type: 'text', text: '5 * 3 * 2 snake_case_name *not em* <script>alert(1)</script>' },
    ]);
    expect(parseInline('[no target] and ![alt only]')).toEqual([{ type: 'text', text: '[no target] and ![alt only]' }]);
  });
});

describe('markdown blocks', () => {
  it('parses headings, paragraphs, nested lists, tables, quotes, code and rules; drops HTML comments', () => {
    const md = [
      '# Title', '<!-- generated -->', 'One paragraph', 'on two lines.', '', '- a', '- b', '  - b1', '1. one', '2. two', '',
      '| Name | Value |', '|:---|---:|', '| `a\\|b` | **1** |', '', '> **Note** quoted', '', '```sh', 'run --x', '```', '---',
    ].join('\n');
    const blocks = parseMarkdown(md);
    expect(blocks.map((b) => b.type)).toEqual(['heading', 'paragraph', 'list', 'list', 'table', 'quote', 'code', 'rule']);
    expect(blocks[1]).toEqual({ type: 'paragraph', children: [{ type: 'text', text: 'One paragraph on two lines.' }] });
    const bullets = blocks[2] as Extract<Block, { type: 'list' }>;
    expect(bullets.ordered).toBe(false);
    expect(bullets.items).toHaveLength(2);
    expect(bullets.items[1].map((b) => b.type)).toEqual(['paragraph', 'list']);
    expect(blocks[3]).toMatchObject({ type: 'list', ordered: true, start: 1 });
    const table = blocks[4] as Extract<Block, { type: 'table' }>;
    expect(table.align).toEqual(['left', 'right']);
    expect(table.rows[0][0]).toEqual([{ type: 'code', text: 'a|b' }]);
    expect(blocks[6]).toEqual({ type: 'code', lang: 'sh', text: 'run --x' });
    expect(tableCells('| a | b |')).toEqual(['a', 'b']);
  });

  it('reads the bundled model card: its title, the sample grid image and its tables', () => {
    const blocks = parseMarkdown(readFileSync(path.join(REPO, 'models', 'reverie-mini', 'README.md'), 'utf8'));
    expect(blocks[0]).toMatchObject({ type: 'heading', level: 1 });
    expect(JSON.stringify(blocks)).toContain('{"type":"image","src":"samples.jpg","alt":"sample grid"}');
    expect(blocks.filter((b) => b.type === 'table').length).toBeGreaterThanOrEqual(3);
    expect(blocks.some((b) => b.type === 'quote')).toBe(true);
  });
});

describe('ModelCardState', () => {
  it('loads a card once per model, reports errors and ignores answers for a card closed meanwhile', async () => {
    const asked: string[] = [];
    let fail = false;
    const api = {
      models: {
        card: async ({ model }: { model: string }): Promise<ModelCard> => {
          asked.push(model);
          if (fail) throw new Error('The model "x" has no model card');
          return { markdown: `# ${model}`, images: {} };
        },
      },
    } as unknown as Pick<ReverieApi, 'models'>;
    const state = new ModelCardState(api);
    const opening = state.open({ id: '/m/a', name: 'a' });
    expect(state).toMatchObject({ isOpen: true, status: 'loading', card: null });
    await opening;
    expect(state.card?.markdown).toBe('# /m/a');
    state.close();
    expect(state.isOpen).toBe(false);
    await state.open({ id: '/m/a', name: 'a' });
    expect(asked).toEqual(['/m/a']); // cached
    fail = true;
    await state.open({ id: '/m/x', name: 'x' });
    expect(state).toMatchObject({ status: 'error', error: 'The model "x" has no model card', card: null });
    fail = false;
    const late = state.open({ id: '/m/b', name: 'b' });
    state.close();
    await late;
    expect(state.card).toBeNull();
  });
});
