/**
 * The Playground tab in the real window: opened with Alt+7; the time slider scrubs the forward
 * process; sampler, steps and process change both reverse squares (ODE beside SDE from one noise);
 * user points by click and by keyboard; the quality plot on request; at 1280×800 and 900×700.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotOnFailure, screenshotPath, startSession, stopSession } from './harness.ts';
import type { Chromium, Reverie } from './harness.ts';
import { FIXTURE_MODELS, field, openStudio, until } from './studio.ts';

let reverie: Reverie;
let browser: Chromium;
let page: Page;
let consoleErrors: string[] = [];

beforeAll(async () => {
  ({ reverie, browser, page, consoleErrors } = await startSession({ modelsDirs: [FIXTURE_MODELS], provider: 'cpu' }));
  await page.setViewportSize({ width: 1280, height: 800 });
  await openStudio(page, reverie);
});

screenshotOnFailure(() => page);

afterAll(async () => {
  await stopSession(browser, reverie);
});

const plots = (p: Page) => p.getByRole('region', { name: 'Playground plots' });
const settings = (p: Page) => p.getByRole('complementary', { name: 'Playground settings' });
const note = (p: Page, sampler: RegExp) => plots(p).locator('figure').filter({ has: p.getByRole('img', { name: sampler }) }).locator('.note');

describe('Playground', () => {
  it('opens with Alt+7 and shows the forward process and two reverse runs from one noise', async () => {
    await page.keyboard.press('Alt+7');
    await page.getByRole('tab', { name: 'Playground', exact: true, selected: true }).waitFor();
    await plots(page).getByRole('img', { name: /^Reverse process with Euler\./ }).waitFor({ timeout: 30_000 });
    await plots(page).getByRole('img', { name: /^Reverse process with Euler–Maruyama \(SDE\)\./ }).waitFor();
    await expect(plots(page).getByText('Euler · probability-flow ODE').count()).resolves.toBe(1);
    await expect(plots(page).getByText('Euler–Maruyama (SDE) · reverse SDE').count()).resolves.toBe(1);
    await expect(note(page, /^Reverse process with Euler\./).innerText()).resolves.toMatch(/^20 model calls · distance to data \d/);
  });

  it('the time slider scrubs the forward process and the reverse steps', async () => {
    const slider = field(page, 'slider', 'Time');
    const data = plots(page).getByRole('img', { name: /^Data noised to the chosen time/ });
    const before = await data.getAttribute('aria-label');
    await slider.fill('0.6');
    await expect(slider.getAttribute('aria-valuetext')).resolves.toMatch(/^t 0\.60 · α [\d.]+ · σ [\d.]+$/);
    await until('the forward square to follow', async () => (await data.getAttribute('aria-label')) !== before);
    await expect(plots(page).getByRole('img', { name: /^Reverse process with Euler\./ }).getAttribute('aria-label')).resolves.toMatch(/Step \d+ of 20, t 0\.6/);
    // keyboard: one hundredth per arrow
    await slider.focus();
    await slider.press('ArrowRight');
    await expect(slider.getAttribute('aria-valuetext')).resolves.toMatch(/^t 0\.61 /);
  });

  it('sampler, steps and process change both runs', async () => {
    await field(page, 'combobox', 'Sampler').selectOption('heun');
    await field(page, 'spinbutton', 'Steps').fill('8');
    await plots(page).getByText('Heun · probability-flow ODE').waitFor({ timeout: 30_000 });
    await until('15 model calls', async () => /^15 model calls/.test(await note(page, /^Reverse process with Heun\./).innerText()));
    await settings(page).getByRole('radio', { name: 'Flow matching' }).check();
    await settings(page).getByText('Velocity arrows').waitFor();
    await field(page, 'combobox', 'Beside it').selectOption('ddpm');
    await plots(page).getByText('DDPM · reverse SDE').waitFor({ timeout: 30_000 });
  });

  it('takes points from a click and from the keyboard', async () => {
    await field(page, 'combobox', 'Data').selectOption('points');
    const square = plots(page).getByRole('application', { name: /^Data noised to the chosen time/ });
    await square.waitFor();
    const count = async (): Promise<number> => Number((/(\d+) so far/.exec(await settings(page).innerText()) ?? [])[1]);
    const start = await count();
    await square.click({ position: { x: 40, y: 40 } });
    await until('a clicked point', async () => (await count()) === start + 1);
    await square.focus();
    await square.press('ArrowRight');
    await square.press('Enter');
    await until('a keyboard point', async () => (await count()) === start + 2);
    await square.press('Backspace');
    await until('the last point removed', async () => (await count()) === start + 1);
  });

  it('measures quality against model calls on request', async () => {
    await field(page, 'combobox', 'Data').selectOption('two');
    await plots(page).getByRole('button', { name: 'Measure', exact: true }).click();
    await plots(page).getByRole('img', { name: /^Sample quality against model calls\./ }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: screenshotPath('playground-1280x800') });
  });

  it('fits 1280×800 and 900×700 without sideways scrolling; no console errors', async () => {
    for (const [width, height] of [[1280, 800], [900, 700]]) {
      await page.setViewportSize({ width, height });
      // a string expression: the tests compile without the DOM library
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      await field(page, 'slider', 'Time').waitFor();
      await expect(field(page, 'slider', 'Time').isVisible()).resolves.toBe(true);
      await expect(page.getByRole('button', { name: 'Settings' }).isVisible()).resolves.toBe(true);
      await page.screenshot({ path: screenshotPath(`playground-${width}x${height}`) });
    }
    expect(consoleErrors).toEqual([]);
  });
});
