/**
 * The studio is an app, not a page: on every tab, at 1280×800 and at 900×700, with and without an
 * input image, the document is never taller or wider than the window (only the panels inside it
 * scroll), and the help text is large enough and contrasted enough to read (WCAG AA, 4.5:1).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { field, useStudioSession } from './studio.ts';
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
    // each tab has its own input: Inpaint and Denoise take the same picture on purpose
    for (const tab of ['Inpaint', 'Denoise']) {
      await openTab(session.page, tab);
      await session.page.getByRole('button', { name: 'Use the image from Image to image' }).click();
      await session.page.getByRole('img', { name: 'Input image: landscape.png' }).waitFor();
    }
    await everyTabFits(session.page, 'image');
    expect(session.consoleErrors).toEqual([]);
  });
});

/**
 * Font size and WCAG contrast of every visible help, note and hint line on the open tab. The
 * background is the first opaque one up the tree, with the translucent ones on the way composited
 * over it; contrast is (L1 + 0.05) / (L2 + 0.05) of the WCAG 2 relative luminances.
 */
const HELP_TEXT = `JSON.stringify([...document.querySelectorAll('.help, .note, .hint')].filter((el) => {
  const r = el.getBoundingClientRect();
  return r.width > 2 && r.height > 2 && el.textContent.trim() !== '' && getComputedStyle(el).visibility !== 'hidden';
}).map((el) => {
  const rgba = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 }; };
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const bg = rgba(getComputedStyle(e).backgroundColor);
    if (bg.a > 0) layers.push(bg);
    if (bg.a >= 1) break;
  }
  let bg = { r: 0, g: 0, b: 0 };
  for (const l of layers.reverse()) bg = { r: l.r * l.a + bg.r * (1 - l.a), g: l.g * l.a + bg.g * (1 - l.a), b: l.b * l.a + bg.b * (1 - l.a) };
  const fg0 = rgba(getComputedStyle(el).color);
  const fg = { r: fg0.r * fg0.a + bg.r * (1 - fg0.a), g: fg0.g * fg0.a + bg.g * (1 - fg0.a), b: fg0.b * fg0.a + bg.b * (1 - fg0.a) };
  const lum = (c) => [c.r, c.g, c.b].map((v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
  return { text: el.textContent.trim().slice(0, 50), px: parseFloat(getComputedStyle(el).fontSize), contrast: (hi + 0.05) / (lo + 0.05) };
}))`;

interface HelpLine {
  text: string;
  px: number;
  contrast: number;
}

describe('help text is readable', () => {
  it('every help, note and hint line is at least 12 px with a contrast of at least 4.5:1', async () => {
    await session.page.setViewportSize({ width: 1280, height: 800 });
    let seen = 0;
    for (const tab of TABS) {
      await openTab(session.page, tab);
      await session.page.waitForTimeout(150);
      const lines = JSON.parse((await session.page.evaluate(HELP_TEXT)) as string) as HelpLine[];
      seen += lines.length;
      for (const line of lines) {
        expect(line.px, `${tab}: "${line.text}" font size`).toBeGreaterThanOrEqual(12);
        expect(line.contrast, `${tab}: "${line.text}" contrast`).toBeGreaterThanOrEqual(4.5);
      }
    }
    expect(seen).toBeGreaterThan(8);
  });

  it('shows the schedule help under its field, not only to screen readers', async () => {
    await openTab(session.page, 'Generate');
    const schedule = session.page.getByRole('combobox', { name: 'Schedule', exact: true });
    const helpId = (await schedule.getAttribute('aria-describedby')) ?? '';
    const help = session.page.locator(`[id="${helpId}"]`);
    await expect(help.innerText()).resolves.not.toBe('');
    const box = await help.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(100);
    expect(box?.height ?? 0).toBeGreaterThan(10);
  });

  it('the DDIM help names no control the studio does not have', async () => {
    await field(session.page, 'combobox', 'Sampler').selectOption({ label: 'DDIM' });
    const helpId = (await field(session.page, 'combobox', 'Sampler').getAttribute('aria-describedby')) ?? '';
    const help = (await session.page.locator(`[id="${helpId}"]`).innerText()).toLowerCase();
    expect(help).toMatch(/deterministic/);
    // the studio has no eta control (the engine's DDIM takes eta, the contract does not pass it)
    await expect(session.page.getByLabel(/\beta\b/i).count()).resolves.toBe(0);
    expect(help).not.toMatch(/\beta\b/);
    await field(session.page, 'combobox', 'Sampler').selectOption({ label: 'DPM++ 2M' });
    await session.page.screenshot({ path: screenshotPath('layout-help-generate-1280x800') });
  });
});
