import { describe, expect, it } from 'vitest';
import { BytePairEncoder, parseMerges } from '../../../../src-main/engine/tokenizer/bpe.ts';
import { BYTE_TO_CHAR, CHAR_TO_BYTE, decodeTokens, toByteSymbols } from '../../../../src-main/engine/tokenizer/bytes.ts';
import { EngineError } from '../../../../src-main/engine/types.ts';

describe('byte alphabet', () => {
  it('has 256 distinct visible symbols, printable Latin-1 kept as is', () => {
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    expect(CHAR_TO_BYTE.size).toBe(256);
    expect(BYTE_TO_CHAR[0x21]).toBe('!');
    expect(BYTE_TO_CHAR[0x7e]).toBe('~');
    expect(BYTE_TO_CHAR[0xe9]).toBe('é');
    // the 68 others get U+0100.. in byte order: 0x00 first, space is the 33rd, 0xAD the last
    expect(BYTE_TO_CHAR[0x00]).toBe('\u0100');
    expect(BYTE_TO_CHAR[0x20]).toBe('\u0120');
    expect(BYTE_TO_CHAR[0x7f]).toBe('\u0121');
    expect(BYTE_TO_CHAR[0x80]).toBe('\u0122');
    expect(BYTE_TO_CHAR[0xa0]).toBe('\u0142');
    expect(BYTE_TO_CHAR[0xad]).toBe('\u0143');
    expect(BYTE_TO_CHAR.every((c) => c.length === 1 && !/\s/u.test(c))).toBe(true);
  });

  it('spells text through UTF-8', () => {
    expect(toByteSymbols('cat')).toBe('cat');
    expect(toByteSymbols('é')).toBe('Ã©'); // C3 A9
    expect(toByteSymbols('🔥')).toBe('ðŁĶ¥'); // F0 9F 94 A5
    expect(toByteSymbols('a b')).toBe('aĠb');
  });

  it('decodes tokens back to text, </w> as a space', () => {
    expect(decodeTokens(['a</w>', 'photo', 'graph</w>', 'Ã©</w>', 'ðŁĶ¥</w>'])).toBe('a photograph é 🔥');
    expect(decodeTokens(['<|startoftext|>', 'x</w>'])).toBe('<|startoftext|>x');
    expect(decodeTokens(['ðŁĶ'])).toBe('\ufffd'); // a cut-off emoji
    expect(decodeTokens([])).toBe('');
  });
});

describe('parseMerges', () => {
  const vocab = new Set(['ab', 'abc</w>', 'c</w>']);
  const inVocab = (token: string) => vocab.has(token);

  it('skips the version header and blank lines, accepts CRLF', () => {
    expect(parseMerges('#version: 0.2\r\na b\r\n\r\nab  c</w>\r\n', inVocab)).toEqual(['a b', 'ab c</w>']);
  });

  it('drops merges whose product is not in the vocabulary', () => {
    expect(parseMerges('#version: 0.2\na b\nx y\nab c</w>\n', inVocab)).toEqual(['a b', 'ab c</w>']);
  });

  it('names the bad line', () => {
    const bad = () => parseMerges('#version: 0.2\na b\na b c\n', inVocab);
    expect(bad).toThrow(EngineError);
    expect(bad).toThrow(/merges\.txt line 3 .*"a b c"/);
  });
});

describe('BytePairEncoder', () => {
  it('applies the lowest-ranked pair first', () => {
    const yz = new BytePairEncoder(['y z</w>', 'x y']);
    expect(yz.encode('xyz')).toEqual(['x', 'yz</w>']);
    const xy = new BytePairEncoder(['x y', 'y z</w>']);
    expect(xy.encode('xyz')).toEqual(['xy', 'z</w>']);
  });

  it('merges every occurrence left to right without overlap', () => {
    const bpe = new BytePairEncoder(['a a']);
    expect(bpe.encode('aaa')).toEqual(['aa', 'a</w>']);
    expect(bpe.encode('aaaaa')).toEqual(['aa', 'aa', 'a</w>']);
    const two = new BytePairEncoder(['a a', 'a a</w>', 'aa aa</w>']);
    expect(two.encode('aaaa')).toEqual(['aaaa</w>']);
  });

  it('marks the end of word on single symbols and stops when nothing merges', () => {
    const bpe = new BytePairEncoder(['q r']);
    expect(bpe.encode('x')).toEqual(['x</w>']);
    expect(bpe.encode('xyz')).toEqual(['x', 'y', 'z</w>']);
    expect(bpe.encode('')).toEqual([]);
  });

  it('caches results per word', () => {
    const bpe = new BytePairEncoder(['a b</w>']);
    expect(bpe.encode('ab')).toBe(bpe.encode('ab'));
  });
});
