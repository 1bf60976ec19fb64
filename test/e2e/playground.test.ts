/**
 * The Playground tab in the real window: opened with Alt+7; the time slider scrubs the forward
 * process; sampler, steps and process change both reverse squares (ODE beside SDE from one noise);
 * user points by click and by keyboard; the quality plot on request; at 1280×800 and 900×700.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { field, until, useStudioSession } from './studio.ts';

const session = useStudioSession({ viewport: { width: 1280, height: 800 } });

const plots = (p: Page) => p.getByRole('region', { name: 'Playground plots' });
const settings = (p: Page) => p.getByRole('complementary', { name: 'Playground settings' });
const note = (p: Page, sampler: RegExp) => plots(p).locator('figure').filter({ has: p.getByRole('img', { name: sampler }) }).locator('.note');

describe('Playground', () => {
  it('opens with Alt+7 and shows the forward process and two reverse runs from one noise', async () => {
    await session.page.keyboard.press('Alt+7');
    await session.page.getByRole('tab', { name: 'Playground', exact: true, selected: true }).waitFor();
    await plots(session.page).getByRole('img', { name: /^Reverse process with Euler\./ }).waitFor({ timeout: 30_000 });
    await plots(session.page).getByRole('img', { name: /^Reverse process with Euler–Maruyama \(SDE\)\./ }).waitFor();
    await expect(plots(session.page).getByText('Euler · probability-flow ODE').count()).resolves.toBe(1);
    await expect(plots(session.page).getByText('Euler–Maruyama (SDE) · reverse SDE').count()).resolves.toBe(1);
    await expect(note(session.page, /^Reverse process with Euler\./).innerText()).resolves.toMatch(/^20 model calls · distance to data \d/);
  });

  it('the time slider scrubs the forward process and the reverse steps', async () => {
    const slider = field(session.page, 'slider', 'Time');
    const data = plots(session.page).getByRole('img', { name: /^Data noised to the chosen time/ });
    const before = await data.getAttribute('aria-label');
    await slider.fill('0.6');
    await expect(slider.getAttribute('aria-valuetext')).resolves.toMatch(/^t 0\.60 · α [\d.]+ · σ [\d.]+$/);
    await until('the forward square to follow', async () => (await data.getAttribute('aria-label')) !== before);
    await expect(plots(session.page).getByRole('img', { name: /^Reverse process with Euler\./ }).getAttribute('aria-label')).resolves.toMatch(/Step \d+ of 20, t 0\.[56]\d/); // the reverse step nearest the chosen time
    // keyboard: one hundredth per arrow
    await slider.focus();
    await slider.press('ArrowRight');
    await expect(slider.getAttribute('aria-valuetext')).resolves.toMatch(/^t 0\.61 /);
  });

  it('sampler, steps and process change both runs', async () => {
    await field(session.page, 'combobox', 'Sampler').selectOption('heun');
    await field(session.page, 'spinbutton', 'Steps').fill('8');
    await plots(session.page).getByText('Heun · probability-flow ODE').waitFor({ timeout: 30_000 });
    await until('15 model calls', async () => /^15 model calls/.test(await note(session.page, /^Reverse process with Heun\./).innerText()));
    await settings(session.page).getByRole('radio', { name: 'Flow matching' }).check();
    await settings(session.page).getByText('Velocity arrows').waitFor();
    await field(session.page, 'combobox', 'Beside it').selectOption('ddpm');
    await plots(session.page).getByText('DDPM · reverse SDE').waitFor({ timeout: 30_000 });
  });

  it('takes points from a click and from the keyboard', async () => {
    await field(session.page, 'combobox', 'Data').selectOption('points');
    const square = plots(session.page).getByRole('application', { name: /^Data noised to the chosen time/ });
    await square.waitFor();
    const count = async (): Promise<number> => Number((/(\d+) so far/.exec(await settings(session.page).innerText()) ?? [])[1]);
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

  // Once skipped as a known bug: the plot never appeared after the data changed, because the view's
  // `quality` tracked only a plain field (the sweep's key) and never heard the answer land.
  it('measures quality against model calls on request, after the data changed', { timeout: 90_000 }, async () => {
    await field(session.page, 'combobox', 'Data').selectOption('two');
    await plots(session.page).getByRole('button', { name: 'Measure', exact: true }).click();
    await plots(session.page).getByRole('img', { name: /^Sample quality against model calls\./ }).waitFor({ timeout: 60_000 });
    await plots(session.page).getByRole('button', { name: 'Measure again', exact: true }).waitFor();
    await session.page.screenshot({ path: screenshotPath('playground-1280x800') });
  });

  it('fits 1280×800 and 900×700 without sideways scrolling; no console errors', async () => {
    for (const [width, height] of [[1280, 800], [900, 700]]) {
      await session.page.setViewportSize({ width, height });
      // a string expression: the tests compile without the DOM library
      const overflow = (await session.page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      await field(session.page, 'slider', 'Time').waitFor();
      await expect(field(session.page, 'slider', 'Time').isVisible()).resolves.toBe(true);
      await expect(session.page.getByRole('button', { name: 'Settings' }).isVisible()).resolves.toBe(true);
      await session.page.screenshot({ path: screenshotPath(`playground-${width}x${height}`) });
    }
    expect(session.consoleErrors).toEqual([]);
  });
});
