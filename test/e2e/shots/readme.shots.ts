/**
 * The README's pictures: the studio in browser mode with the bundled models/reverie-mini, driven through
 * Chromium like the e2e tests, each Learn view run on real prompts and photographed at 1280×800 into
 * docs/screenshots/. Not a test (it is not in the e2e suite and asserts only that each view appears):
 *
 *     npm run screenshots
 */
import path from 'node:path';
import { describe, it } from 'vitest';
import { REPO } from '../harness.ts';
import { openTab, photo, chooseImage } from '../edit-helpers.ts';
import { FIXTURE_MODELS, field, promptField, useStudioSession } from '../studio.ts';

const OUT = path.join(REPO, 'docs', 'screenshots');
const shot = (name: string): string => path.join(OUT, `${name}.png`);

const session = useStudioSession({
  viewport: { width: 1280, height: 800 },
  // the fixture folder only makes the picker list more than one model, which the session waits for
  settings: () => ({ modelsDirs: [path.join(REPO, 'models'), FIXTURE_MODELS], provider: 'cpu' }),
  model: 'reverie-mini',
});

describe('README screenshots', () => {
  it('Generate', { timeout: 120_000 }, async () => {
    const page = session.page;
    // the pictures show the views, not the queue beside them
    await page.getByRole('button', { name: 'Hide the queue' }).click();
    await promptField(page).fill('a red apple on a blue background');
    await field(page, 'textbox', 'Seed').fill('11');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.getByRole('img', { name: 'Result: a red apple on a blue background', exact: true }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: shot('generate') });
  });

  it('Process → Pipeline', { timeout: 120_000 }, async () => {
    const page = session.page;
    await openTab(page, 'Process');
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    await page.getByRole('button', { name: 'Run the pipeline' }).click();
    const chain = page.getByRole('region', { name: 'Pipeline stages of this run' }).getByRole('tablist', { name: 'Pipeline stages' });
    await chain.waitFor({ timeout: 60_000 });
    await chain.getByRole('tab', { name: /Guidance/ }).click();
    // an early step, where the prompt still pulls hard (at the last step the difference is nearly gone)
    await page.getByRole('slider', { name: 'Step', exact: true }).fill('4');
    await page.waitForTimeout(800);
    await page.screenshot({ path: shot('process-pipeline') });
  });

  it('Process → Two prompts', { timeout: 120_000 }, async () => {
    const page = session.page;
    await page.getByRole('tab', { name: 'Two prompts' }).click();
    await page.getByRole('textbox', { name: 'Second prompt' }).fill('a yellow star on a blue background');
    await page.getByRole('button', { name: 'Run both from one seed' }).click();
    const pair = page.getByRole('region', { name: 'Two prompts side by side' });
    await pair.getByRole('figure', { name: 'a yellow star on a blue background' }).waitFor({ timeout: 60_000 });
    await page.getByRole('slider', { name: 'Step', exact: true }).fill('6');
    await page.waitForTimeout(800);
    await page.screenshot({ path: shot('process-two-prompts') });
  });

  it('Process → Sweeps', { timeout: 180_000 }, async () => {
    const page = session.page;
    await page.getByRole('tab', { name: 'Sweeps' }).click();
    await page.getByRole('button', { name: 'Run the guidance sweep' }).click();
    const grid = page.getByRole('region', { name: 'Sweep grid' });
    for (const cfg of [1, 3, 5, 7, 9, 12]) await grid.getByRole('button', { name: `CFG ${cfg}: open in the reverse-process viewer` }).waitFor({ timeout: 120_000 });
    await page.screenshot({ path: shot('process-sweep') });
  });

  it('Process → Anomaly map', { timeout: 120_000 }, async () => {
    const page = session.page;
    await page.getByRole('tab', { name: 'Anomaly map' }).click();
    await chooseImage(page, await photo(256, 256), 'landscape.png');
    await page.getByRole('button', { name: 'Find anomalies' }).click();
    await page.getByRole('region', { name: 'Anomaly viewer' }).getByRole('img', { name: /^Map over the image/ }).waitFor({ timeout: 90_000 });
    await page.screenshot({ path: shot('process-anomaly') });
  });

  it('Playground', { timeout: 120_000 }, async () => {
    const page = session.page;
    await openTab(page, 'Playground');
    const plots = page.getByRole('region', { name: 'Playground plots' });
    await plots.getByRole('img', { name: /^Reverse process with Euler\./ }).waitFor({ timeout: 60_000 });
    await field(page, 'combobox', 'Data').selectOption('moons');
    await field(page, 'slider', 'Time').fill('0.3');
    await plots.getByRole('button', { name: 'Measure', exact: true }).click();
    await plots.getByRole('img', { name: /^Sample quality against model calls\./ }).waitFor({ timeout: 90_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: shot('playground') });
  });
});
