/**
 * A reload keeps what the user set on the Generate tab (prompt, negative prompt, seed, sampler,
 * steps, CFG, size, batch, hires fix) and the canvas follows a job that is still running.
 */
import { describe, expect, it } from 'vitest';
import { field, openStudio, promptField, useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'sd15-script' });

describe('a reload', () => {
  it('keeps the Generate form as the user left it', async () => {
    const page = session.page;
    await promptField(page).fill('a lighthouse on a cliff, (storm:1.2)');
    await field(page, 'textbox', 'Negative prompt').fill('blurry');
    await field(page, 'spinbutton', 'Steps').fill('13');
    await field(page, 'spinbutton', 'CFG scale').fill('4.5');
    await field(page, 'spinbutton', 'Width').fill('192');
    await field(page, 'spinbutton', 'Height').fill('128');
    await field(page, 'combobox', 'Sampler').selectOption('euler_ancestral');
    await field(page, 'textbox', 'Seed').fill('4242');
    await page.reload();
    await openStudio(page, session.reverie);
    await expect.poll(() => promptField(page).inputValue()).toBe('a lighthouse on a cliff, (storm:1.2)');
    await expect(field(page, 'textbox', 'Negative prompt').inputValue()).resolves.toBe('blurry');
    await expect(field(page, 'spinbutton', 'Steps').inputValue()).resolves.toBe('13');
    await expect(field(page, 'spinbutton', 'CFG scale').inputValue()).resolves.toBe('4.5');
    await expect(field(page, 'spinbutton', 'Width').inputValue()).resolves.toBe('192');
    await expect(field(page, 'spinbutton', 'Height').inputValue()).resolves.toBe('128');
    await expect(field(page, 'combobox', 'Sampler').inputValue()).resolves.toBe('euler_ancestral');
    await expect(field(page, 'textbox', 'Seed').inputValue()).resolves.toBe('4242');
    await expect(field(page, 'combobox', 'Model').locator('option:checked').innerText()).resolves.toMatch(/sd15-script/);
  });

  it('shows the job that is still running', { timeout: 90_000 }, async () => {
    const page = session.page;
    await field(page, 'spinbutton', 'Steps').fill('1000');
    await field(page, 'spinbutton', 'Width').fill('512');
    await field(page, 'spinbutton', 'Height').fill('512');
    // long enough to outlast the reload on any machine: 1000 steps of the fixture UNet took ~3 s on one VM,
    // and the job had ended before the page was back
    await field(page, 'spinbutton', 'Batch count').fill('40');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const bar = page.getByRole('progressbar', { name: 'Generation progress' });
    await bar.waitFor({ timeout: 20_000 });
    await page.reload();
    await openStudio(page, session.reverie);
    // the canvas is back on the running job, with its progress, and it can be cancelled from there
    await bar.waitFor({ timeout: 20_000 });
    await expect.poll(async () => (await bar.getAttribute('aria-valuetext')) ?? '', { timeout: 20_000 }).toMatch(/Step \d+ of 1000/);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect.poll(() => page.getByRole('progressbar', { name: 'Generation progress' }).count(), { timeout: 20_000 }).toBe(0);
    expect(session.consoleErrors).toEqual([]);
  });
});
