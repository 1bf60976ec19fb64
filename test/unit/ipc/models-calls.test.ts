/**
 * models.list and models.card over the real backend and dispatcher (responses checked against the
 * contract): the bundled model's vocabulary and card reach the renderer, and models.card reads only
 * folders of the model list.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelCard, ModelReport } from '../../../src-main/ipc/contract.ts';
import { FIXTURES, startBackend } from './backend-harness.ts';
import type { BackendHarness } from './backend-harness.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');

let h: BackendHarness;

beforeAll(async () => {
  h = await startBackend({ prefix: 'reverie-models-calls-', settings: { modelsDirs: [FIXTURES] }, bundledModelsDir: path.join(REPO, 'models') });
});
afterAll(() => h.close());

const call = <T>(name: string, request: unknown): Promise<T> => h.call<T>(name, request);

describe('models calls', () => {
  it('models.list carries the bundled model vocabulary and which folders have a card', async () => {
    const { models } = await call<{ models: ModelReport[] }>('models.list', { refresh: true });
    const mini = models.find((m) => m.name === 'reverie-mini');
    expect(mini).toMatchObject({ valid: true, hasCard: true });
    expect(mini?.vocabulary?.objects.map((o) => o.name)).toContain('fire engine');
    expect(mini?.vocabulary?.related.submarine).toEqual(['ship', 'sailboat']);
    expect(models.find((m) => m.name === 'sd15-script')?.vocabulary).toBeUndefined();
  });

  it('models.card gives a listed folder its README and images; other paths and card-less folders are refused', async () => {
    const card = await call<ModelCard>('models.card', { model: path.join(REPO, 'models', 'reverie-mini') });
    expect(card.markdown).toMatch(/^# reverie-mini/);
    expect(card.images['samples.jpg']).toMatch(/^data:image\/jpeg;base64,/);
    await expect(call('models.card', { model: path.join(REPO, 'models') })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    await expect(call('models.card', { model: path.join(FIXTURES, 'reverie-tiny') })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/has no model card/) });
    await expect(call('models.card', {})).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('models.tokens counts with the model tokenizer in A1111 chunks; a fixed-context UNet takes one window', async () => {
    type Tokens = { chunkLength: number; maxChunks: number; counts: { tokens: number; chunks: number; truncated: boolean }[] };
    const long = 'a red cat '.repeat(40).trim(); // 120 CLIP tokens
    const sd = await call<Tokens>('models.tokens', { model: path.join(FIXTURES, 'sd15-script'), texts: ['a (red:1.2) cat', long, ''] });
    expect(sd).toEqual({
      chunkLength: 75,
      maxChunks: 8,
      counts: [{ tokens: 3, chunks: 1, truncated: false }, { tokens: 120, chunks: 2, truncated: false }, { tokens: 0, chunks: 1, truncated: false }],
    });
    const fixed = await call<Tokens>('models.tokens', { model: path.join(FIXTURES, 'sd15-static'), texts: [long] });
    expect(fixed).toEqual({ chunkLength: 75, maxChunks: 1, counts: [{ tokens: 120, chunks: 1, truncated: true }] });
    await expect(call('models.tokens', { model: path.join(FIXTURES, 'broken-missing-unet'), texts: ['a'] })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    await expect(call('models.tokens', { model: path.join(FIXTURES, 'sd15-script'), texts: [] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
