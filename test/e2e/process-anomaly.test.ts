/**
 * The anomaly map in the Process tab: choose an image, find anomalies, switch between the map over
 * the image, the map alone, the reconstruction and the input; the numbers and the saved files; a
 * changed setting clears the old map; at 1280×800 and 900×700.
 */
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { chooseImage, openTab, photo } from './edit-helpers.ts';
import { useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'sd15-script' });

describe('Anomaly map', () => {
  it('maps where the model cannot rebuild a chosen image, with its numbers, layers and saved files', { timeout: 120_000 }, async () => {
    const page = session.page;
    await openTab(page, 'Process');
    await page.getByRole('tab', { name: 'Anomaly map' }).click();
    await page.getByRole('heading', { name: 'Where does an image surprise the model?' }).waitFor();
    await chooseImage(page, await photo(128, 96), 'landscape.png');
    const viewer = page.getByRole('region', { name: 'Anomaly viewer' });
    await expect(viewer.getByText('Not mapped yet').count()).resolves.toBe(1);

    await page.getByRole('slider', { name: 'Rebuilds' }).fill('2');
    await page.getByRole('button', { name: 'Find anomalies' }).click();
    await viewer.getByRole('img', { name: /^Map over the image: the anomaly map of landscape\.png$/ }).waitFor({ timeout: 90_000 });
    await expect(viewer.innerText()).resolves.toMatch(/Mean reconstruction error \d+(\.\d+)? of 255; 1 % of the image is off by more than \d/);
    const numbers = page.getByRole('complementary', { name: 'Anomaly numbers' });
    await expect(numbers.innerText()).resolves.toMatch(/Score \(mean error\)\s*\d/);
    await expect(numbers.getByRole('link', { name: 'Save map', exact: true }).getAttribute('download')).resolves.toBe('landscape-anomaly-map.png');
    const overlay = await viewer.getByRole('img').getAttribute('src');

    await page.getByRole('radio', { name: 'Map alone' }).check();
    await viewer.getByRole('img', { name: /^Map alone: / }).waitFor();
    expect(await viewer.getByRole('img').getAttribute('src')).not.toBe(overlay);
    await page.getByRole('radio', { name: 'Reconstruction' }).check();
    await viewer.getByRole('img', { name: /^Reconstruction: / }).waitFor();
    // the saved map is a whole PNG
    const href = (await numbers.getByRole('link', { name: 'Save map', exact: true }).getAttribute('href')) ?? '';
    expect(href).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(href.slice(href.indexOf(',') + 1), 'base64');
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.subarray(png.length - 8, png.length - 4).toString('latin1')).toBe('IEND');

    for (const [width, height] of [[1280, 800], [900, 700]]) {
      await page.setViewportSize({ width, height });
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: screenshotPath(`process-anomaly-${width}x${height}`) });
    }

    // Cancel while the map is made: the button turns into Cancel, and a cancel is not shown as an error
    await page.getByRole('slider', { name: 'Rebuilds' }).fill('16');
    await page.getByRole('button', { name: 'Find anomalies' }).click(); // a changed setting: the old map is stale
    const cancel = page.getByRole('button', { name: 'Cancel', exact: true }).first();
    // the map may be done between the check and the click: then there is nothing left to cancel
    if (await cancel.isVisible()) await cancel.click({ timeout: 5_000 }).catch(async (e: unknown) => {
      if (await cancel.isVisible()) throw e;
    });
    await page.getByRole('button', { name: /^(Find anomalies|Map again)$/ }).waitFor({ timeout: 30_000 });
    await expect(page.getByRole('complementary', { name: 'Anomaly map settings' }).getByRole('alert').count()).resolves.toBe(0);

    // a new setting makes the old map stale: it is cleared, not shown beside the new settings
    await page.getByRole('slider', { name: 'Noise strength' }).fill('0.6');
    await viewer.getByText('Not mapped yet').waitFor();
    await expect(numbers.getByRole('link', { name: 'Save map', exact: true }).count()).resolves.toBe(0);
    // the cancelled call answers 409, which Chromium logs as a failed resource; nothing else may be there
    expect(session.consoleErrors.filter((e) => !/status of 409 \(Conflict\)/.test(e))).toEqual([]);
  });
});
