/**
 * Image to image in the real window: an image chosen with the file picker, strength, the shared
 * prompt, a run with progress, and the result beside the input with its actions.
 */
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { field, promptField, useStudioSession } from './studio.ts';
import { chooseImage, openTab, photo } from './edit-helpers.ts';

const session = useStudioSession({ model: 'sd15-script' });

describe('Image to image', () => {
  it('says what is missing before there is an image', async () => {
    await openTab(session.page, 'Image to image');
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    const panel = session.page.getByRole('complementary', { name: 'Image to image settings' });
    await expect(panel.getByRole('alert').innerText()).resolves.toMatch(/Choose an input image/);
  });

  it('runs from a chosen image at a strength and shows the result beside the input', async () => {
    await chooseImage(session.page, await photo(), 'landscape.png');
    await expect(session.page.getByRole('figure', { name: 'Input' }).innerText()).resolves.toMatch(/96 × 64/);
    const strength = field(session.page, 'slider', 'Strength');
    await strength.focus();
    for (let i = 0; i < 25; i++) await strength.press('ArrowLeft');
    await expect(strength.inputValue()).resolves.toBe('0.5');
    await expect(session.page.getByText(/\d+ of \d+ steps repaint the image/).count()).resolves.toBe(1);
    await promptField(session.page).fill('a red cat on the hills');
    await field(session.page, 'spinbutton', 'Steps').fill('8');
    await session.page.keyboard.press('Control+Enter');
    const result = session.page.getByRole('figure', { name: 'Result' });
    await result.getByRole('img', { name: 'Image to image result' }).waitFor({ timeout: 30_000 });
    await expect(result.innerText()).resolves.toMatch(/96 × 64 · seed \d+/);
    // the tab's status bar (the queue beside it has a "Done" badge of its own)
    await expect(session.page.getByRole('region', { name: 'Image to image', exact: true }).getByText('Done', { exact: true }).count()).resolves.toBe(1);
    await result.getByRole('button', { name: 'View process' }).waitFor();
    await session.page.screenshot({ path: screenshotPath('img2img') });
    expect(session.consoleErrors).toEqual([]);
  });

  it('"View process" opens the result in the Process tab: only the steps the strength ran', async () => {
    await session.page.getByRole('figure', { name: 'Result' }).getByRole('button', { name: 'View process' }).click();
    await session.page.getByRole('tab', { name: 'Process', exact: true, selected: true }).waitFor();
    const slider = session.page.getByRole('slider', { name: 'Step', exact: true });
    await slider.waitFor();
    await expect(slider.getAttribute('aria-valuetext')).resolves.toMatch(/^Step 1 of 4, sigma/); // 8 steps at strength 0.5
    await openTab(session.page, 'Image to image');
  });

  it('a result can go back in as the input', async () => {
    const result = session.page.getByRole('figure', { name: 'Result' });
    await result.getByRole('button', { name: 'Use as input' }).click();
    // the input is now the saved result (gallery file names are time stamps)
    await session.page.getByRole('figure', { name: 'Input' }).getByRole('img', { name: /^Input image \d{8}-\d{6}-[0-9a-f]+\.png$/ }).waitFor();
  });
});
