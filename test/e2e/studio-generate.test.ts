/**
 * The Generate flow in the real window: queue with the button and Ctrl+Enter, live progress with
 * step count and ETA, live previews, cancel with Esc and with the button (the last preview stays),
 * the queue panel (reorder, remove, stop), and an engine failure shown inline in plain words.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { FIXTURE_MODELS, field, pickModel, promptField, useStudioSession } from './studio.ts';

let scratchModels: string;

// registered before the session: made before it starts, removed after it stops
beforeAll(() => {
  // a second models folder holding a copy of the tiny model that we can break on purpose
  scratchModels = mkdtempSync(path.join(os.tmpdir(), 'reverie-e2e-models-'));
  cpSync(path.join(FIXTURE_MODELS, 'reverie-tiny'), path.join(scratchModels, 'tiny-copy'), { recursive: true });
});
afterAll(() => rmSync(scratchModels, { recursive: true, force: true }));

const session = useStudioSession({ settings: () => ({ modelsDirs: [FIXTURE_MODELS, scratchModels], provider: 'cpu' }), model: 'reverie-tiny' });

/** A job slow enough to watch and cancel on this machine: 1000 steps at 1024×1024. */
async function slowJob(p: Page, prompt: string): Promise<void> {
  await promptField(p).fill(prompt);
  await field(p, 'spinbutton', 'Steps').fill('1000');
  await field(p, 'spinbutton', 'Width').fill('1024');
  await field(p, 'spinbutton', 'Height').fill('1024');
}

async function stepOf(p: Page): Promise<number> {
  const text = (await p.getByRole('progressbar', { name: 'Generation progress' }).getAttribute('aria-valuetext')) ?? '';
  return Number(/Step (\d+) of/.exec(text)?.[1] ?? 0);
}

describe('Generate', () => {
  it('has every control under its accessible name', async () => {
    for (const [role, name] of [
      ['textbox', 'Prompt'],
      ['textbox', 'Negative prompt'],
      ['slider', 'Steps'],
      ['slider', 'CFG scale'],
      ['combobox', 'Sampler'],
      ['combobox', 'Schedule'],
      ['textbox', 'Seed'],
      ['button', 'Generate'],
      ['button', 'Cancel'],
    ] as const) {
      await expect(session.page.getByRole(role, { name, exact: true }).count(), `${role} "${name}"`).resolves.toBe(1);
    }
    for (const tab of ['Generate', 'Image to image', 'Inpaint', 'Denoise', 'Process', 'Gallery']) {
      await expect(session.page.getByRole('tablist').getByRole('tab', { name: tab, exact: true }).count(), tab).resolves.toBe(1);
    }
    // the sampler list comes from the engine's registry, with A1111's labels
    const labels = await session.page.getByRole('combobox', { name: 'Sampler', exact: true }).locator('option').allInnerTexts();
    expect(labels).toEqual(expect.arrayContaining(['Euler', 'Euler a', 'DPM++ 2M', 'DPM++ 2M SDE', 'DDIM', 'LCM']));
  });

  it('queues with the button, shows progress with step count and ETA and live previews, and finishes with the image', async () => {
    await promptField(session.page).fill('a red square on a blue sky');
    await field(session.page, 'spinbutton', 'Steps').fill('400');
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    const bar = session.page.getByRole('progressbar', { name: 'Generation progress' });
    await bar.waitFor({ timeout: 20_000 });
    await expect.poll(() => stepOf(session.page), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect(session.page.getByText(/Step \d+ of 400/).count()).resolves.toBeGreaterThan(0);
    await session.page.getByRole('img', { name: /Live preview, step \d+/ }).waitFor();
    await session.page.screenshot({ path: screenshotPath('generate-running') });
    // done: the result replaces the preview and lines up in the recent strip
    await session.page.getByRole('img', { name: /^Result: a red square on a blue sky/ }).waitFor({ timeout: 60_000 });
    await expect(session.page.getByRole('navigation', { name: 'Recent results' }).getByRole('button').count()).resolves.toBe(1);
    await session.page.screenshot({ path: screenshotPath('generate-done') });
  });

  it('Ctrl+Enter queues; Esc cancels within a step and keeps the last preview', async () => {
    await slowJob(session.page, 'a lighthouse on a cliff at dusk');
    await promptField(session.page).press('Control+Enter');
    await expect.poll(() => stepOf(session.page), { timeout: 30_000 }).toBeGreaterThan(3);
    await session.page.keyboard.press('Escape');
    const status = session.page.getByText(/^Stopped at step (\d+) of 1000; the last preview is shown\.$/);
    await status.waitFor({ timeout: 15_000 });
    const stopped = Number(/step (\d+)/.exec(await status.innerText())?.[1]);
    expect(stopped).toBeGreaterThan(3);
    expect(stopped).toBeLessThan(1000);
    await expect(session.page.getByRole('img', { name: /Live preview, step \d+/ }).count()).resolves.toBe(1);
    await expect(session.page.getByRole('button', { name: 'Cancel', exact: true }).isDisabled()).resolves.toBe(true);
    const finished = session.page.getByRole('list', { name: 'Finished jobs' });
    await expect(finished.innerText()).resolves.toMatch(/Cancelled[\s\S]*a lighthouse on a cliff at dusk/);
    await session.page.screenshot({ path: screenshotPath('generate-cancelled') });
  });

  it('the Cancel button stops the running job; the queue panel reorders and removes waiting ones', async () => {
    await slowJob(session.page, 'first job');
    // 40 runs each: with the SIMD kernels one run of 1000 steps at 1024² takes ~5 s here, and the whole
    // suite in parallel once let the first and the third job end before the queue was looked at
    await field(session.page, 'spinbutton', 'Batch count').fill('40');
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await promptField(session.page).fill('second job');
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await promptField(session.page).fill('third job');
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    const active = session.page.getByRole('list', { name: 'Active jobs' });
    await expect.poll(() => active.getByRole('listitem').count(), { timeout: 20_000 }).toBe(3);
    await expect.poll(async () => (await active.innerText()).replace(/\s+/g, ' ')).toMatch(/Running Text to image first job.*Queued Text to image second job.*Queued Text to image third job/);
    await session.page.getByRole('button', { name: 'Move up: third job' }).click();
    await expect.poll(async () => (await active.innerText()).replace(/\s+/g, ' ')).toMatch(/Running Text to image first job.*Queued Text to image third job.*Queued Text to image second job/);
    await session.page.screenshot({ path: screenshotPath('generate-queue') });
    await session.page.getByRole('button', { name: 'Remove from queue: second job' }).click();
    // a busy machine (the whole suite in parallel) can take longer than expect.poll's 5 s default
    await expect.poll(() => active.getByRole('listitem').count(), { timeout: 20_000 }).toBe(2);
    await session.page.getByRole('button', { name: 'Cancel', exact: true }).click();
    // the next waiting job starts; stop it from the queue panel
    await expect.poll(async () => (await active.innerText()).replace(/\s+/g, ' '), { timeout: 20_000 }).toMatch(/Running Text to image third job/);
    await session.page.getByRole('button', { name: 'Stop the running job' }).click();
    await expect.poll(() => active.getByRole('listitem').count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => session.page.getByRole('list', { name: 'Finished jobs' }).innerText()).toMatch(/Cancelled[\s\S]*third job[\s\S]*Cancelled[\s\S]*first job/);
    await field(session.page, 'spinbutton', 'Batch count').fill('1');
  });

  it('shows an engine failure inline, in plain words', async () => {
    await pickModel(session.page, 'tiny-copy');
    // the folder breaks after it was listed: the job fails when the engine loads it
    rmSync(path.join(scratchModels, 'tiny-copy', 'unet'), { recursive: true, force: true });
    await promptField(session.page).fill('this will fail');
    await field(session.page, 'spinbutton', 'Steps').fill('4');
    await field(session.page, 'spinbutton', 'Width').fill('256');
    await field(session.page, 'spinbutton', 'Height').fill('256');
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    const alert = session.page.getByRole('alert').filter({ hasText: 'The generation failed' });
    await alert.waitFor({ timeout: 30_000 });
    await expect(alert.innerText()).resolves.toMatch(/unet/);
    await session.page.screenshot({ path: screenshotPath('generate-error') });
    // a rescan finds it broken: the picker says so and falls back to a usable model
    await session.page.getByRole('button', { name: 'Rescan model folders' }).click();
    const lost = session.page.getByRole('alert').filter({ hasText: 'tiny-copy can no longer be used' });
    await lost.waitFor();
    await expect(lost.innerText()).resolves.toMatch(/unet\/model\.onnx is missing.*; using /);
    await pickModel(session.page, 'reverie-tiny');
    await lost.waitFor({ state: 'detached' });
  });

  it('ran without console errors or CSP violations', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
