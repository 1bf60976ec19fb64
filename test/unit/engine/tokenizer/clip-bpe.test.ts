import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClipTokenizer, decodeTokens } from '../../../../src-main/engine/tokenizer/clip-bpe.ts';
import { clipMerges, clipVocab, referenceCases, vocabId as v } from './reference.ts';

// Expected ids below are looked up in the reference vocab.json by token string (v('hello</w>')),
// following CLIP's rules by hand; they are not produced by the implementation under test.
// Byte-level spellings: bytes 0x21-0x7E, 0xA1-0xAC, 0xAE-0xFF stand for themselves, the other
// 68 bytes are U+0100 + n in byte order (0x94 → 'Ķ', 0x9F → 'Ł', 0x80 → 'Ģ', 0xA0 → 'ł').

let tok: ClipTokenizer;
beforeAll(() => {
  tok = ClipTokenizer.fromData(clipVocab(), clipMerges());
});

const BOS = 49406;
const EOS = 49407;
const body = (text: string): number[] => tok.tokenize(text).ids.slice(1, -1);

describe('ClipTokenizer on the SD 1.x vocabulary', () => {
  it('looks up BOS/EOS/pad by string and defaults to 77 ids', () => {
    expect(tok.bosId).toBe(v('<|startoftext|>'));
    expect(tok.eosId).toBe(v('<|endoftext|>'));
    expect([tok.bosId, tok.eosId, tok.padId, tok.maxLength]).toEqual([BOS, EOS, EOS, 77]);
    expect(tok.vocabSize).toBe(49408);
  });

  it.each(referenceCases())('reproduces the reference ids of $text', ({ text, ids }) => {
    expect(tok.tokenize(text)).toEqual({ ids, tokens: expect.any(Array), truncated: false });
    expect(tok.tokenize(text).tokens).toHaveLength(ids.length);
  });

  it('lower-cases before splitting', () => {
    expect(body('HELLO World')).toEqual([v('hello</w>'), v('world</w>')]);
    expect(tok.tokenize('A PHOTO OF A CAT').ids).toEqual(referenceCases()[0]?.ids);
    expect(body("DON'T")).toEqual([v('don</w>'), v("'t</w>")]);
  });

  it('collapses runs of spaces, tabs and newlines and trims the ends', () => {
    const plain = tok.tokenize('a photo of a cat').ids;
    expect(tok.tokenize('  a\tphoto\n\nof   a\r\ncat \u00a0\u3000').ids).toEqual(plain);
    expect(tok.tokenize('').ids).toEqual([BOS, EOS]);
    expect(tok.tokenize(' \n\t ').ids).toEqual([BOS, EOS]);
  });

  it('splits numbers into single digits', () => {
    expect(body('2024')).toEqual([v('2</w>'), v('0</w>'), v('2</w>'), v('4</w>')]);
    const d = (c: string) => v(`${c}</w>`);
    expect(body('1920x1080')).toEqual([d('1'), d('9'), d('2'), d('0'), v('x</w>'), d('1'), d('0'), d('8'), d('0')]);
  });

  it('keeps punctuation runs together and splits contractions off', () => {
    expect(body('wow!!!')).toEqual([v('wow</w>'), v('!!!</w>')]);
    expect(body('wait...')).toEqual([v('wait</w>'), v('...</w>')]);
    expect(body("it's")).toEqual([v('it</w>'), v("'s</w>")]);
  });

  it('spells emoji through their UTF-8 bytes and decodes them back', () => {
    // 🔥 is F0 9F 94 A5 → 'ð' 'Ł' 'Ķ' '¥'; 😀 is F0 9F 98 80 → 'ð' 'Ł' 'ĺ' 'Ģ'
    expect(body('🔥')).toEqual([v('ðŁĶ¥</w>')]);
    expect(body('a 🔥 😀')).toEqual([v('a</w>'), v('ðŁĶ¥</w>'), v('ðŁĺĢ</w>')]);
    for (const text of ['🔥', '👨‍👩‍👧 family', '𓀀 hieroglyph', '日本語', 'ünïcödé ✓']) {
      const t = tok.encodeText(text);
      expect(t.ids.every((id) => id >= 0 && id < tok.vocabSize && id !== tok.unkId)).toBe(true);
      expect(decodeTokens(t.tokens)).toBe(text);
    }
  });

  it('treats accented letters alike whether precomposed, decomposed or upper case', () => {
    // café is c a f C3 A9 → 'cafÃ©</w>'
    expect(body('café')).toEqual([v('cafÃ©</w>')]);
    expect(body('cafe\u0301')).toEqual([v('cafÃ©</w>')]);
    expect(body('CAFÉ')).toEqual([v('cafÃ©</w>')]);
  });

  it('unescapes HTML entities, twice', () => {
    expect(body('fish &amp; chips')).toEqual([v('fish</w>'), v('&</w>'), v('chips</w>')]);
    expect(body('fish &amp;amp; chips')).toEqual(body('fish & chips'));
    expect(body('&lt;3')).toEqual([v('<</w>'), v('3</w>')]);
  });

  it('applies ftfy-style fixes: curly quotes, full width, ligatures', () => {
    expect(body('don\u2019t')).toEqual([v('don</w>'), v("'t</w>")]);
    expect(body('\u201chi\u201d')).toEqual([v('"</w>'), v('hi</w>'), v('"</w>')]);
    expect(body('ＡＢＣ')).toEqual([v('abc</w>')]);
    expect(body('\ufb01sh')).toEqual([v('fish</w>')]);
    expect(body('\u01c6')).toEqual(body('d\u017e')); // ǆ → dž
  });

  it('keeps typed special tokens whole', () => {
    expect(tok.tokenize('a<|endoftext|>b').ids).toEqual([BOS, v('a</w>'), EOS, v('b</w>'), EOS]);
  });

  it('truncates to maxLength keeping EOS last', () => {
    const a = v('a</w>');
    const exact = tok.tokenize('a '.repeat(75));
    expect(exact.truncated).toBe(false);
    expect(exact.ids).toEqual([BOS, ...Array<number>(75).fill(a), EOS]);

    const over = tok.tokenize('a '.repeat(76));
    expect(over.truncated).toBe(true);
    expect(over.ids).toEqual([BOS, ...Array<number>(75).fill(a), EOS]);
    expect(over.tokens.at(-1)).toBe('<|endoftext|>');
    expect(tok.countTokens('a '.repeat(76))).toBe(76);
  });

  it('pads to maxLength with the pad id', () => {
    const r = tok.encodePadded('a photo of a cat');
    expect(r.ids).toBeInstanceOf(Int32Array);
    expect(r.ids.length).toBe(77);
    expect(Array.from(r.ids.subarray(0, 7))).toEqual(referenceCases()[0]?.ids);
    expect(r.ids.subarray(7).every((id) => id === EOS)).toBe(true);
    expect([r.tokenCount, r.truncated]).toEqual([7, false]);

    const bang = ClipTokenizer.fromData(clipVocab(), clipMerges(), { padToken: '!', maxLength: 10 });
    expect(bang.padId).toBe(v('!'));
    expect(Array.from(bang.encodePadded('a cat').ids)).toEqual([BOS, v('a</w>'), v('cat</w>'), EOS, 0, 0, 0, 0, 0, 0]);
  });

  it('shows where a prompt was cut', () => {
    const prompt = `${'a '.repeat(74)}photograph of a cat`;
    const all = tok.encodeText(prompt).tokens;
    expect(decodeTokens(all.slice(tok.maxLength - 2))).toBe('of a cat');
    expect(tok.tokenize(prompt).tokens.at(-2)).toBe('photograph</w>');
  });
});

describe('ClipTokenizer against the original CLIP tokenizer (ftfy included)', () => {
  // fixtures/openclip-golden.json comes from OpenAI/OpenCLIP's SimpleTokenizer with the real ftfy,
  // see fixtures/make-golden.py; ids are untruncated (some prompts exceed 77 tokens).
  const golden = JSON.parse(readFileSync(new URL('./fixtures/openclip-golden.json', import.meta.url), 'utf8')) as {
    cases: { text: string; ids: number[] }[];
  };

  it.each(golden.cases)('matches on $text', ({ text, ids }) => {
    expect([tok.bosId, ...tok.encodeText(text).ids, tok.eosId]).toEqual(ids);
  });

  it('covers prompts long enough to be truncated', () => {
    const long = golden.cases.filter((c) => c.ids.length > 77);
    expect(long.length).toBeGreaterThan(0);
    for (const { text, ids } of long) {
      expect(tok.tokenize(text)).toEqual({ ids: [...ids.slice(0, 76), EOS], tokens: expect.any(Array), truncated: true });
    }
  });
});
