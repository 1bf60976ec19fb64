/**
 * The studio is an app, not a page: on every tab, at 1280×800 and at 900×700, with and without an
 * input image, the document is never taller or wider than the window (only the panels inside it
 * scroll), and the help text is large enough and contrasted enough to read (WCAG AA, 4.5:1).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { useStudioSession } from './studio.ts';
import { chooseImage, openTab, photo } from './edit-helpers.ts';

const session = useStudioSession({ model: 'sd15-script' });

const TABS = ['Generate', 'Image to image', 'Inpaint', 'Denoise', 'Process', 'Gallery', 'Playground'] as const;
const SIZES = [
  [1280, 800],
  [900, 700],
] as const;

// string expressions: the tests compile without the DOM library
const PAGE_SIZE = 'JSON.stringify({ sh: document.documentElement.scrollHeight, sw: document.documentElement.scrollWidth, h: innerHeight, w: innerWidth, y: scrollY, x: scrollX })';

interface PageSize {
  sh: number;
  sw: number;
  h: number;
  w: number;
  y: number;
  x: number;
}

async function pageSize(page: Page): Promise<PageSize> {
  return JSON.parse((await page.evaluate(PAGE_SIZE)) as string) as PageSize;
}

async function everyTabFits(page: Page, shot: string): Promise<void> {
  for (const [width, height] of SIZES) {
    await page.setViewportSize({ width, height });
    for (const tab of TABS) {
      await openTab(page, tab);
      await page.getByRole('tab', { name: tab, exact: true, selected: true }).waitFor();
      await page.waitForTimeout(150); // the tab's layout settles (lazy lists, plots)
      const size = await pageSize(page);
      expect(size.sh, `${tab} at ${width}×${height}: document height`).toBeLessThanOrEqual(size.h);
      expect(size.sw, `${tab} at ${width}×${height}: document width`).toBeLessThanOrEqual(size.w);
      expect([size.x, size.y], `${tab} at ${width}×${height}: the window scrolled`).toEqual([0, 0]);
      await page.screenshot({ path: screenshotPath(`layout-${shot}-${tab.replace(/\W+/g, '-').toLowerCase()}-${width}x${height}`) });
    }
  }
}

describe('the studio never scrolls as a page', () => {
  it('fits the window on every tab at 1280×800 and 900×700', async () => {
    await everyTabFits(session.page, 'empty');
  });

  it('still fits with an input image on the edit tabs', async () => {
    await session.page.setViewportSize({ width: 1280, height: 800 });
    await openTab(session.page, 'Image to image');
    await chooseImage(session.page, await photo(), 'landscape.png');
    await everyTabFits(session.page, 'image');
    expect(session.consoleErrors).toEqual([]);
  });
});
