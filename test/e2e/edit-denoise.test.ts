/**
 * Denoising in the real window: the estimated noise of a chosen photo with an override, the demo
 * mode (noise added, then removed), the before/after slider, the baseline toggle and the PSNR/SSIM
 * table.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotOnFailure, screenshotPath, startSession, stopSession } from './harness.ts';
import type { Chromium, Reverie } from './harness.ts';
import { FIXTURE_MODELS, field, openStudio, pickModel, until } from './studio.ts';
import { chooseImage, openTab, photo } from './edit-helpers.ts';

let reverie: Reverie;
let browser: Chromium;
let page: Page;
let consoleErrors: string[] = [];

beforeAll(async () => {
  ({ reverie, browser, page, consoleErrors } = await startSession({ modelsDirs: [FIXTURE_MODELS], provider: 'cpu' }));
  await openStudio(page, reverie);
  await pickModel(page, 'sd15-lowvar');
});

screenshotOnFailure(() => page);

afterAll(async () => {
  await stopSession(browser, reverie);
});

describe('Denoise', () => {
  it('estimates the noise of a chosen photo and takes an override', async () => {
    await openTab(page, 'Denoise');
    await chooseImage(page, await photo(128, 96), 'grainy.png');
    const estimate = page.locator('[data-estimate]');
    await until('the noise estimate', async () => ((await estimate.getAttribute('data-estimate')) ?? '') !== '');
    await expect(estimate.innerText()).resolves.toMatch(/σ ≈ \d+\.\d/);
    await page.getByRole('checkbox', { name: 'Set the noise level myself' }).check();
    await field(page, 'spinbutton', 'Noise level').fill('20');
    await expect(field(page, 'slider', 'Noise level').inputValue()).resolves.toBe('20');
    await page.getByRole('checkbox', { name: 'Set the noise level myself' }).uncheck();
  });

  it('adds noise in the demo mode, removes it, and compares with the input and the median filter', async () => {
    await page.getByRole('radio', { name: 'Add noise (demo)' }).check();
    await field(page, 'spinbutton', 'Added noise').fill('40');
    await field(page, 'spinbutton', 'Steps').fill('6');
    await page.getByRole('button', { name: 'Denoise', exact: true }).click();
    const slider = page.getByRole('slider', { name: 'Before and after' });
    await slider.waitFor({ timeout: 30_000 });
    const table = page.getByRole('table', { name: 'Quality against the clean reference' });
    await expect(table.innerText()).resolves.toMatch(/Noisy input\s+\d+\.\d+ dB\s+0\.\d{4}[\s\S]*Median filter \(3×3\)[\s\S]*Diffusion\s+\d+\.\d+ dB/);
    await expect(page.getByRole('img', { name: 'With added noise' }).count()).resolves.toBe(1);
    await slider.focus();
    for (let i = 0; i < 5; i++) await slider.press('ArrowRight');
    await expect(slider.inputValue()).resolves.toBe('55');
    await page.getByRole('button', { name: 'Median filter', exact: true }).click();
    await expect(page.getByRole('img', { name: 'Median filter' }).count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Input', exact: true }).click();
    await page.screenshot({ path: screenshotPath('denoise') });
    expect(consoleErrors).toEqual([]);
  });
});
