import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../../src-main/engine/imageio/png.ts';
import { readChunks } from '../../../src-main/engine/imageio/png-chunks.ts';
import { Studio } from '../../../src-renderer/src/lib/state/studio.svelte.ts';
import { TINY_MODEL, rendererBackend, until } from './backend.ts';
import type { RendererBackend } from './backend.ts';

let r: RendererBackend;
beforeAll(async () => {
  r = await rendererBackend();
});
afterAll(async () => {
  await r.close();
});

/** Image size from the PNG header: the decoder the studio would get from the browser. */
async function pngSize(blob: Blob): Promise<{ width: number; height: number }> {
  const ihdr = readChunks(new Uint8Array(await blob.arrayBuffer()))[0].data;
  const view = new DataView(ihdr.buffer, ihdr.byteOffset, ihdr.byteLength);
  return { width: view.getUint32(0), height: view.getUint32(4) };
}

function makeStudio(copied: string[] = []): Studio {
  let url = 0;
  return new Studio(r.api, {
    input: {
      decodeSize: pngSize,
      // gallery URLs are served by the HTTP server in the app; here the file is read from the item's path
      fetchBlob: () => Promise.reject(new Error('not used')),
      createUrl: () => `blob:test/${++url}`,
      revokeUrl: () => undefined,
    },
    copyText: async (t) => void copied.push(t),
  });
}

describe('Studio', () => {
  it('starts with the settings defaults and the first valid model, generates, reuses and deletes with undo', async () => {
    await r.api.settings.set({ patch: { defaults: { steps: 4, sampler: 'dpmpp_2m', negativePrompt: 'blurry' } } });
    const copied: string[] = [];
    const studio = makeStudio(copied);
    const off = studio.connect();
    await studio.start();
    expect(studio.form.steps).toBe(4);
    expect(studio.form.sampler).toBe('dpmpp_2m');
    expect(studio.form.negativePrompt).toBe('blurry');
    expect(studio.form.model?.valid).toBe(true);
    expect(studio.system.registry.samplers.map((s) => s.label)).toContain('DPM++ 2M');
    studio.form.modelId = TINY_MODEL;
    studio.form.prompt = 'a blue circle';
    studio.form.seedText = '5';
    expect(studio.runPrimaryAction()).toBe(false); // nothing registered for the tab yet
    const unregister = studio.registerPrimaryAction('generate', () => studio.generate());
    expect(studio.runPrimaryAction()).toBe(true);
    unregister();
    await until('an image on the canvas', () => studio.ui.canvas.kind === 'image');
    const id = studio.ui.canvas.kind === 'image' ? studio.ui.canvas.id : '';
    const item = studio.gallery.item(id);
    expect(item?.seed).toBe(5);
    // the model used is remembered for the next start
    await until('lastModel saved', () => studio.settings.settings?.lastModel === TINY_MODEL);

    studio.form.prompt = 'changed';
    studio.ui.tab = 'gallery';
    if (item) studio.reuse(item);
    expect(studio.ui.tab).toBe('generate');
    expect(studio.form.prompt).toBe('a blue circle');
    expect(studio.toasts.toasts.at(-1)?.message).toMatch(/are in the form \(seed 5\)/);

    if (item) await studio.deleteItem(item);
    expect(studio.gallery.item(id)).toBeNull();
    expect(studio.ui.canvas.kind).toBe('empty');
    const undo = studio.toasts.toasts.at(-1);
    expect(undo?.action?.label).toBe('Undo');
    await studio.toasts.act(undo?.id ?? -1);
    expect(studio.gallery.item(id)?.id).toBe(id);
    expect(await studio.undoDelete()).toBe(false); // nothing left to undo

    if (item) await studio.reveal(item);
    const reveal = studio.toasts.toasts.at(-1);
    expect(reveal?.message).toBe(`Saved at ${item?.path}`);
    await studio.toasts.act(reveal?.id ?? -1);
    expect(copied).toEqual([item?.path]);
    off();
  });

  it('says why Generate did nothing', async () => {
    const studio = makeStudio();
    await studio.start();
    studio.form.seedText = 'abc';
    expect(await studio.generate()).toBe(false);
    expect(studio.generateError).toMatch(/Seed "abc" is not a whole number/);
    // the message is about those inputs: it goes as soon as they change (issue 17, item 6)
    studio.form.seedText = '12';
    expect(studio.generateError).toBeNull();
  });

  it('takes a dropped image: parameters into the form on Generate, the input image on an edit tab', async () => {
    const studio = makeStudio();
    await studio.start();
    const text = 'a castle\nNegative prompt: fog\nSteps: 33, Sampler: DPM++ 2M Karras, CFG scale: 5.5, Seed: 424242, Size: 320x448, Model: reverie-tiny';
    const png = await encodePng({ width: 4, height: 2, data: new Uint8Array(24) }, [{ keyword: 'parameters', text }]);
    const file = new Blob([png], { type: 'image/png' });
    await studio.takeImage(file, 'a1111.png', 'drop');
    expect([studio.form.prompt, studio.form.steps, studio.form.sampler, studio.form.schedule, studio.form.seedText, studio.form.width, studio.form.model?.name]).toEqual(['a castle', 33, 'dpmpp_2m', 'karras', '424242', 320, 'reverie-tiny']);
    expect(studio.toasts.toasts.at(-1)?.message).toBe('Read the parameters of "a1111.png" (A1111 format).');

    const plain = new Blob([await encodePng({ width: 6, height: 3, data: new Uint8Array(54) })], { type: 'image/png' });
    await studio.takeImage(plain, 'photo.png', 'drop');
    const offer = studio.toasts.toasts.at(-1);
    expect(offer?.message).toBe('"photo.png" has no generation parameters (no A1111 "parameters", ComfyUI "prompt"/"workflow" or InvokeAI metadata).');
    await studio.toasts.act(offer?.id ?? -1);
    expect(studio.ui.tab).toBe('img2img');
    expect(studio.inputs.of('img2img').image).toMatchObject({ name: 'photo.png', width: 6, height: 3, source: 'drop' });

    studio.ui.tab = 'denoise';
    await studio.takeImage(file, 'pasted.png', 'paste');
    // the paste goes to the open tab's input only
    expect(studio.inputs.of('denoise').image).toMatchObject({ name: 'pasted.png', width: 4, height: 2, source: 'paste' });
    expect(await studio.inputs.of('denoise').base64()).toBe(png.toString('base64'));
    expect(studio.inputs.of('img2img').image?.name).toBe('photo.png');

    await studio.takeImage(new Blob(['hello'], { type: 'text/plain' }), 'notes.txt', 'drop');
    expect(studio.toasts.toasts.at(-1)).toMatchObject({ kind: 'error', message: '"notes.txt" is not an image (text/plain); use a PNG, JPEG or WebP file.' });
    expect(studio.inputs.of('denoise').image?.name).toBe('pasted.png');
  });

  it('sends a gallery item to an edit tab', async () => {
    // the app fetches /media/gallery/<file>; here the same bytes come from the item's file on disk
    const studio: Studio = new Studio(r.api, {
      input: {
        decodeSize: pngSize,
        fetchBlob: async (url) => new Blob([readFileSync(studio.gallery.items.find((i) => i.url === url)?.path ?? '')], { type: 'image/png' }),
        createUrl: () => 'blob:x',
        revokeUrl: () => undefined,
      },
    });
    await studio.start();
    const item = studio.gallery.items[0];
    await studio.sendTo(item, 'inpaint');
    expect(studio.ui.tab).toBe('inpaint');
    expect(studio.inputs.of('inpaint').image).toMatchObject({ galleryId: item.id, source: 'gallery', width: item.width, height: item.height });
    // the other tabs keep their own (empty) inputs
    expect([studio.inputs.of('img2img').image, studio.inputs.of('denoise').image, studio.inputs.of('forward').image]).toEqual([null, null, null]);
    expect(studio.toasts.toasts.at(-1)?.message).toBe(`${item.fileName} is the input image of Inpaint.`);
  });
});
