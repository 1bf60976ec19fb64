/**
 * Each image tab's own input (EditInputs) against the real backend: drops and pastes go to the open
 * tab (or the Process view on screen), "Send to" to the named tab only, "Use the image from …" copies
 * on purpose; a failure and a result stop showing once the tab's input changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../../../src-main/engine/imageio/png.ts';
import { EditStudio } from '../../../../src-renderer/src/lib/state/edit-studio.svelte.ts';
import { Studio } from '../../../../src-renderer/src/lib/state/studio.svelte.ts';
import { pngSize, rendererBackend, until } from '../backend.ts';
import type { RendererBackend } from '../backend.ts';

let r: RendererBackend;
const offs: (() => void)[] = [];
beforeAll(async () => {
  r = await rendererBackend();
});
afterAll(async () => {
  offs.forEach((off) => off());
  await r.close();
});

async function picture(width: number, height: number): Promise<Blob> {
  const data = new Uint8Array(width * height * 3).map((_, i) => (i * 7) % 256);
  return new Blob([await encodePng({ width, height, data })], { type: 'image/png' });
}

async function setup(): Promise<{ studio: Studio; edit: EditStudio; revoked: string[] }> {
  let n = 0;
  const revoked: string[] = [];
  const input = { decodeSize: pngSize, fetchBlob: () => Promise.reject(new Error('unused')), createUrl: () => `blob:test/${++n}`, revokeUrl: (u: string) => void revoked.push(u) };
  const studio = new Studio(r.api, { input, storage: null });
  offs.push(studio.connect());
  await studio.start();
  const edit = new EditStudio(studio, { input });
  offs.push(edit.connect());
  return { studio, edit, revoked };
}

describe('EditInputs', () => {
  it('gives each tab its own input: a drop or paste goes to the open tab, or to the Process view on screen', async () => {
    const { studio } = await setup();
    const { inputs } = studio;
    studio.ui.tab = 'inpaint';
    await studio.takeImage(await picture(8, 4), 'wall.png', 'drop');
    expect(inputs.of('inpaint').image).toMatchObject({ name: 'wall.png', width: 8, height: 4 });
    expect(['img2img', 'denoise', 'forward', 'anomaly'].map((id) => inputs.of(id as 'img2img').image)).toEqual([null, null, null, null]);

    // Process takes an image only while its forward or anomaly view is on screen
    studio.ui.tab = 'process';
    expect(inputs.target).toBeNull();
    const hide = inputs.showing('forward');
    expect(inputs.target).toBe('forward');
    await studio.takeImage(await picture(6, 6), 'ramp.png', 'paste');
    expect(inputs.of('forward').image?.name).toBe('ramp.png');
    hide();
    expect(inputs.target).toBeNull();
    studio.ui.tab = 'gallery';
    expect(inputs.target).toBeNull();
  });

  it('offers the other tabs\' images, each once, and copies one on purpose', async () => {
    const { studio, revoked } = await setup();
    const { inputs } = studio;
    await inputs.of('img2img').setFile(await picture(8, 4), 'cat.png', 'file');
    expect(inputs.others('inpaint').map((o) => [o.id, o.label, o.image.name])).toEqual([['img2img', 'Image to image', 'cat.png']]);
    expect(inputs.copy('img2img', 'inpaint')).toBe(true);
    const copied = inputs.of('inpaint').image;
    // the same bytes (uploaded once), under a URL of its own: clearing one tab leaves the other's image
    expect(copied?.blob).toBe(inputs.of('img2img').image?.blob);
    expect(copied?.url).not.toBe(inputs.of('img2img').image?.url);
    // the same image held by two tabs is offered once
    expect(inputs.others('denoise').map((o) => o.id)).toEqual(['img2img']);
    inputs.of('img2img').clear();
    expect(revoked).not.toContain(copied?.url);
    expect(inputs.of('inpaint').image?.url).toBe(copied?.url);
    expect(inputs.copy('img2img', 'denoise')).toBe(false); // nothing there any more
  });

  it('clears a failure once the tab\'s input changes, and leaves the other tabs\' alone', async () => {
    const { studio, edit } = await setup();
    studio.form.seedText = 'not a seed'; // a run that cannot start: its problem is bound to the inputs
    const s = edit.img2img;
    await s.input.setFile(await picture(8, 8), 'a.png', 'file');
    expect(await s.run()).toBe(false);
    await until('the problem', () => s.job.error !== null);
    await edit.denoise.input.setFile(await picture(8, 8), 'b.png', 'file');
    expect(s.job.error).not.toBeNull(); // another tab's input is not this tab's
    await s.input.setFile(await picture(16, 8), 'c.png', 'file');
    expect(s.job.error).toBeNull();
  });
});
