/**
 * What an everyday user leans on (issue 17): ↑/↓ in the prompt box walk the prompts of earlier jobs
 * (kept across a reload, the completion list keeping its arrows); saved styles applied with A1111's
 * {prompt} rule; "Copy seed" and "Use this seed" on the canvas and in the gallery's details; a
 * batch shown as a grid whose cells open their image.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { field, openStudio, pickModel, promptField, useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'reverie-tiny' });

const negative = (p: Page) => field(p, 'textbox', 'Negative prompt');
const canvas = (p: Page) => p.getByRole('region', { name: 'Canvas' });

/** Generates with the tiny model at 64×64, 2 steps, and waits for the result on the canvas. */
async function generate(p: Page, prompt: string, neg: string, batch = 1): Promise<void> {
  await promptField(p).fill(prompt);
  await negative(p).fill(neg);
  await field(p, 'spinbutton', 'Steps').fill('2');
  await field(p, 'spinbutton', 'Width').fill('64');
  await field(p, 'spinbutton', 'Height').fill('64');
  await field(p, 'spinbutton', 'Batch size').fill(String(batch));
  await p.getByRole('button', { name: 'Generate', exact: true }).click();
  if (batch > 1) await canvas(p).getByRole('list', { name: `Batch of ${batch} images` }).waitFor({ timeout: 60_000 });
  else await canvas(p).getByRole('img', { name: `Result: ${prompt}` }).waitFor({ timeout: 60_000 });
}

/** the page's clipboard text (the test's tsconfig has no DOM types) */
function readClipboard(p: Page): Promise<string> {
  return p.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
}

async function both(p: Page): Promise<[string, string]> {
  return [await promptField(p).inputValue(), await negative(p).inputValue()];
}

describe('prompt history', () => {
  it('↑ recalls the prompts of earlier jobs with their negative prompts, ↓ comes back to the draft', async () => {
    const p = session.page;
    await generate(p, 'a red barn in snow', 'blurry');
    await generate(p, 'a lighthouse at dusk', 'people');
    await promptField(p).fill('a half-typed draft');
    await negative(p).fill('draft negative');
    await promptField(p).press('End');
    await promptField(p).press('ArrowUp');
    await expect(both(p)).resolves.toEqual(['a lighthouse at dusk', 'people']);
    await p.getByText('Earlier prompt 1 of 2').waitFor();
    await expect(field(p, 'combobox', 'Style').locator('option').allInnerTexts()).resolves.toEqual(['None saved']);
    await promptField(p).scrollIntoViewIfNeeded();
    await p.screenshot({ path: screenshotPath('prompt-history') });
    await promptField(p).press('ArrowUp');
    await expect(both(p)).resolves.toEqual(['a red barn in snow', 'blurry']);
    await promptField(p).press('ArrowUp'); // the oldest: stays
    await expect(both(p)).resolves.toEqual(['a red barn in snow', 'blurry']);
    await promptField(p).press('ArrowDown');
    await expect(both(p)).resolves.toEqual(['a lighthouse at dusk', 'people']);
    await promptField(p).press('ArrowDown');
    await expect(both(p)).resolves.toEqual(['a half-typed draft', 'draft negative']);
    await promptField(p).press('ArrowDown'); // on the draft: nothing more
    await expect(both(p)).resolves.toEqual(['a half-typed draft', 'draft negative']);
    // the keyboard shortcuts list says so
    await p.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await p.getByRole('dialog', { name: 'Keyboard shortcuts' }).getByText('In the prompt: earlier prompts of your jobs, and back to what you typed').waitFor();
    await p.keyboard.press('Escape');
    await p.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor({ state: 'hidden' });
  });

  it('leaves ↑ to the caret below the first line, and keeps the history across a reload', async () => {
    const p = session.page;
    await promptField(p).fill('line one\nline two');
    await promptField(p).press('End');
    await promptField(p).press('ArrowUp');
    await expect(promptField(p).inputValue()).resolves.toBe('line one\nline two');
    await p.reload();
    await openStudio(p, session.reverie);
    await promptField(p).fill('');
    await promptField(p).press('ArrowUp');
    await expect(promptField(p).inputValue()).resolves.toBe('a lighthouse at dusk');
  });

  it('leaves ↑/↓ to the completion list while it is open', async () => {
    const p = session.page;
    await pickModel(p, 'reverie-mini');
    const prompt = p.getByRole('combobox', { name: 'Prompt', exact: true });
    await prompt.fill('');
    await prompt.click();
    await p.keyboard.type('a subm', { delay: 15 });
    const list = p.getByRole('listbox', { name: 'Words reverie-mini knows' });
    await list.waitFor();
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('ArrowUp');
    await expect(prompt.inputValue()).resolves.toBe('a subm');
    await expect(list.getByRole('option', { selected: true }).innerText()).resolves.toMatch(/^ship/);
    await p.keyboard.press('Escape');
    await list.waitFor({ state: 'hidden' });
    await p.keyboard.press('ArrowUp'); // the list closed: the history again
    await expect(prompt.inputValue()).resolves.toBe('a lighthouse at dusk');
    await pickModel(p, 'reverie-tiny');
  });
});

describe('saved styles', () => {
  const styles = (p: Page) => p.getByRole('group', { name: 'Styles' });

  it('saves the prompt pair under a name and applies it with {prompt} or appended', async () => {
    const p = session.page;
    await promptField(p).fill('cinematic still of {prompt}, film grain');
    await negative(p).fill('cartoon');
    await styles(p).getByRole('button', { name: 'Save as style' }).click();
    await styles(p).getByRole('textbox', { name: 'Style name' }).fill('Cinematic');
    await styles(p).getByRole('textbox', { name: 'Style name' }).press('Enter');
    await promptField(p).fill('oil painting');
    await negative(p).fill('');
    await styles(p).getByRole('button', { name: 'Save as style' }).click();
    await p.keyboard.type('Painting');
    await p.keyboard.press('Enter');
    await expect(field(p, 'combobox', 'Style').locator('option').allInnerTexts()).resolves.toEqual(['Choose…', 'Cinematic', 'Painting']);

    await promptField(p).fill('a fox in a meadow');
    await negative(p).fill('blurry');
    await field(p, 'combobox', 'Style').selectOption('Cinematic');
    await styles(p).getByRole('button', { name: 'Apply' }).click();
    await expect(both(p)).resolves.toEqual(['cinematic still of a fox in a meadow, film grain', 'blurry, cartoon']);
    await field(p, 'combobox', 'Style').selectOption('Painting');
    await styles(p).getByRole('button', { name: 'Apply' }).click();
    await expect(both(p)).resolves.toEqual(['cinematic still of a fox in a meadow, film grain, oil painting', 'blurry, cartoon']);
    await p.screenshot({ path: screenshotPath('styles') });
  });

  it('names what is wrong, works from the keyboard, keeps styles across a reload, deletes with undo', async () => {
    const p = session.page;
    await styles(p).getByRole('button', { name: 'Save as style' }).click();
    await styles(p).getByRole('textbox', { name: 'Style name' }).fill('   ');
    await styles(p).getByRole('button', { name: 'Save', exact: true }).click();
    await p.getByRole('alert').filter({ hasText: 'Give the style a name.' }).waitFor();
    await p.screenshot({ path: screenshotPath('styles-naming') });
    await styles(p).getByRole('textbox', { name: 'Style name' }).press('Escape');
    await styles(p).getByRole('button', { name: 'Save as style' }).waitFor();

    await p.reload();
    await openStudio(p, session.reverie);
    await expect(field(p, 'combobox', 'Style').locator('option').allInnerTexts()).resolves.toEqual(['Choose…', 'Cinematic', 'Painting']);
    await field(p, 'combobox', 'Style').selectOption('Painting');
    await styles(p).getByRole('button', { name: 'Delete style' }).click();
    await expect(field(p, 'combobox', 'Style').locator('option').allInnerTexts()).resolves.toEqual(['Choose…', 'Cinematic']);
    await p.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => field(p, 'combobox', 'Style').locator('option').allInnerTexts()).toEqual(['Choose…', 'Cinematic', 'Painting']);
    // keyboard only: focus the list, pick, Tab to Apply, Enter
    await promptField(p).fill('a tower');
    await negative(p).fill('');
    await field(p, 'combobox', 'Style').focus();
    await field(p, 'combobox', 'Style').selectOption('Painting');
    await p.keyboard.press('Tab');
    await p.keyboard.press('Enter');
    await expect(both(p)).resolves.toEqual(['a tower, oil painting', '']);
  });
});

describe('seeds and batches on the canvas', () => {
  it('a batch shows as a grid; a cell opens its image, which leads back to the grid', async () => {
    const p = session.page;
    await generate(p, 'a bowl of fruit', '', 4);
    const grid = canvas(p).getByRole('list', { name: 'Batch of 4 images' });
    await expect(grid.getByRole('button', { name: /^Open image \d of 4, seed \d+$/ }).count()).resolves.toBe(4);
    await expect.poll(() => grid.locator('img').evaluateAll((imgs) => imgs.every((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0))).toBe(true);
    // the cells follow the seeds, one after another
    const seeds = (await grid.getByRole('button').evaluateAll((cells) => cells.map((c) => c.getAttribute('aria-label') ?? ''))).map((l) => Number(/seed (\d+)/.exec(l)?.[1]));
    expect(seeds.map((s) => s - seeds[0])).toEqual([0, 1, 2, 3]);
    await canvas(p).getByText(`seeds ${seeds[0]}–${seeds[3]}`).waitFor();
    await p.screenshot({ path: screenshotPath('batch-grid') });
    const third = await grid.getByRole('button').nth(2).getAttribute('aria-label');
    const seed = /seed (\d+)/.exec(third ?? '')?.[1] ?? '';
    await grid.getByRole('button').nth(2).click();
    await canvas(p).getByRole('img', { name: 'Result: a bowl of fruit' }).waitFor();
    await expect(canvas(p).getByRole('group', { name: `Seed ${seed}` }).count()).resolves.toBe(1);
    await p.screenshot({ path: screenshotPath('batch-opened') });
    await canvas(p).getByRole('button', { name: '3 of 4' }).click();
    await grid.waitFor();
    // the queue's row of a finished batch opens its grid too (not only the first image)
    await grid.getByRole('button').nth(0).click();
    await canvas(p).getByRole('img', { name: 'Result: a bowl of fruit' }).waitFor();
    await p.getByRole('list', { name: 'Finished jobs' }).getByRole('button').first().click();
    await grid.waitFor();
  });

  it('copies the seed and puts it into the form, from the canvas and from the gallery details', async () => {
    const p = session.page;
    await session.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(session.reverie.url).origin });
    await canvas(p).getByRole('button', { name: /^Open image 2 of 4/ }).click();
    const group = canvas(p).getByRole('group', { name: /^Seed \d+$/ });
    const seed = /(\d+)/.exec((await group.getAttribute('aria-label')) ?? '')?.[1] ?? '';
    await field(p, 'textbox', 'Seed').fill('');
    await group.getByRole('button', { name: 'Copy seed' }).click();
    await p.getByText('Copied to the clipboard.').waitFor();
    await expect(readClipboard(p)).resolves.toBe(seed);
    await group.getByRole('button', { name: 'Use this seed' }).click();
    await expect(field(p, 'textbox', 'Seed').inputValue()).resolves.toBe(seed);

    await field(p, 'textbox', 'Seed').fill('');
    await p.getByRole('tab', { name: 'Gallery', exact: true }).click();
    await p.getByRole('listbox', { name: 'Gallery images' }).getByRole('option').first().click();
    const details = p.getByRole('article', { name: 'Image details' });
    const detailSeed = /Seed\s+(\d+)/.exec(await details.innerText())?.[1] ?? '';
    await expect.poll(() => p.getByRole('status').filter({ hasText: /Copied|Generate form/ }).count(), { timeout: 8000 }).toBe(0);
    await p.screenshot({ path: screenshotPath('gallery-seed') });
    await details.getByRole('button', { name: 'Copy seed' }).click();
    await expect.poll(() => readClipboard(p)).toBe(detailSeed);
    await details.getByRole('button', { name: 'Use this seed' }).click();
    await p.getByRole('tab', { name: 'Generate', exact: true }).click();
    await expect(field(p, 'textbox', 'Seed').inputValue()).resolves.toBe(detailSeed);
    expect(session.consoleErrors).toEqual([]);
  });
});

describe('at 900 × 700', () => {
  it('fits the styles row, the seed buttons and the batch grid', async () => {
    const p = session.page;
    await p.setViewportSize({ width: 900, height: 700 });
    // the toasts of the last test gone, for a clear picture
    await expect.poll(() => p.getByRole('status').filter({ hasText: /Copied|Generate form/ }).count(), { timeout: 8000 }).toBe(0);
    await canvas(p).getByRole('button', { name: /^\d of 4$/ }).click();
    await canvas(p).getByRole('button', { name: /^Open image 1 of 4/ }).click();
    await canvas(p).getByRole('group', { name: /^Seed \d+$/ }).waitFor();
    await p.screenshot({ path: screenshotPath('seed-actions-900') });
    await canvas(p).getByRole('button', { name: '1 of 4' }).click();
    await canvas(p).getByRole('list', { name: 'Batch of 4 images' }).waitFor();
    await promptField(p).fill('a quiet harbour');
    await promptField(p).press('ArrowUp');
    await p.getByText(/^Earlier prompt 1 of \d+/).waitFor();
    await p.screenshot({ path: screenshotPath('batch-grid-900') });
    await p.getByRole('group', { name: 'Styles' }).scrollIntoViewIfNeeded();
    await p.screenshot({ path: screenshotPath('styles-900') });
    // nothing in the parameters panel reaches past its right edge
    const past = await p.getByRole('complementary', { name: 'Generation parameters' }).evaluate((aside) => {
      const right = aside.getBoundingClientRect().right;
      return Array.from(aside.querySelectorAll('*')).filter((e) => (e as typeof aside).getBoundingClientRect().right > right + 1).length;
    });
    expect(past).toBe(0);
    await p.setViewportSize({ width: 1280, height: 800 });
  });
});
