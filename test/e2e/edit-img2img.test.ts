/**
 * Image to image in the real window: an image chosen with the file picker, strength, the shared
 * prompt, a run with progress, and the result beside the input with its actions.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotOnFailure, screenshotPath, startSession, stopSession } from './harness.ts';
import type { Chromium, Reverie } from './harness.ts';
import { FIXTURE_MODELS, field, openStudio, pickModel, promptField } from './studio.ts';
import { chooseImage, openTab, photo } from './edit-helpers.ts';

let reverie: Reverie;
let browser: Chromium;
let page: Page;
let consoleErrors: string[] = [];

beforeAll(async () => {
  ({ reverie, browser, page, consoleErrors } = await startSession({ modelsDirs: [FIXTURE_MODELS], provider: 'cpu' }));
  await openStudio(page, reverie);
  await pickModel(page, 'sd15-script');
});

screenshotOnFailure(() => page);

afterAll(async () => {
  await stopSession(browser, reverie);
});

describe('Image to image', () => {
  it('says what is missing before there is an image', async () => {
    await openTab(page, 'Image to image');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const panel = page.getByRole('complementary', { name: 'Image to image settings' });
    await expect(panel.getByRole('alert').innerText()).resolves.toMatch(/Choose an input image/);
  });

  it('runs from a chosen image at a strength and shows the result beside the input', async () => {
    await chooseImage(page, await photo(), 'landscape.png');
    await expect(page.getByRole('figure', { name: 'Input' }).innerText()).resolves.toMatch(/96 × 64/);
    const strength = field(page, 'slider', 'Strength');
    await strength.focus();
    for (let i = 0; i < 25; i++) await strength.press('ArrowLeft');
    await expect(strength.inputValue()).resolves.toBe('0.5');
    await expect(page.getByText(/\d+ of \d+ steps repaint the image/).count()).resolves.toBe(1);
    await promptField(page).fill('a red cat on the hills');
    await field(page, 'spinbutton', 'Steps').fill('8');
    await page.keyboard.press('Control+Enter');
    const result = page.getByRole('figure', { name: 'Result' });
    await result.getByRole('img', { name: 'Image to image result' }).waitFor({ timeout: 30_000 });
    await expect(result.innerText()).resolves.toMatch(/96 × 64 · seed \d+/);
    await expect(page.getByText('Done', { exact: true }).count()).resolves.toBe(1);
    await result.getByRole('button', { name: 'View process' }).waitFor();
    await page.screenshot({ path: screenshotPath('img2img') });
    expect(consoleErrors).toEqual([]);
  });

  it('"View process" opens the result in the Process tab: only the steps the strength ran', async () => {
    await page.getByRole('figure', { name: 'Result' }).getByRole('button', { name: 'View process' }).click();
    await page.getByRole('tab', { name: 'Process', exact: true, selected: true }).waitFor();
    const slider = page.getByRole('slider', { name: 'Step', exact: true });
    await slider.waitFor();
    await expect(slider.getAttribute('aria-valuetext')).resolves.toMatch(/^Step 1 of 4, sigma/); // 8 steps at strength 0.5
    await openTab(page, 'Image to image');
  });

  it('a result can go back in as the input', async () => {
    const result = page.getByRole('figure', { name: 'Result' });
    await result.getByRole('button', { name: 'Use as input' }).click();
    // the input is now the saved result (gallery file names are time stamps)
    await page.getByRole('figure', { name: 'Input' }).getByRole('img', { name: /^Input image \d{8}-\d{6}-[0-9a-f]+\.png$/ }).waitFor();
  });
});
