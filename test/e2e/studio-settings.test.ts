/**
 * Settings persist (reload and server restart), apply to a fresh Generate form, and a models
 * folder added in Settings is scanned; keyboard: every shortcut of the help popover, tab
 * navigation with the arrow keys, and the controls reachable with Tab.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotOnFailure, screenshotPath, restartReverie, startSession, stopSession } from './harness.ts';
import type { Chromium, Reverie } from './harness.ts';
import { FIXTURE_MODELS, field, openStudio, pickModel, promptField, until } from './studio.ts';

let reverie: Reverie;
let browser: Chromium;
let page: Page;
let extraModels: string;
let consoleErrors: string[] = [];

beforeAll(async () => {
  extraModels = mkdtempSync(path.join(os.tmpdir(), 'reverie-e2e-extra-'));
  cpSync(path.join(FIXTURE_MODELS, 'reverie-tiny'), path.join(extraModels, 'my-own-model'), { recursive: true });
  ({ reverie, browser, page, consoleErrors } = await startSession({ modelsDirs: [FIXTURE_MODELS] }));
  await openStudio(page, reverie);
});

screenshotOnFailure(() => page);

afterAll(async () => {
  await stopSession(browser, reverie);
  rmSync(extraModels, { recursive: true, force: true });
});

const dialog = () => page.getByRole('dialog', { name: 'Settings' });

async function settingsValues(p: Page) {
  const d = p.getByRole('dialog', { name: 'Settings' });
  return {
    provider: await d.getByRole('combobox', { name: 'Execution provider' }).inputValue(),
    preview: await d.getByRole('spinbutton', { name: 'Live preview every' }).inputValue(),
    sampler: await d.getByRole('combobox', { name: 'Default sampler' }).inputValue(),
    steps: await d.getByRole('spinbutton', { name: 'Default steps' }).inputValue(),
    cfg: await d.getByRole('spinbutton', { name: 'Default CFG scale' }).inputValue(),
    negative: await d.getByRole('textbox', { name: 'Default negative prompt' }).inputValue(),
  };
}

const saved = { provider: 'cpu', preview: '3', sampler: 'dpmpp_2m', steps: '31', cfg: '6.5', negative: 'blurry, watermark' };

describe('settings', () => {
  it('Ctrl+, opens them; every change is saved to settings.json', async () => {
    await page.keyboard.press('Control+,');
    await dialog().waitFor();
    await dialog().getByRole('combobox', { name: 'Execution provider' }).selectOption('cpu');
    await dialog().getByRole('spinbutton', { name: 'Live preview every' }).fill('3');
    await dialog().getByRole('combobox', { name: 'Default sampler' }).selectOption('dpmpp_2m');
    await dialog().getByRole('spinbutton', { name: 'Default steps' }).fill('31');
    await dialog().getByRole('spinbutton', { name: 'Default CFG scale' }).fill('6.5');
    await dialog().getByRole('textbox', { name: 'Default negative prompt' }).fill('blurry, watermark');
    await dialog().getByRole('textbox', { name: 'Default negative prompt' }).blur();
    await dialog().getByRole('textbox', { name: 'Add a models folder' }).fill(extraModels);
    await dialog().getByRole('button', { name: 'Add folder' }).click();
    await until('the added folder listed', async () => (await dialog().getByRole('list', { name: 'Model folders' }).innerText()).includes(extraModels));
    await until('settings.json written', async () => {
      const s = JSON.parse(readFileSync(path.join(reverie.dataDir, 'settings.json'), 'utf8')) as { provider: string; previewEvery: number; modelsDirs: string[]; defaults: { steps: number; sampler: string; cfgScale: number; negativePrompt: string } };
      return s.provider === 'cpu' && s.previewEvery === 3 && s.defaults.steps === 31 && s.defaults.sampler === 'dpmpp_2m' && s.defaults.cfgScale === 6.5 && s.defaults.negativePrompt === 'blurry, watermark' && s.modelsDirs.includes(extraModels);
    });
    await page.screenshot({ path: screenshotPath('settings') });
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'hidden' });
    // the added folder's model is in the picker right away
    await until('my-own-model in the picker', async () => (await page.getByRole('combobox', { name: 'Model' }).locator('option', { hasText: 'my-own-model' }).count()) === 1);
  });

  it('survive a reload and start the Generate form', async () => {
    await page.reload();
    await openStudio(page, reverie);
    await until('the defaults in the form', async () => (await field(page, 'spinbutton', 'Steps').inputValue()) === '31');
    await expect(field(page, 'combobox', 'Sampler').locator('option:checked').innerText()).resolves.toBe('DPM++ 2M');
    await expect(field(page, 'spinbutton', 'CFG scale').inputValue()).resolves.toBe('6.5');
    await expect(field(page, 'textbox', 'Negative prompt').inputValue()).resolves.toBe('blurry, watermark');
    await page.keyboard.press('Control+,');
    expect(await settingsValues(page)).toEqual(saved);
    await page.keyboard.press('Escape');
  });

  it('survive a server restart', async () => {
    reverie = await restartReverie(page, reverie);
    await openStudio(page, reverie);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    expect(await settingsValues(page)).toEqual(saved);
    await expect(dialog().getByRole('list', { name: 'Model folders' }).innerText()).resolves.toContain(extraModels);
    await page.keyboard.press('Escape');
  });
});

describe('keyboard', () => {
  it('switches tabs with Alt+number and with the arrow keys in the tab list', async () => {
    await page.keyboard.press('Alt+2');
    await page.getByRole('tab', { name: 'Image to image', selected: true }).waitFor();
    await page.getByRole('tab', { name: 'Image to image' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('tab', { name: 'Inpaint', selected: true }).waitFor();
    await page.keyboard.press('End');
    await page.getByRole('tab', { name: 'Gallery', selected: true }).waitFor();
    await page.keyboard.press('Home');
    await page.getByRole('tab', { name: 'Generate', selected: true }).waitFor();
    await expect(page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent.trim())).resolves.toBe('Generate');
  });

  it('lists the shortcuts in a popover (?), which Esc closes', async () => {
    await page.getByRole('tab', { name: 'Generate', selected: true }).focus();
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await expect(help.innerText()).resolves.toMatch(/Ctrl\s*\+\s*Enter\s*Generate[\s\S]*Esc\s*Cancel the running job/);
    await page.screenshot({ path: screenshotPath('shortcuts') });
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
  });

  it('reaches the form with Tab in reading order, and Ctrl+Enter generates from a text field', async () => {
    await promptField(page).focus();
    await page.keyboard.press('Tab');
    await expect(field(page, 'textbox', 'Negative prompt').evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement)).resolves.toBe(true);
    await page.keyboard.press('Tab');
    await expect(field(page, 'combobox', 'Sampler').evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement)).resolves.toBe(true);
    await pickModel(page, 'reverie-tiny');
    await field(page, 'spinbutton', 'Steps').fill('3');
    await promptField(page).fill('keyboard only');
    await promptField(page).press('Control+Enter');
    await page.getByRole('img', { name: /^Result: keyboard only/ }).waitFor({ timeout: 30_000 });
  });

  it('ran without console errors or CSP violations', () => {
    expect(consoleErrors).toEqual([]);
  });
});
