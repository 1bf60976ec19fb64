import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../../src-main/engine/imageio/png.ts';
import { Studio } from '../../../src-renderer/src/lib/state/studio.svelte.ts';
import { rendererBackend, until } from './backend.ts';
import type { RendererBackend } from './backend.ts';

let r: RendererBackend;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reverie-open-in-'));
beforeAll(async () => {
  r = await rendererBackend();
});
afterAll(async () => {
  await r.close();
  rmSync(dir, { recursive: true, force: true });
});

function makeStudio(): Studio {
  return new Studio(r.api, {
    input: {
      decodeSize: () => Promise.resolve({ width: 4, height: 2 }),
      fetchBlob: () => Promise.reject(new Error('not used')),
      createUrl: () => 'blob:test/1',
      revokeUrl: () => undefined,
    },
    copyText: async () => undefined,
  });
}

async function pngFile(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  writeFileSync(file, await encodePng({ width: 4, height: 2, data: new Uint8Array(24) }, [{ keyword: 'parameters', text }]));
  return file;
}

describe('Studio: "Open in Reverie"', () => {
  it('reads the parameters of a PNG the app was started with, and of one opened while it runs', async () => {
    const atLaunch = await pngFile('launch.png', 'a lighthouse\nNegative prompt: fog\nSteps: 12, Sampler: Euler, CFG scale: 6, Seed: 77, Size: 64x64');
    await r.tb.backend.openedFiles.open([atLaunch]);
    const studio = makeStudio();
    const disconnect = studio.connect();
    await studio.start();
    expect([studio.form.prompt, studio.form.steps, studio.form.seedText]).toEqual(['a lighthouse', 12, '77']);
    expect(studio.toasts.toasts.at(-1)?.message).toBe('Read the parameters of "launch.png" (A1111 format).');

    const later = await pngFile('later.png', 'a red apple\nSteps: 9, Sampler: Euler, CFG scale: 5, Seed: 5, Size: 64x64');
    await r.tb.backend.openedFiles.open([later, path.join(dir, 'missing.png')]);
    await until('the opened file', () => studio.form.prompt === 'a red apple');
    expect(studio.toasts.toasts.map((t) => t.message)).toContain(`Could not open "${path.join(dir, 'missing.png')}": there is no such file.`);

    // on an edit tab the opened image becomes the input, as a dropped one would
    studio.ui.tab = 'img2img';
    await r.tb.backend.openedFiles.open([await pngFile('photo.png', 'x')]);
    await until('the input image', () => studio.inputs.of('img2img').image?.name === 'photo.png');
    expect(studio.inputs.of('img2img').image).toMatchObject({ name: 'photo.png', source: 'file' });
    disconnect();
  });
});
