// A1111's prompt emphasis syntax: the doctest examples of stable-diffusion-webui's parse_prompt_attention
// (modules/prompt_parser.py), with the same floating-point weights, plus BREAK and escapes.
import { describe, expect, it } from 'vitest';
import { parsePromptAttention } from '../../../../src-main/engine/tokenizer/attention.ts';

const pairs = (prompt: string): [string, number][] => parsePromptAttention(prompt).map((p) => ('break' in p ? ['BREAK', -1] : [p.text, p.weight]));

describe('parsePromptAttention (A1111 goldens)', () => {
  it.each<[string, [string, number][]]>([
    ['normal text', [['normal text', 1.0]]],
    ['an (important) word', [['an ', 1.0], ['important', 1.1], [' word', 1.0]]],
    ['(unbalanced', [['unbalanced', 1.1]]],
    ['\\(literal\\]', [['(literal]', 1.0]]],
    ['(unnecessary)(parens)', [['unnecessaryparens', 1.1]]],
    [
      'a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).',
      [['a ', 1.0], ['house', 1.5730000000000004], [' ', 1.1], ['on', 1.0], [' a ', 1.1], ['hill', 0.55], [', sun, ', 1.1], ['sky', 1.4641000000000006], ['.', 1.1]],
    ],
  ])('%s', (prompt, expected) => {
    expect(pairs(prompt)).toEqual(expected);
  });

  it('splits at BREAK, keeps an empty prompt as one empty piece, and treats stray brackets and colons as text', () => {
    expect(pairs('a cat BREAK a dog')).toEqual([['a cat', 1], ['BREAK', -1], ['a dog', 1]]);
    expect(pairs('')).toEqual([['', 1]]);
    expect(pairs('a) b] c:2')).toEqual([['a) b] c:2', 1]]);
    expect(pairs('[[small]]')).toEqual([['small', 1 / 1.1 / 1.1]]);
    expect(pairs('(a:1.5) \\\\ b')).toEqual([['a', 1.5], [' \\ b', 1]]);
    expect(pairs('(x:.)')).toEqual([['x:.)', 1.1]]);
  });
});
