// The prompt boxes' token counters: what they say for one chunk, several, and a cut-off prompt, and
// that an answer for older text never overwrites the counter of newer text.
import { describe, expect, it } from 'vitest';
import type { ModelReport, PromptTokens } from '../../../src-renderer/src/lib/api/types.ts';
import { PromptTokensState, counterView } from '../../../src-renderer/src/lib/state/prompt-tokens.svelte.ts';

describe('counterView', () => {
  it('shows tokens over the capacity of the chunks in use, the chunk count, and when the end is cut', () => {
    expect(counterView(12, 1, false, 75, 8)).toMatchObject({ text: '12 / 75', chunks: null, over: false });
    expect(counterView(80, 2, false, 75, 8)).toMatchObject({ text: '80 / 150', chunks: '2 chunks', over: false, description: '80 tokens, in 2 chunks of 75' });
    expect(counterView(120, 1, true, 75, 1)).toMatchObject({ text: '120 / 75', over: true, description: '120 tokens: more than the 75 this model reads (1 × 75); the end is cut off' });
    expect(counterView(0, 1, false, 30, 8).text).toBe('0 / 30');
  });
});

describe('PromptTokensState', () => {
  it('asks models.tokens for prompt and negative prompt and keeps only the answer for the latest text', async () => {
    const model = { id: '/m/sd', name: 'sd', valid: true } as ModelReport;
    const source = { model, prompt: 'a cat', negativePrompt: '' };
    const pending: { texts: string[]; resolve: (r: PromptTokens) => void }[] = [];
    const api = { models: { tokens: (req: { texts: string[] }) => new Promise<PromptTokens>((resolve) => pending.push({ texts: req.texts, resolve })) } };
    const state = new PromptTokensState(api as never, source);
    const first = state.refresh();
    source.prompt = 'a cat on a mat';
    const second = state.refresh();
    pending[1].resolve({ chunkLength: 75, maxChunks: 8, counts: [{ tokens: 5, chunks: 1, truncated: false }, { tokens: 0, chunks: 1, truncated: false }] });
    await second;
    pending[0].resolve({ chunkLength: 75, maxChunks: 8, counts: [{ tokens: 2, chunks: 1, truncated: false }, { tokens: 0, chunks: 1, truncated: false }] });
    await first;
    expect(pending.map((p) => p.texts)).toEqual([['a cat', ''], ['a cat on a mat', '']]);
    expect(state.prompt?.text).toBe('5 / 75');
    expect(state.negative?.text).toBe('0 / 75');
    source.model = { ...model, valid: false };
    await state.refresh();
    expect(state.prompt).toBeNull();
  });
});
