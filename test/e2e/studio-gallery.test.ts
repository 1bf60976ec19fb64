/**
 * The gallery across a restart: results saved with their parameters, details, reuse parameters,
 * send to an edit tab, reveal (browser mode: the path), delete with undo (button, Delete key,
 * Ctrl+Z), and everything still there after the server restarts on the same data folder.
 */
import { describe, expect, it } from 'vitest';
import { restartReverie, screenshotPath } from './harness.ts';
import { field, openStudio, promptField, until, useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'reverie-tiny' });

const options = () => session.page.getByRole('listbox', { name: 'Gallery images' }).getByRole('option');
const recent = () => session.page.getByRole('navigation', { name: 'Recent results' }).getByRole('button', { name: /^Result/ });

describe('gallery', () => {
  it('saves every result: a batch of two with a fixed seed lands in the strip and the gallery', async () => {
    await promptField(session.page).fill('a castle on a hill');
    await field(session.page, 'textbox', 'Negative prompt').fill('fog');
    await field(session.page, 'spinbutton', 'Steps').fill('6');
    await field(session.page, 'textbox', 'Seed').fill('1234');
    await field(session.page, 'spinbutton', 'Batch size').fill('2');
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await until('two results in the strip', async () => (await recent().count()) === 2);
    await session.page.keyboard.press('Alt+6');
    await session.page.getByRole('tab', { name: 'Gallery', exact: true, selected: true }).waitFor();
    await until('two gallery images', async () => (await options().count()) === 2);
    await options().first().click();
    const details = session.page.getByRole('article', { name: 'Image details' });
    await expect(details.innerText()).resolves.toMatch(/a castle on a hill[\s\S]*fog[\s\S]*Seed\s+123[45][\s\S]*Steps: 6, Sampler: DPM\+\+ 2M/);
    await session.page.screenshot({ path: screenshotPath('gallery') });
  });

  it('reuse parameters puts prompt, settings and the image seed back into the form', async () => {
    await session.page.getByRole('tab', { name: 'Generate', exact: true }).click();
    await promptField(session.page).fill('something else');
    await field(session.page, 'spinbutton', 'Steps').fill('30');
    await field(session.page, 'textbox', 'Seed').fill('');
    await session.page.getByRole('tab', { name: 'Gallery', exact: true }).click();
    await options().nth(1).click();
    const seed = /Seed\s+(\d+)/.exec(await session.page.getByRole('article', { name: 'Image details' }).innerText())?.[1];
    await session.page.getByRole('article', { name: 'Image details' }).getByRole('button', { name: 'Reuse parameters' }).click();
    await session.page.getByRole('tab', { name: 'Generate', exact: true, selected: true }).waitFor();
    await expect(promptField(session.page).inputValue()).resolves.toBe('a castle on a hill');
    await expect(field(session.page, 'textbox', 'Negative prompt').inputValue()).resolves.toBe('fog');
    await expect(field(session.page, 'spinbutton', 'Steps').inputValue()).resolves.toBe('6');
    await expect(field(session.page, 'textbox', 'Seed').inputValue()).resolves.toBe(seed);
    await expect(session.page.getByRole('button', { name: 'Lock seed' }).getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(field(session.page, 'spinbutton', 'Batch size').inputValue()).resolves.toBe('1');
  });

  it('sends a result to an edit tab as its input image', async () => {
    await recent().first().click();
    await session.page.getByRole('group', { name: 'Image actions' }).getByRole('button', { name: 'Send to inpaint' }).click();
    await session.page.getByRole('tab', { name: 'Inpaint', exact: true, selected: true }).waitFor();
    await session.page.getByRole('img', { name: /^Input image: .*\.png$/ }).waitFor();
    // Denoise keeps its own input: it offers Inpaint's image instead of taking it silently
    await session.page.keyboard.press('Alt+4');
    await expect(session.page.getByRole('img', { name: /^Input image: .*\.png$/ }).count()).resolves.toBe(0);
    await session.page.getByRole('button', { name: 'Use the image from Inpaint' }).click();
    await session.page.getByRole('img', { name: /^Input image: .*\.png$/ }).waitFor();
    await session.page.screenshot({ path: screenshotPath('send-to-denoise') });
  });

  it('reveal in browser mode shows the path with a Copy button', async () => {
    await session.page.keyboard.press('Alt+6');
    await options().first().click();
    await session.page.getByRole('article', { name: 'Image details' }).getByRole('button', { name: 'Reveal file' }).click();
    const toast = session.page.getByRole('status').filter({ hasText: 'Saved at' });
    await expect(toast.innerText()).resolves.toContain(`${session.reverie.dataDir}/gallery/`);
    await toast.getByRole('button', { name: 'Copy path' }).waitFor();
  });

  it('delete is undoable: the Undo button, and the Delete key with Ctrl+Z', async () => {
    const details = session.page.getByRole('article', { name: 'Image details' });
    await details.getByRole('button', { name: 'Delete image' }).click();
    await until('one image left', async () => (await options().count()) === 1);
    await session.page.getByRole('status').getByRole('button', { name: 'Undo' }).click();
    await until('the image back', async () => (await options().count()) === 2);
    await session.page.getByRole('listbox', { name: 'Gallery images' }).focus();
    await session.page.keyboard.press('Delete');
    await until('one image left', async () => (await options().count()) === 1);
    await session.page.screenshot({ path: screenshotPath('gallery-deleted-undo') });
    await session.page.keyboard.press('Control+z');
    await until('the image back', async () => (await options().count()) === 2);
    // and for real this time
    await session.page.keyboard.press('Delete');
    await until('one image left', async () => (await options().count()) === 1);
  });

  it('reloads the gallery after the server restarts on the same data folder', async () => {
    session.reverie = await restartReverie(session.page, session.reverie);
    await openStudio(session.page, session.reverie);
    await until('the remaining result in the strip', async () => (await recent().count()) === 1);
    await session.page.getByRole('img', { name: /^Result: a castle on a hill/ }).waitFor();
    await session.page.keyboard.press('Alt+6');
    await until('one gallery image', async () => (await options().count()) === 1);
    await options().first().click();
    await expect(session.page.getByRole('article', { name: 'Image details' }).innerText()).resolves.toMatch(/a castle on a hill/);
    await session.page.screenshot({ path: screenshotPath('gallery-after-restart') });
  });

  it('ran without console errors or CSP violations', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
