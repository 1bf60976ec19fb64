// Prompt conditioning on a real tiny text encoder: A1111 emphasis (weight per token, chunk mean restored)
// against a float64 reference computed from the plain encoding, long prompts as concatenated chunks, and
// cond/uncond of different lengths padded with the empty prompt's chunk.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadedModel } from '../../../src-main/engine/models/model.ts';
import { encodePrompt, padToLength } from '../../../src-main/engine/pipelines/conditioning.ts';
import { FIXTURE_MODELS } from '../models/fixture-facts.ts';

let model: LoadedModel;
beforeAll(async () => {
  model = await LoadedModel.load(path.join(FIXTURE_MODELS, 'sd15-script'), { provider: 'cpu' });
});
afterAll(() => model.dispose());

describe('encodePrompt', () => {
  it('a prompt without syntax is exactly the plain encoding', async () => {
    const e = await encodePrompt(model, 'a red cat');
    const plain = await model.encodeText([model.tokenizer.encodePadded('a red cat').ids]);
    expect(e.tensor.dims).toEqual([1, 77, plain.dims[2]]);
    expect(Array.from(e.tensor.data)).toEqual(Array.from(plain.data));
    expect([e.chunks, e.truncated, e.tokenCount]).toEqual([1, false, 5]);
  });

  it('(red:1.5) multiplies the token\'s hidden state and restores the chunk mean (A1111 "Original")', async () => {
    const e = await encodePrompt(model, 'a (red:1.5) cat');
    const plain = await model.encodeText([model.tokenizer.encodePadded('a red cat').ids]);
    const [, L, H] = plain.dims;
    const w = new Array<number>(L).fill(1);
    w[2] = 1.5; // BOS, a, red, ...
    let before = 0;
    let after = 0;
    for (let t = 0; t < L; t++) {
      for (let j = 0; j < H; j++) {
        before += plain.data[t * H + j];
        after += plain.data[t * H + j] * w[t];
      }
    }
    let worst = 0;
    for (let t = 0; t < L; t++) {
      for (let j = 0; j < H; j++) worst = Math.max(worst, Math.abs(e.tensor.data[t * H + j] - plain.data[t * H + j] * w[t] * (before / after)));
    }
    expect(worst).toBeLessThan(1e-5);
    expect(Math.abs(before / after - 1)).toBeGreaterThan(1e-3); // the restore did something
  });

  it('a long prompt is its chunks encoded one by one and concatenated; padding appends the empty chunk', async () => {
    const words = 'red cat '.repeat(45).trim(); // 90 tokens: two chunks
    const e = await encodePrompt(model, words);
    const [, , H] = e.tensor.dims;
    expect(e.tensor.dims).toEqual([1, 154, H]);
    // chunk 2 holds tokens 76..90: "cat red cat … red cat" — compare with its own encoding
    const chunk2Text = ['cat', ...'red cat '.repeat(7).trim().split(' ')].join(' ');
    const own = await model.encodeText([model.tokenizer.encodePadded(chunk2Text).ids]);
    expect(Array.from(e.tensor.data.subarray(77 * H))).toEqual(Array.from(own.data));
    const empty = (await encodePrompt(model, '')).tensor;
    const short = (await encodePrompt(model, 'blue')).tensor;
    const padded = padToLength(short, 154, empty);
    expect(padded.dims).toEqual([1, 154, H]);
    expect(Array.from(padded.data.subarray(0, 77 * H))).toEqual(Array.from(short.data));
    expect(Array.from(padded.data.subarray(77 * H))).toEqual(Array.from(empty.data));
  });
});
