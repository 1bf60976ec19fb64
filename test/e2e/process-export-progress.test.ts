/**
 * A long export shows how far it is (issue 17): the bundled reverie-mini's 40-step run exported as a GIF
 * with a full VAE decode of every step, the Export panel's bar and "Frame N of 41" while it runs, then
 * the download; no console errors.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, screenshotPath } from './harness.ts';
import { openTab } from './edit-helpers.ts';
import { FIXTURE_MODELS, field, promptField, useStudioSession } from './studio.ts';

const session = useStudioSession({
  settings: () => ({ modelsDirs: [path.join(REPO, 'models'), FIXTURE_MODELS], provider: 'cpu' }),
  model: 'reverie-mini',
});

describe('Export progress', () => {
  it('shows the frames made while a full-decode GIF is written, then downloads it', { timeout: 120_000 }, async () => {
    const page = session.page;
    await promptField(page).fill('a red apple on a blue background');
    await field(page, 'spinbutton', 'Steps').fill('40');
    await field(page, 'spinbutton', 'Steps').blur();
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.getByRole('img', { name: /^Result: a red apple/ }).waitFor({ timeout: 60_000 });
    await openTab(page, 'Process');
    await page.getByRole('slider', { name: 'Step', exact: true }).waitFor();
    await page.getByRole('combobox', { name: 'Frames' }).selectOption('full');
    const download = page.waitForEvent('download', { timeout: 90_000 });
    await page.getByRole('button', { name: 'GIF', exact: true }).click();
    const status = page.getByRole('region', { name: 'Export' }).getByRole('status');
    await expect.poll(() => status.innerText().catch(() => ''), { timeout: 30_000, interval: 50 }).toMatch(/^Frame ([1-9]\d*) of 41$/);
    await page.getByRole('region', { name: 'Export' }).screenshot({ path: screenshotPath('export-progress') });
    await expect(page.getByRole('progressbar', { name: 'Export progress' }).getAttribute('max')).resolves.toBe('41');
    expect((await download).suggestedFilename()).toMatch(/-x0\.gif$/);
    await expect(status.count()).resolves.toBe(0); // gone once the file is made
    expect(session.consoleErrors).toEqual([]);
  });
});
