/**
 * The queue and the lists as someone who uses the studio every day reads them: the queue is one
 * click away on every tab (a Queue button with the number of jobs in the top bar, showing the queue
 * beside any tab); each row says what kind of job it is, its size and a readable prompt (the whole
 * prompt in its tooltip), left-aligned, with the sampler's label rather than its id; the Process tab
 * names samplers by their labels too.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { field, promptField, useStudioSession } from './studio.ts';
import { chooseImage, openTab, photo } from './edit-helpers.ts';

const session = useStudioSession({ model: 'reverie-tiny' });

const LONG_PROMPT = 'a lighthouse on a rocky cliff at dusk, waves breaking below, warm light in the windows, oil painting in the style of the old masters';

const queueButton = (p: Page) => p.getByRole('button', { name: /^Queue/ });
const queue = (p: Page) => p.getByRole('complementary', { name: 'Queue' });

/** Opens the queue beside the current tab (the button toggles it). */
async function openQueue(p: Page): Promise<Locator> {
  if ((await queueButton(p).getAttribute('aria-expanded')) !== 'true') await queueButton(p).click();
  await queue(p).waitFor();
  return queue(p);
}

async function box(l: Locator): Promise<{ x: number; width: number }> {
  const b = await l.boundingBox();
  if (!b) throw new Error('not visible');
  return b;
}

describe('the queue from every tab', () => {
  it('a running text-to-image job and a waiting image-to-image job, listed with kind, size, prompt and sampler label', async () => {
    await promptField(session.page).fill(LONG_PROMPT);
    await field(session.page, 'spinbutton', 'Steps').fill('1000');
    await field(session.page, 'spinbutton', 'Width').fill('1024');
    await field(session.page, 'spinbutton', 'Height').fill('1024');
    // 40 runs: it must still run when the next test stops it, and one run of 1000 steps at 1024² takes ~5 s here
    await field(session.page, 'spinbutton', 'Batch count').fill('40');
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await field(session.page, 'spinbutton', 'Steps').fill('4');
    await field(session.page, 'spinbutton', 'Batch count').fill('1');

    await openTab(session.page, 'Image to image');
    await chooseImage(session.page, await photo(), 'landscape.png');
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();

    // the top bar says how many jobs there are, on this tab too
    await expect.poll(async () => (await queueButton(session.page).innerText()).replace(/\s+/g, ' '), { timeout: 20_000 }).toMatch(/Queue 2$/);
    const panel = await openQueue(session.page);
    const active = panel.getByRole('list', { name: 'Active jobs' });
    await expect.poll(() => active.getByRole('listitem').count(), { timeout: 20_000 }).toBe(2);
    const [running, waiting] = [active.getByRole('listitem').nth(0), active.getByRole('listitem').nth(1)];
    const runningText = (await running.innerText()).replace(/\s+/g, ' ');
    expect(runningText).toMatch(/^Running Text to image a lighthouse on a rocky cliff/);
    expect(runningText).toMatch(/1024 × 1024 · 1000 steps · DPM\+\+ 2M · 40 images · seed \d+/);
    expect(runningText).not.toMatch(/dpmpp_2m|\?/);
    const waitingText = (await waiting.innerText()).replace(/\s+/g, ' ');
    expect(waitingText).toMatch(/^Queued Image to image a lighthouse/);
    expect(waitingText).toMatch(/from 96 × 64 · 4 steps · DPM\+\+ 2M/);
    expect(waitingText).not.toMatch(/\?/);

    // the prompt: its whole text in the tooltip, shown across the row from its left edge (not centred, not cut at 15 characters)
    const prompt = running.getByTitle(LONG_PROMPT, { exact: true });
    await expect(prompt.count()).resolves.toBe(1);
    const [row, text] = [await box(running), await box(prompt)];
    expect(text.x - row.x).toBeLessThan(20);
    expect(text.width).toBeGreaterThan(row.width * 0.6);
    await session.page.screenshot({ path: screenshotPath('queue-img2img-1280x800') });
    await session.page.setViewportSize({ width: 900, height: 700 });
    await session.page.screenshot({ path: screenshotPath('queue-img2img-900x700') });
    await session.page.setViewportSize({ width: 1280, height: 800 });
  });

  it('is reachable from every tab, and stops the running job from there', async () => {
    for (const tab of ['Generate', 'Inpaint', 'Denoise', 'Process', 'Gallery', 'Playground']) {
      await openTab(session.page, tab);
      await expect(queueButton(session.page).isVisible(), tab).resolves.toBe(true);
      await expect(queue(session.page).isVisible(), tab).resolves.toBe(true); // it stays open across tabs
    }
    await session.page.getByRole('button', { name: 'Stop the running job' }).click();
    const finished = queue(session.page).getByRole('list', { name: 'Finished jobs' });
    await expect.poll(async () => (await finished.innerText()).replace(/\s+/g, ' '), { timeout: 60_000 }).toMatch(/Done Image to image .* \d+ × \d+ · 4 steps.*Cancelled Text to image .* 1024 × 1024 · 1000 steps/);
    await expect(queueButton(session.page).innerText()).resolves.toMatch(/^Queue$/);
    // the button hides it and shows it again
    await queueButton(session.page).click();
    await queue(session.page).waitFor({ state: 'detached' });
    await queueButton(session.page).click();
    await queue(session.page).waitFor();
  });

  it('the Process tab names the sampler by its label', async () => {
    await openTab(session.page, 'Process');
    const results = session.page.getByRole('navigation', { name: 'Recorded results' });
    await results.getByRole('button').first().waitFor({ timeout: 20_000 });
    await expect(results.innerText()).resolves.toMatch(/Image to image · \d+ × \d+ · DPM\+\+ 2M/);
    await expect(results.innerText()).resolves.not.toMatch(/dpmpp_2m/);
    await results.getByRole('button').first().click();
    const viewer = session.page.getByRole('region', { name: 'Reverse process viewer' });
    await viewer.getByRole('heading', { level: 2 }).waitFor({ timeout: 20_000 });
    await expect(viewer.locator('header').innerText()).resolves.toMatch(/DPM\+\+ 2M · Karras/);
    // with the queue beside it, the viewer's content stays inside the viewer
    const inside = await box(viewer);
    for (const part of [viewer.locator('header'), viewer.getByText(/is the model's current guess/)]) {
      const b = await box(part);
      expect(b.x + b.width).toBeLessThanOrEqual(inside.x + inside.width + 1);
    }
    await session.page.screenshot({ path: screenshotPath('queue-process-1280x800') });
    expect(session.consoleErrors).toEqual([]);
  });
});
