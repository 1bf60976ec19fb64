/**
 * models.list and models.card over the real backend and dispatcher (responses checked against the
 * contract): the bundled model's vocabulary and card reach the renderer, and models.card reads only
 * folders of the model list.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessHost } from '../../../src-main/engine/hosting/host.ts';
import { createEngineService } from '../../../src-main/engine/service.ts';
import { createBackend } from '../../../src-main/ipc/backend/backend.ts';
import type { Backend } from '../../../src-main/ipc/backend/backend.ts';
import type { ModelCard, ModelReport } from '../../../src-main/ipc/contract.ts';
import { createDispatcher } from '../../../src-main/ipc/dispatch.ts';
import type { Dispatch } from '../../../src-main/ipc/dispatch.ts';
import { GalleryStore } from '../../../src-main/storage/gallery.ts';
import { ensureDataLayout } from '../../../src-main/storage/paths.ts';
import { SettingsStore } from '../../../src-main/storage/settings.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'models');

let dataDir: string;
let backend: Backend;
let dispatch: Dispatch;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'reverie-models-calls-'));
  const layout = ensureDataLayout(dataDir);
  const settings = await SettingsStore.open(layout.settingsFile);
  await settings.update({ modelsDirs: [FIXTURES] });
  backend = createBackend({
    mode: 'browser',
    appName: 'Reverie',
    appVersion: '0.0.0-test',
    electronVersion: null,
    host: new InProcessHost(createEngineService({ isolated: false })),
    layout,
    bundledModelsDir: path.join(REPO, 'models'),
    settings,
    gallery: new GalleryStore(layout.galleryDir, layout.trashDir),
    debugCalls: false,
  });
  dispatch = createDispatcher(backend.handlers);
});
afterAll(async () => {
  await backend.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

async function call<T>(name: string, request: unknown): Promise<T> {
  const envelope = await dispatch(name, request);
  if (!envelope.ok) throw Object.assign(new Error(envelope.error.message), { code: envelope.error.code });
  return envelope.result as T;
}

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
