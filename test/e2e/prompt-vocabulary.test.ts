/**
 * Asking for what the model knows, in the real window with the bundled reverie-mini: completions
 * while typing (keyboard and mouse), the hint naming a word the model does not know with a
 * suggestion that replaces it, the model card dialog from the model picker, and nothing of it for
 * a model folder without a vocabulary or a card.
 */
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { pickModel, until, useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'reverie-mini' });

const prompt = (): Locator => session.page.getByRole('combobox', { name: 'Prompt', exact: true });
const list = (): Locator => session.page.getByRole('listbox', { name: 'Words reverie-mini knows' });
/** the options' words, without their dimmed detail */
const optionTexts = (): Promise<string[]> => list().locator('[role="option"] .text').allInnerTexts();

async function typeFresh(text: string): Promise<void> {
  await prompt().fill('');
  await prompt().click();
  await session.page.keyboard.type(text, { delay: 15 });
}

describe('prompt completions and hints for reverie-mini', () => {
  it('offers what the model knows for the word being typed; arrows move, Esc closes', async () => {
    await typeFresh('a subm');
    await list().waitFor();
    expect(await optionTexts()).toEqual(['ship', 'sailboat']);
    await expect(list().getByRole('option').first().innerText()).resolves.toMatch(/for “submarine”/);
    const first = await list().getByRole('option').first().getAttribute('id');
    await expect(prompt().getAttribute('aria-expanded')).resolves.toBe('true');
    await expect(prompt().getAttribute('aria-activedescendant')).resolves.toBe(first);
    await session.page.screenshot({ path: screenshotPath('prompt-completions') });
    await session.page.keyboard.press('ArrowDown');
    await expect(list().getByRole('option', { selected: true }).innerText()).resolves.toMatch(/^sailboat/);
    await session.page.keyboard.press('Escape');
    await list().waitFor({ state: 'hidden' });
    await expect(prompt().getAttribute('aria-expanded')).resolves.toBe('false');
  });

  it('names the unknown word with the closest known objects; a click puts one in its place', async () => {
    await typeFresh('a submarine on a blue background');
    const hint = session.page.getByText(/reverie-mini does not know “submarine”; closest:/);
    await hint.waitFor();
    await expect(hint.innerText()).resolves.toMatch(/closest:\s*ship,\s*sailboat/);
    await session.page.screenshot({ path: screenshotPath('prompt-unknown-word') });
    await session.page.getByRole('button', { name: /^ship \(use it instead of “submarine”\)/ }).click();
    await expect(prompt().inputValue()).resolves.toBe('a ship on a blue background');
    await hint.waitFor({ state: 'hidden' });
  });

  it('accepts with Enter (phrases continue what is typed) and with the mouse', async () => {
    await typeFresh('a palm t');
    await list().waitFor();
    expect((await optionTexts())[0]).toBe('palm tree');
    await session.page.keyboard.press('Enter');
    await expect(prompt().inputValue()).resolves.toBe('a palm tree ');
    await session.page.keyboard.type('on a gre', { delay: 15 });
    await list().getByRole('option', { name: /^green/ }).click();
    await expect(prompt().inputValue()).resolves.toBe('a palm tree on a green ');
    await list().waitFor({ state: 'hidden' });
    await expect(session.page.getByText(/does not know/).count()).resolves.toBe(0);
  });
});

describe('model card', () => {
  it('opens from the model picker, shows the card with its sample grid, and closes with Esc or Close', async () => {
    const button = session.page.getByRole('button', { name: 'Model card', exact: true });
    await button.click();
    const dialog = session.page.getByRole('dialog', { name: 'reverie-mini · model card' });
    await dialog.waitFor();
    await dialog.getByRole('heading', { name: /^reverie-mini/, level: 3 }).waitFor();
    const grid = dialog.getByRole('img', { name: 'sample grid' });
    await until('the sample grid to load', async () => (await grid.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)) > 0);
    await expect(dialog.getByRole('table').count()).resolves.toBeGreaterThanOrEqual(3);
    await session.page.screenshot({ path: screenshotPath('model-card') });
    await session.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect(button.evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement)).resolves.toBe(true);
    await button.click();
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('offers neither completions, hints nor a card for a folder without vocabulary.json and README.md', async () => {
    await pickModel(session.page, 'sd15-script');
    const plain = session.page.getByRole('textbox', { name: 'Prompt', exact: true });
    await plain.fill('');
    await plain.click();
    await session.page.keyboard.type('a submarine on a blu', { delay: 10 });
    await expect(session.page.getByRole('listbox', { name: /knows/ }).count()).resolves.toBe(0);
    await expect(session.page.getByText(/does not know/).count()).resolves.toBe(0);
    await expect(session.page.getByRole('button', { name: 'Model card', exact: true }).count()).resolves.toBe(0);
  });

  it('ran without console errors or CSP violations', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
