/**
 * Broken model folders and missing models folders, as a user meets them: the model picker lists the
 * folders that cannot be used greyed out with their reason (the fixtures hold several broken ones),
 * and Settings refuses a models folder that does not exist or is a file, saying why under the field,
 * once, keeping what was typed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { field, useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'sd15-script' });
const scratch = mkdtempSync(path.join(os.tmpdir(), 'reverie-e2e-folders-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const dialog = () => session.page.getByRole('dialog', { name: 'Settings' });

describe('model folders that cannot be used', () => {
  it('the model picker lists broken folders greyed out, each with its reason, and none can be picked', async () => {
    const picker = field(session.page, 'combobox', 'Model');
    const broken = picker.locator('optgroup[label="Cannot be used"] option');
    await expect.poll(() => broken.count()).toBeGreaterThanOrEqual(4);
    const texts = await broken.allInnerTexts();
    expect(texts.find((t) => t.startsWith('broken-missing-unet — '))).toMatch(/unet/i);
    expect(texts.every((t) => / — \S/.test(t))).toBe(true);
    expect(await broken.evaluateAll((options) => options.every((o) => (o as unknown as { disabled: boolean }).disabled))).toBe(true);
    await expect(picker.locator('option:checked').innerText()).resolves.toBe('sd15-script');
  });

  it('Settings refuses a models folder that does not exist, or is a file, under the field and only there', async () => {
    await session.page.keyboard.press('Control+,');
    await dialog().waitFor();
    const input = dialog().getByRole('textbox', { name: 'Add a models folder' });
    const missing = path.join(scratch, 'not-here');
    await input.fill(missing);
    await dialog().getByRole('button', { name: 'Add folder' }).click();
    await expect(dialog().getByRole('alert').innerText()).resolves.toBe(`The folder ${missing} does not exist. Create it or check the path, then add it again.`);
    await expect(input.inputValue()).resolves.toBe(missing);
    await expect(dialog().getByRole('list', { name: 'Model folders' }).innerText()).resolves.not.toContain(missing);
    // one message: the dialog's status line does not repeat it
    await expect(dialog().getByText('does not exist', { exact: false }).count()).resolves.toBe(1);
    await session.page.screenshot({ path: screenshotPath('settings-missing-folder') });

    const file = path.join(scratch, 'models.txt');
    writeFileSync(file, 'not a folder');
    await input.fill(file);
    await dialog().getByRole('button', { name: 'Add folder' }).click();
    await expect.poll(() => dialog().getByRole('alert').innerText()).toBe(`${file} is a file, not a folder. Give the folder that holds your model folders.`);

    await input.fill(scratch);
    await dialog().getByRole('button', { name: 'Add folder' }).click();
    await expect.poll(() => dialog().getByRole('list', { name: 'Model folders' }).innerText()).toContain(scratch);
    await expect(dialog().getByRole('alert').count()).resolves.toBe(0);
    await session.page.keyboard.press('Escape');
    // Chromium logs each refused call (HTTP 400) as a failed resource; nothing else may be there
    expect(session.consoleErrors.filter((e) => !/status of 400 \(Bad Request\)/.test(e))).toEqual([]);
    expect(session.consoleErrors.length).toBe(2);
  });
});
