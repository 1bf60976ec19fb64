/**
 * Each image tab has its own input (issue 17, item 4): "Send to Image to image" from the canvas sets
 * that tab's input only; Inpaint then offers "Use the image from Image to image" and takes it on
 * purpose; a pasted image goes to the open tab only; a new input clears the old result beside it.
 */
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { chooseImage, openTab, photo } from './edit-helpers.ts';
import { field, pasteFile, promptField, useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'reverie-tiny' });
const inputImage = (name: RegExp | string) => session.page.getByRole('img', { name: typeof name === 'string' ? `Input image: ${name}` : name });
const useFrom = (tab: string) => session.page.getByRole('button', { name: `Use the image from ${tab}` });

describe('one input per tab', () => {
  it('"Send to Image to image" on the canvas sets that tab\'s input only', async () => {
    const p = session.page;
    await promptField(p).fill('a boat');
    await field(p, 'spinbutton', 'Steps').fill('2');
    await p.getByRole('button', { name: 'Generate', exact: true }).click();
    const actions = p.getByRole('region', { name: 'Canvas' }).getByRole('group', { name: 'Image actions' });
    await actions.waitFor({ timeout: 30_000 });
    await actions.getByRole('button', { name: 'Send to image to image' }).click();
    await p.getByRole('tab', { name: 'Image to image', exact: true, selected: true }).waitFor();
    await inputImage(/^Input image: .*\.png$/).waitFor();
    for (const tab of ['Inpaint', 'Denoise']) {
      await openTab(p, tab);
      await expect(inputImage(/^Input image: /).count(), `${tab} keeps its own empty input`).resolves.toBe(0);
      await useFrom('Image to image').waitFor();
    }
    await openTab(p, 'Process');
    await p.getByRole('tab', { name: 'Forward process' }).click();
    await expect(inputImage(/^Input image: /).count()).resolves.toBe(0);
    await useFrom('Image to image').waitFor();
  });

  it('"Use the image from …" copies another tab\'s image on purpose', async () => {
    const p = session.page;
    await openTab(p, 'Inpaint');
    await p.setViewportSize({ width: 1280, height: 800 });
    await p.screenshot({ path: screenshotPath('input-use-from-1280') });
    await p.setViewportSize({ width: 900, height: 700 });
    await p.screenshot({ path: screenshotPath('input-use-from-900') });
    await p.setViewportSize({ width: 1280, height: 800 });
    await useFrom('Image to image').click();
    await inputImage(/^Input image: .*\.png$/).waitFor();
    await p.getByRole('application', { name: 'Mask canvas' }).waitFor();
    await expect(useFrom('Image to image').count()).resolves.toBe(0);
  });

  it('a pasted image goes to the open tab only', async () => {
    const p = session.page;
    await openTab(p, 'Denoise');
    const png = await photo(40, 30);
    await pasteFile(p, png, 'clip.png');
    await inputImage('clip.png').waitFor();
    for (const tab of ['Image to image', 'Inpaint']) {
      await openTab(p, tab);
      await inputImage(/^Input image: .*\.png$/).waitFor();
      await expect(inputImage('clip.png').count(), `${tab} keeps its own input`).resolves.toBe(0);
    }
  });

  it('a new input clears the old result and status beside it', async () => {
    const p = session.page;
    await openTab(p, 'Image to image');
    await p.getByRole('button', { name: 'Generate', exact: true }).click();
    const result = p.getByRole('figure', { name: 'Result' });
    await result.getByRole('img', { name: 'Image to image result' }).waitFor({ timeout: 30_000 });
    await chooseImage(p, await photo(80, 48), 'new-photo.png');
    await expect(result.getByRole('img', { name: 'Image to image result' }).count()).resolves.toBe(0);
    await expect(result.innerText()).resolves.toMatch(/The result appears here/);
    await p.screenshot({ path: screenshotPath('input-new-clears-result') });
    expect(session.consoleErrors).toEqual([]);
  });
});
