/**
 * Inpainting in the real window: an image chosen with the file picker, a mask painted with the
 * mouse on the canvas (and undone, redone), the 9-channel model picked and shown, zoom, a run, and
 * the result beside the canvas.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { field, promptField, useStudioSession } from './studio.ts';
import { chooseImage, openTab, photo } from './edit-helpers.ts';

const session = useStudioSession({ model: 'sd15-script' });

const coverage = async (p: Page): Promise<number> => Number(await p.getByRole('application', { name: 'Mask canvas' }).getAttribute('data-coverage'));

describe('Inpaint', () => {
  it('paints a mask with the mouse, undoes and redoes it', async () => {
    await openTab(session.page, 'Inpaint');
    await chooseImage(session.page, await photo(128, 96), 'landscape.png');
    const canvas = session.page.getByRole('application', { name: 'Mask canvas' });
    await canvas.waitFor();
    expect(await coverage(session.page)).toBe(0);
    await field(session.page, 'spinbutton', 'Brush size').fill('14');
    const box = await canvas.boundingBox();
    if (!box) throw new Error('the mask canvas has no box');
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await session.page.mouse.move(cx - 120, cy - 20);
    await session.page.mouse.down();
    for (let k = 1; k <= 12; k++) await session.page.mouse.move(cx - 120 + k * 20, cy - 20 + Math.sin(k / 2) * 30);
    await session.page.mouse.up();
    const painted = await coverage(session.page);
    expect(painted).toBeGreaterThan(0.05);
    await expect(session.page.getByText(/% of the image will be repainted/).innerText()).resolves.toMatch(/\d+% of the image/);
    await session.page.getByRole('button', { name: 'Undo' }).click();
    expect(await coverage(session.page)).toBe(0);
    await session.page.getByRole('button', { name: 'Redo' }).click();
    expect(await coverage(session.page)).toBe(painted);
    // keyboard: focus the canvas, Ctrl+Z undoes the stroke (not a gallery delete), Ctrl+Shift+Z redoes it
    await canvas.focus();
    await session.page.keyboard.press('Control+z');
    expect(await coverage(session.page)).toBe(0);
    await session.page.keyboard.press('Control+Shift+Z');
    expect(await coverage(session.page)).toBe(painted);
    // and paints: arrows move the brush, Enter stamps it
    await session.page.keyboard.press('ArrowUp');
    await session.page.keyboard.press('Enter');
    expect(await coverage(session.page)).toBeGreaterThanOrEqual(painted);
  });

  it('zooms with the wheel and the toolbar', async () => {
    const zoom = session.page.getByRole('toolbar', { name: 'View' });
    const before = await zoom.innerText();
    await session.page.getByRole('button', { name: 'Zoom in' }).click();
    await expect(zoom.innerText()).resolves.not.toBe(before);
    await session.page.getByRole('button', { name: 'Fit to view' }).click();
    await expect(zoom.innerText()).resolves.toBe(before);
  });

  it('uses the inpainting model automatically and says so, then inpaints', async () => {
    await expect(session.page.locator('[data-nine-channel="true"]').innerText()).resolves.toMatch(/sd15-inpaint.*9-channel/s);
    await promptField(session.page).fill('a red barn');
    await field(session.page, 'spinbutton', 'Steps').fill('6');
    await session.page.getByRole('button', { name: 'Inpaint', exact: true }).click();
    const result = session.page.getByRole('figure', { name: 'Result' });
    await result.getByRole('img', { name: 'Inpainted result' }).waitFor({ timeout: 30_000 });
    await expect(result.innerText()).resolves.toMatch(/128 × 96 · 9-channel model/);
    await session.page.screenshot({ path: screenshotPath('inpaint') });
    expect(session.consoleErrors).toEqual([]);
  });
});
