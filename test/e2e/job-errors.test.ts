/**
 * Errors in the user's terms, once, and only while they apply: a job that fails (a model folder
 * broken after it was listed) shows its message in one place, without an error code or a stack; the
 * message goes away when the inputs change or a new run starts. The same on Generate and on an edit
 * tab, and for a problem found before the run (no input image).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { FIXTURE_MODELS, field, pickModel, promptField, useStudioSession } from './studio.ts';
import { chooseImage, openTab, photo } from './edit-helpers.ts';

let scratchModels: string;

// registered before the session: made before it starts, removed after it stops
beforeAll(() => {
  scratchModels = mkdtempSync(path.join(os.tmpdir(), 'reverie-e2e-models-'));
  cpSync(path.join(FIXTURE_MODELS, 'reverie-tiny'), path.join(scratchModels, 'tiny-copy'), { recursive: true });
});
afterAll(() => rmSync(scratchModels, { recursive: true, force: true }));

const session = useStudioSession({ settings: () => ({ modelsDirs: [FIXTURE_MODELS, scratchModels], provider: 'cpu' }), model: 'reverie-tiny' });

/** What the engine says about the broken folder (its message names the missing file). */
const FAILURE = /unet/i;

/** How many visible elements hold text matching `re` (innermost ones: an element, not its ancestors). */
async function shown(page: Page, re: RegExp): Promise<number> {
  const texts = await page.locator('body *:visible').evaluateAll(
    (els, src) => {
      const r = new RegExp(src, 'i');
      return els.filter((el) => r.test(el.textContent ?? '') && ![...el.children].some((c) => r.test(c.textContent ?? ''))).map((el) => el.textContent ?? '');
    },
    re.source,
  );
  return texts.length;
}

describe('a failed job', () => {
  it('Generate: the message shows once, in plain words, and goes when the prompt changes', async () => {
    await pickModel(session.page, 'tiny-copy');
    rmSync(path.join(scratchModels, 'tiny-copy', 'unet'), { recursive: true, force: true });
    await promptField(session.page).fill('this will fail');
    await field(session.page, 'spinbutton', 'Steps').fill('4');
    await field(session.page, 'spinbutton', 'Width').fill('256');
    await field(session.page, 'spinbutton', 'Height').fill('256');
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    const alert = session.page.getByRole('alert').filter({ hasText: FAILURE });
    await alert.waitFor({ timeout: 30_000 });
    await session.page.waitForTimeout(300); // every place that could repeat it has heard of the failure
    await session.page.screenshot({ path: screenshotPath('errors-generate-failed') });
    expect(await shown(session.page, FAILURE)).toBe(1);
    // no error code (MODEL_INVALID, ...) and no stack
    expect(await alert.innerText()).not.toMatch(/\b[A-Z]{2,}_[A-Z_]+\b|\bat \S+ \(|\.ts:\d+/);
    await promptField(session.page).fill('this will fail, said differently');
    await expect.poll(() => shown(session.page, FAILURE)).toBe(0);
  });

  it('Generate: a new run replaces the message', async () => {
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await session.page.getByRole('alert').filter({ hasText: FAILURE }).waitFor({ timeout: 30_000 });
    expect(await shown(session.page, FAILURE)).toBe(1);
    await pickModel(session.page, 'reverie-tiny');
    await expect.poll(() => shown(session.page, FAILURE)).toBe(0);
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await session.page.getByRole('img', { name: /^Result: this will fail, said differently/ }).waitFor({ timeout: 60_000 });
    expect(await shown(session.page, FAILURE)).toBe(0);
  });

  it('Image to image: a problem before the run shows once and goes when the input is chosen', async () => {
    await openTab(session.page, 'Image to image');
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    const missing = /Choose an input image/;
    await session.page.getByRole('alert').filter({ hasText: missing }).waitFor();
    expect(await shown(session.page, missing)).toBe(1);
    await chooseImage(session.page, await photo(), 'landscape.png');
    await expect.poll(() => shown(session.page, missing)).toBe(0);
  });

  it('Image to image: an engine failure shows once and goes when the strength changes', async () => {
    await pickModel(session.page, 'tiny-copy');
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    const alert = session.page.getByRole('alert').filter({ hasText: FAILURE });
    await alert.waitFor({ timeout: 30_000 });
    await session.page.waitForTimeout(300);
    await session.page.screenshot({ path: screenshotPath('errors-img2img-failed') });
    expect(await shown(session.page, FAILURE)).toBe(1);
    expect(await alert.innerText()).not.toMatch(/\b[A-Z]{2,}_[A-Z_]+\b/);
    // the result pane says there is no result and where the reason is, instead of promising one
    const resultPane = session.page.getByRole('figure', { name: 'Result' });
    await expect(resultPane.innerText()).resolves.toContain('No result: this run failed. The reason is in the status bar below');
    await expect(resultPane.innerText()).resolves.not.toContain('The result appears here');
    const strength = field(session.page, 'slider', 'Strength');
    await strength.focus();
    await strength.press('ArrowLeft');
    await expect.poll(() => shown(session.page, FAILURE)).toBe(0);
    // the inputs changed: the failure no longer applies, and the pane invites a run again
    await expect.poll(() => resultPane.innerText()).toContain('The result appears here');
  });

  it('Image to image: a new run clears the message before its own outcome', async () => {
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await session.page.getByRole('alert').filter({ hasText: FAILURE }).waitFor({ timeout: 30_000 });
    await pickModel(session.page, 'reverie-tiny');
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await session.page.getByRole('figure', { name: 'Result' }).getByRole('img', { name: 'Image to image result' }).waitFor({ timeout: 60_000 });
    expect(await shown(session.page, FAILURE)).toBe(0);
    expect(session.consoleErrors).toEqual([]);
  });
});
