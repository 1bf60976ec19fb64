/**
 * Sweeps from one seed (Process → Sweeps): the Generate form's prompt once per CFG scale, a grid that
 * fills in as the jobs run, every cell from the same seed, a cell opening in the reverse-process
 * viewer; the steps sweep; at 1280×800 and 900×700.
 */
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { openTab } from './edit-helpers.ts';
import { field, promptField, until, useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'sd15-script' });

describe('Sweeps', () => {
  it('runs a guidance sweep from one seed, as a grid whose cells open in the reverse-process viewer', { timeout: 120_000 }, async () => {
    const page = session.page;
    await promptField(page).fill('a red cat in a green garden');
    await field(page, 'spinbutton', 'Steps').fill('6');
    await field(page, 'spinbutton', 'Width').fill('128');
    await field(page, 'spinbutton', 'Height').fill('128');
    await openTab(page, 'Process');
    await page.getByRole('tab', { name: 'Sweeps' }).click();
    await page.getByRole('heading', { name: 'What does one number do?' }).waitFor();
    await expect(page.getByRole('complementary', { name: 'Sweep settings' }).innerText()).resolves.toContain('“a red cat in a green garden”');

    await page.getByRole('button', { name: 'Run the guidance sweep' }).click();
    const grid = page.getByRole('region', { name: 'Sweep grid' });
    for (const cfg of [1, 3, 5, 7, 9, 12]) {
      await grid.getByRole('button', { name: `CFG ${cfg}: open in the reverse-process viewer` }).waitFor({ timeout: 90_000 });
    }
    // one seed for every cell, said once in the caption and in each picture's description
    const caption = await grid.locator('.caption').innerText();
    const seed = /from seed (\d+)/.exec(caption)?.[1];
    expect(seed).toBeDefined();
    const alts = await grid.getByRole('img').evaluateAll((imgs) => imgs.map((i) => i.getAttribute('alt')));
    expect(alts).toEqual([1, 3, 5, 7, 9, 12].map((c) => `CFG ${c}, seed ${seed}`));
    // different guidance, different pictures
    const srcs = await grid.getByRole('img').evaluateAll((imgs) => imgs.map((i) => i.getAttribute('src')));
    expect(new Set(srcs).size).toBe(6);
    for (const [width, height] of [[1280, 800], [900, 700]]) {
      await page.setViewportSize({ width, height });
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: screenshotPath(`process-sweep-${width}x${height}`) });
    }
    await page.setViewportSize({ width: 1280, height: 800 });

    await grid.getByRole('button', { name: 'CFG 7: open in the reverse-process viewer' }).click();
    await page.getByRole('tab', { name: 'Reverse process', selected: true }).waitFor();
    const viewer = page.getByRole('region', { name: 'Reverse process viewer' });
    await until('the recording of the CFG 7 cell', async () => new RegExp(`· CFG 7 · seed ${seed} ·`).test(await viewer.innerText()));
    expect(session.consoleErrors).toEqual([]);
  });

  it('runs a steps sweep', { timeout: 180_000 }, async () => {
    const page = session.page;
    await page.getByRole('tab', { name: 'Sweeps' }).click();
    await page.getByRole('radio', { name: 'Steps' }).check();
    await page.getByRole('button', { name: 'Run the steps sweep' }).click();
    const grid = page.getByRole('region', { name: 'Sweep grid' });
    for (const steps of [4, 8, 12, 20, 30, 50]) {
      await grid.getByRole('button', { name: `${steps} steps: open in the reverse-process viewer` }).waitFor({ timeout: 150_000 });
    }
    await expect(grid.locator('.caption').innerText()).resolves.toMatch(/^Steps from seed \d+/);
  });
});
