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
import { restartReverie, screenshotPath } from './harness.ts';
import { FIXTURE_MODELS, field, openStudio, pickModel, promptField, until, useStudioSession } from './studio.ts';

let extraModels: string;

// registered before the session: made before it starts, removed after it stops
beforeAll(() => {
  extraModels = mkdtempSync(path.join(os.tmpdir(), 'reverie-e2e-extra-'));
  cpSync(path.join(FIXTURE_MODELS, 'reverie-tiny'), path.join(extraModels, 'my-own-model'), { recursive: true });
});
afterAll(() => rmSync(extraModels, { recursive: true, force: true }));

const session = useStudioSession({ settings: { modelsDirs: [FIXTURE_MODELS] } });

const dialog = () => session.page.getByRole('dialog', { name: 'Settings' });

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
    await session.page.keyboard.press('Control+,');
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
      const s = JSON.parse(readFileSync(path.join(session.reverie.dataDir, 'settings.json'), 'utf8')) as { provider: string; previewEvery: number; modelsDirs: string[]; defaults: { steps: number; sampler: string; cfgScale: number; negativePrompt: string } };
      return s.provider === 'cpu' && s.previewEvery === 3 && s.defaults.steps === 31 && s.defaults.sampler === 'dpmpp_2m' && s.defaults.cfgScale === 6.5 && s.defaults.negativePrompt === 'blurry, watermark' && s.modelsDirs.includes(extraModels);
    });
    await session.page.screenshot({ path: screenshotPath('settings') });
    await session.page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'hidden' });
    // the added folder's model is in the picker right away
    await until('my-own-model in the picker', async () => (await session.page.getByRole('combobox', { name: 'Model' }).locator('option', { hasText: 'my-own-model' }).count()) === 1);
  });

  it('survive a reload and start the Generate form', async () => {
    await session.page.reload();
    await openStudio(session.page, session.reverie);
    await until('the defaults in the form', async () => (await field(session.page, 'spinbutton', 'Steps').inputValue()) === '31');
    await expect(field(session.page, 'combobox', 'Sampler').locator('option:checked').innerText()).resolves.toBe('DPM++ 2M');
    await expect(field(session.page, 'spinbutton', 'CFG scale').inputValue()).resolves.toBe('6.5');
    await expect(field(session.page, 'textbox', 'Negative prompt').inputValue()).resolves.toBe('blurry, watermark');
    await session.page.keyboard.press('Control+,');
    expect(await settingsValues(session.page)).toEqual(saved);
    await session.page.keyboard.press('Escape');
  });

  it('survive a server restart', async () => {
    session.reverie = await restartReverie(session.page, session.reverie);
    await openStudio(session.page, session.reverie);
    await session.page.getByRole('button', { name: 'Settings', exact: true }).click();
    expect(await settingsValues(session.page)).toEqual(saved);
    await expect(dialog().getByRole('list', { name: 'Model folders' }).innerText()).resolves.toContain(extraModels);
    await session.page.keyboard.press('Escape');
  });
});

describe('keyboard', () => {
  it('switches tabs with Alt+number and with the arrow keys in the tab list', async () => {
    await session.page.keyboard.press('Alt+2');
    await session.page.getByRole('tab', { name: 'Image to image', selected: true }).waitFor();
    await session.page.getByRole('tab', { name: 'Image to image' }).focus();
    await session.page.keyboard.press('ArrowRight');
    await session.page.getByRole('tab', { name: 'Inpaint', selected: true }).waitFor();
    await session.page.keyboard.press('End');
    await session.page.getByRole('tab', { name: 'Playground', selected: true }).waitFor();
    await session.page.keyboard.press('Home');
    await session.page.getByRole('tab', { name: 'Generate', selected: true }).waitFor();
    await expect(session.page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent.trim())).resolves.toBe('Generate');
  });

  it('lists the shortcuts in a popover (?), which Esc closes', async () => {
    await session.page.getByRole('tab', { name: 'Generate', selected: true }).focus();
    await session.page.keyboard.press('?');
    const help = session.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await expect(help.innerText()).resolves.toMatch(/Ctrl\s*\+\s*Enter\s*Generate[\s\S]*Esc\s*Cancel the running job/);
    await session.page.screenshot({ path: screenshotPath('shortcuts') });
    await session.page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
  });

  it('reaches the form with Tab in reading order, and Ctrl+Enter generates from a text field', async () => {
    await promptField(session.page).focus();
    await session.page.keyboard.press('Tab');
    await expect(field(session.page, 'textbox', 'Negative prompt').evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement)).resolves.toBe(true);
    const focused = (l: ReturnType<typeof field>) => l.evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement);
    // the styles row under the negative prompt: its list, then "Save as style" (Apply and Delete wait for a style)
    await session.page.keyboard.press('Tab');
    await expect(focused(field(session.page, 'combobox', 'Style'))).resolves.toBe(true);
    await session.page.keyboard.press('Tab');
    await expect(session.page.getByRole('button', { name: 'Save as style' }).evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement)).resolves.toBe(true);
    await session.page.keyboard.press('Tab');
    await expect(focused(field(session.page, 'combobox', 'Sampler'))).resolves.toBe(true);
    await pickModel(session.page, 'reverie-tiny');
    await field(session.page, 'spinbutton', 'Steps').fill('3');
    await promptField(session.page).fill('keyboard only');
    await promptField(session.page).press('Control+Enter');
    await session.page.getByRole('img', { name: /^Result: keyboard only/ }).waitFor({ timeout: 30_000 });
  });

  it('ran without console errors or CSP violations', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
