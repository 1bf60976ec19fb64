/**
 * Attention maps (Process → Attention) on the bundled reverie-mini: one run from the Generate tab's
 * settings gives a chip per word of the prompt; the chosen word's heatmap lies over the image, ←/→ move
 * between words; a fixture without cross-attention gets the note saying why; it fits at 1280×800 and
 * 900×700 with no console errors.
 *
 * What the maps show was measured first (engine, seeds 1–3, "a red apple on a blue background", the
 * object drawn in the centre): the "apple" map is NOT brighter on the apple. Mean over the central
 * half 0.60, over the border 0.93; every one of the seven cross-attention layers agrees, and "red" and
 * BOS look the same, while "on", "background" and "blue" are brightest in the centre (0.63 vs 0.10 for
 * "background"). In this small model the later tokens of its causal text encoder carry the object. So
 * the test asserts what holds: the apple map separates the object from the border (|centre − border|
 * well above noise) and differs from the background word's map.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { openTab } from './edit-helpers.ts';
import { field, pickModel, promptField, useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'reverie-mini' });

/** The shown heatmap's values (row-major, normalised to its maximum) and its width. */
async function shownMap(page: Page): Promise<{ values: number[]; width: number }> {
  const heat = page.getByRole('img', { name: /^Attention map of/ });
  const values = ((await heat.getAttribute('data-values')) ?? '').split(' ').map(Number);
  return { values, width: Number(await heat.getAttribute('data-width')) };
}

/** Mean over the central half of the map, and over its outermost ring. */
function centreAndBorder({ values, width }: { values: number[]; width: number }): { centre: number; border: number } {
  const height = values.length / width;
  let centre = 0;
  let nc = 0;
  let border = 0;
  let nb = 0;
  values.forEach((v, i) => {
    const x = i % width;
    const y = Math.floor(i / width);
    if (Math.abs((x + 0.5) / width - 0.5) < 0.25 && Math.abs((y + 0.5) / height - 0.5) < 0.25) {
      centre += v;
      nc++;
    }
    if (x === 0 || y === 0 || x === width - 1 || y === height - 1) {
      border += v;
      nb++;
    }
  });
  return { centre: centre / nc, border: border / nb };
}

describe('Attention view', () => {
  it('maps every word of the prompt over the image, word by word', { timeout: 150_000 }, async () => {
    const page = session.page;
    await promptField(page).fill('a red apple on a blue background');
    await page.getByRole('textbox', { name: 'Seed', exact: true }).fill('1');
    await openTab(page, 'Process');
    await page.getByRole('tab', { name: 'Attention' }).click();
    await page.getByRole('heading', { name: 'Attention maps' }).waitFor();
    await page.getByRole('button', { name: 'Show attention' }).click();

    const chips = page.getByRole('radiogroup', { name: 'Prompt tokens' });
    await chips.waitFor({ timeout: 90_000 });
    expect(await chips.getByRole('radio').allInnerTexts()).toEqual(['a', 'red', 'apple', 'on', 'a', 'blue', 'background']);
    // the first word longer than one letter is chosen first
    await chips.getByRole('radio', { name: 'red', checked: true }).waitFor();
    await expect(page.getByLabel('What ran').innerText()).resolves.toMatch(/^reverie-mini · seed 1 · /);
    await expect(page.getByLabel('What was summed').innerText()).resolves.toMatch(/^7 cross-attention layers × \d+ model calls = \d+ maps summed \(layers at 16×16, 8×8, 4×4\)/);

    await chips.getByRole('radio', { name: 'apple' }).click();
    await page.getByRole('img', { name: 'Attention map of “apple”, 16 × 16' }).waitFor();
    const apple = await shownMap(page);
    expect(apple.values).toHaveLength(256);
    expect(Math.max(...apple.values)).toBe(1);
    const a = centreAndBorder(apple);
    expect(Math.abs(a.centre - a.border)).toBeGreaterThan(0.15);
    await page.screenshot({ path: screenshotPath('process-attention-apple') });

    // keyboard: → walks to the next words, End to the last
    await chips.getByRole('radio', { name: 'apple' }).focus();
    await page.keyboard.press('ArrowRight');
    await chips.getByRole('radio', { name: 'on', checked: true }).waitFor();
    await page.keyboard.press('End');
    await chips.getByRole('radio', { name: 'background', checked: true }).waitFor();
    const background = await shownMap(page);
    const b = centreAndBorder(background);
    expect(Math.abs(b.centre - b.border)).toBeGreaterThan(0.15);
    const differs = apple.values.reduce((s, v, i) => s + Math.abs(v - background.values[i]), 0) / apple.values.length;
    expect(differs).toBeGreaterThan(0.1);

    // opacity slider and the grid of every token's map
    await field(page, 'slider', 'Map opacity').fill('30');
    await expect(page.getByRole('img', { name: /^Attention map of “background”/ }).getAttribute('style')).resolves.toMatch(/opacity: 0\.3\b/);
    const grid = page.getByRole('region', { name: 'Every token\u2019s map' });
    await expect(grid.getByRole('button').count()).resolves.toBe(7);
    await grid.getByRole('button', { name: 'Show “blue”' }).click();
    await chips.getByRole('radio', { name: 'blue', checked: true }).waitFor();

    await page.getByRole('button', { name: 'Hide the queue' }).click();
    for (const [width, height] of [[1280, 800], [900, 700]]) {
      await page.setViewportSize({ width, height });
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: screenshotPath(`process-attention-${width}x${height}`) });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('says why a model without cross-attention has no maps', { timeout: 60_000 }, async () => {
    const page = session.page;
    await openTab(page, 'Generate');
    await pickModel(page, 'sd15-script');
    await openTab(page, 'Process');
    await page.getByRole('tab', { name: 'Attention' }).click();
    await page.getByRole('button', { name: 'Show attention' }).click();
    const note = page.getByRole('status').filter({ hasText: 'This model does not expose attention' });
    await note.waitFor({ timeout: 30_000 });
    await expect(note.innerText()).resolves.toMatch(/sd15-script does not expose attention: its UNet has no cross-attention Softmax/);
    await page.screenshot({ path: screenshotPath('process-attention-unsupported') });
  });

  it('ran without console errors', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
