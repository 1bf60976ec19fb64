/**
 * Denoising in the real window: the estimated noise of a chosen photo with an override, the demo
 * mode (noise added, then removed), the before/after slider, the baseline toggle and the PSNR/SSIM
 * table.
 */
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { field, until, useStudioSession } from './studio.ts';
import { chooseImage, openTab, photo } from './edit-helpers.ts';

const session = useStudioSession({ model: 'sd15-lowvar' });

describe('Denoise', () => {
  it('estimates the noise of a chosen photo and takes an override', async () => {
    await openTab(session.page, 'Denoise');
    await chooseImage(session.page, await photo(128, 96), 'grainy.png');
    const estimate = session.page.locator('[data-estimate]');
    await until('the noise estimate', async () => ((await estimate.getAttribute('data-estimate')) ?? '') !== '');
    await expect(estimate.innerText()).resolves.toMatch(/σ ≈ \d+\.\d/);
    await session.page.getByRole('checkbox', { name: 'Set the noise level myself' }).check();
    await field(session.page, 'spinbutton', 'Noise level').fill('20');
    await expect(field(session.page, 'slider', 'Noise level').inputValue()).resolves.toBe('20');
    await session.page.getByRole('checkbox', { name: 'Set the noise level myself' }).uncheck();
  });

  it('adds noise in the demo mode, removes it, and compares with the input and the median filter', async () => {
    await session.page.getByRole('radio', { name: 'Add noise (demo)' }).check();
    await field(session.page, 'spinbutton', 'Added noise').fill('40');
    await field(session.page, 'spinbutton', 'Steps').fill('6');
    await session.page.getByRole('button', { name: 'Denoise', exact: true }).click();
    const slider = session.page.getByRole('slider', { name: 'Before and after' });
    await slider.waitFor({ timeout: 30_000 });
    const table = session.page.getByRole('table', { name: 'Quality against the clean reference' });
    await expect(table.innerText()).resolves.toMatch(/Noisy input\s+\d+\.\d+ dB\s+0\.\d{4}[\s\S]*Median filter \(3×3\)[\s\S]*Diffusion\s+\d+\.\d+ dB/);
    // each metric marks its own best value (the best PSNR need not be the best SSIM)
    const column = async (i: number): Promise<string[]> => table.locator(`tbody tr td:nth-of-type(${i})`).allInnerTexts();
    for (const [i, parse] of [[1, (t: string) => (t.startsWith('∞') ? Infinity : parseFloat(t))], [2, parseFloat]] as const) {
      const cells = await column(i);
      const values = cells.map(parse);
      const marked = cells.flatMap((t, j) => (/\bbest$/.test(t) ? [j] : []));
      expect(marked, `column ${i}: ${cells.join(' | ')}`).toEqual(values.flatMap((v, j) => (v === Math.max(...values) ? [j] : [])));
    }
    await expect(session.page.getByRole('img', { name: 'With added noise' }).count()).resolves.toBe(1);
    await slider.focus();
    for (let i = 0; i < 5; i++) await slider.press('ArrowRight');
    await expect(slider.inputValue()).resolves.toBe('55');
    await session.page.getByRole('button', { name: 'Median filter', exact: true }).click();
    await expect(session.page.getByRole('img', { name: 'Median filter' }).count()).resolves.toBe(1);
    await session.page.getByRole('button', { name: 'Input', exact: true }).click();
    await session.page.screenshot({ path: screenshotPath('denoise') });
    expect(session.consoleErrors).toEqual([]);
  });
});
