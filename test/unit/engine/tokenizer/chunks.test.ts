// Long prompts and emphasis in A1111's chunks of 75 CLIP tokens (modules/sd_hijack_clip.py tokenize_line),
// on the real CLIP vocabulary: weights per token, BREAK, the comma backtrack, padding, and the limit.
import { beforeAll, describe, expect, it } from 'vitest';
import { chunkPrompt } from '../../../../src-main/engine/tokenizer/chunks.ts';
import { ClipTokenizer } from '../../../../src-main/engine/tokenizer/clip-bpe.ts';
import { clipMerges, clipVocab, vocabId as v } from './reference.ts';

let tok: ClipTokenizer;
beforeAll(() => {
  tok = ClipTokenizer.fromData(clipVocab(), clipMerges());
});
const BOS = () => v('<|startoftext|>');
const EOS = () => v('<|endoftext|>');
const body = (ids: Int32Array): number[] => {
  const out: number[] = [];
  for (let i = 1; i < ids.length && ids[i] !== EOS(); i++) out.push(ids[i]);
  return out;
};

describe('chunkPrompt', () => {
  it('one chunk for a short prompt: the plain padded row, weights from the emphasis syntax', () => {
    const c = chunkPrompt(tok, 'a (red:1.3) [apple]', { maxChunks: 8 });
    expect(c.chunks).toHaveLength(1);
    const { ids, weights } = c.chunks[0];
    expect(ids).toHaveLength(77);
    expect(Array.from(ids.subarray(0, 5))).toEqual([BOS(), v('a</w>'), v('red</w>'), v('apple</w>'), EOS()]);
    expect(ids[76]).toBe(EOS()); // SD 1.x pads with EOS
    expect(Array.from(weights.subarray(0, 5))).toEqual([1, 1, Math.fround(1.3), Math.fround(1 / 1.1), 1]);
    expect([c.tokenCount, c.truncated, c.weighted]).toEqual([3, false, true]);
    expect(Array.from(chunkPrompt(tok, 'a red apple', { maxChunks: 8 }).chunks[0].ids)).toEqual(Array.from(tok.encodePadded('a red apple').ids));
  });

  it('cuts 75-token chunks, moving the words after the last comma of a full chunk to the next (backtrack ≤ 20)', () => {
    const prompt = `${'cat '.repeat(70)}, ${'dog '.repeat(10)}`; // 70 + comma + 10 = 81 tokens
    const c = chunkPrompt(tok, prompt, { maxChunks: 8 });
    expect(c.chunks.map((k) => body(k.ids).length)).toEqual([71, 10]); // the chunk ends at the comma
    expect(body(c.chunks[0].ids).at(-1)).toBe(v(',</w>'));
    expect(body(c.chunks[1].ids)).toEqual(new Array(10).fill(v('dog</w>')));
    const far = chunkPrompt(tok, `${'cat '.repeat(40)}, ${'dog '.repeat(40)}`, { maxChunks: 8 }); // comma 34 tokens back: no backtrack
    expect(far.chunks.map((k) => body(k.ids).length)).toEqual([75, 6]);
    expect(far.tokenCount).toBe(81);
  });

  it('BREAK ends a chunk; an empty prompt is one padded chunk', () => {
    const c = chunkPrompt(tok, 'a cat BREAK a dog', { maxChunks: 8 });
    expect(c.chunks.map((k) => body(k.ids))).toEqual([[v('a</w>'), v('cat</w>')], [v('a</w>'), v('dog</w>')]]);
    const empty = chunkPrompt(tok, '', { maxChunks: 8 });
    expect(empty.chunks).toHaveLength(1);
    expect(Array.from(empty.chunks[0].ids)).toEqual(Array.from(tok.encodePadded('').ids));
  });

  it('keeps the first window only where the UNet takes one (fixed context), exactly as plain truncation', () => {
    const prompt = `${'cat '.repeat(70)}, ${'dog '.repeat(10)}`;
    const one = chunkPrompt(tok, prompt, { maxChunks: 1 });
    expect(one.chunks).toHaveLength(1);
    expect(one.truncated).toBe(true);
    expect(Array.from(one.chunks[0].ids)).toEqual(Array.from(tok.encodePadded(prompt).ids));
  });
});
