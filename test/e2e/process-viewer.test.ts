/**
 * The Process tab in the real window: a generated result's reverse process scrubbed with the
 * "Step" slider (the image and the sigma readout follow), played, shown as x_t / x̂₀ / ε̂, decoded
 * at full quality and exported; ODE vs SDE from one seed side by side; and the forward viewer.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { field, promptField, until, useStudioSession } from './studio.ts';
import { chooseImage, openTab, photo } from './edit-helpers.ts';

const session = useStudioSession({ model: 'sd15-script' });

const viewer = (p: Page) => p.getByRole('region', { name: 'Reverse process viewer' });
const stepImage = (p: Page) => viewer(p).getByRole('img', { name: /step \d+ of \d+/ });
const sigmaText = (p: Page): Promise<string> => p.getByTestId('sigma').innerText();

describe('Reverse process viewer', () => {
  it('opens the newest result and scrubs through its steps', async () => {
    await promptField(session.page).fill('a red cat in a green garden');
    await field(session.page, 'spinbutton', 'Steps').fill('12');
    await field(session.page, 'spinbutton', 'Width').fill('128');
    await field(session.page, 'spinbutton', 'Height').fill('128');
    await field(session.page, 'combobox', 'Sampler').selectOption('euler');
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await session.page.getByRole('img', { name: /^Result:/ }).waitFor({ timeout: 30_000 });

    await openTab(session.page, 'Process');
    const slider = session.page.getByRole('slider', { name: 'Step', exact: true });
    await slider.waitFor();
    await expect(slider.getAttribute('max')).resolves.toBe('11');
    const firstSrc = await stepImage(session.page).getAttribute('src');
    const firstSigma = await sigmaText(session.page);
    expect(Number(firstSigma)).toBeGreaterThan(5);
    await slider.fill('8');
    await expect(stepImage(session.page).getAttribute('alt')).resolves.toMatch(/step 9 of 12/);
    expect(await stepImage(session.page).getAttribute('src')).not.toBe(firstSrc);
    const laterSigma = Number(await sigmaText(session.page));
    expect(laterSigma).toBeLessThan(Number(firstSigma));
    await expect(slider.getAttribute('aria-valuetext')).resolves.toMatch(/^Step 9 of 12, sigma \d+\.\d{3}$/);
    // keyboard: the slider moves one step per arrow
    await slider.focus();
    await slider.press('ArrowLeft');
    await expect(stepImage(session.page).getAttribute('alt')).resolves.toMatch(/step 8 of 12/);
  });

  it('shows x_t, x̂₀ and the predicted noise, with captions', async () => {
    await session.page.getByRole('radio', { name: 'Noisy image x_t' }).check();
    await expect(stepImage(session.page).getAttribute('alt')).resolves.toMatch(/^Noisy image x_t, step 8/);
    await expect(viewer(session.page).innerText()).resolves.toMatch(/x_t is the image as the model sees it/);
    await session.page.getByRole('radio', { name: 'Predicted noise ε̂' }).check();
    await expect(viewer(session.page).innerText()).resolves.toMatch(/ε̂ = \(x_t − x̂₀\)\/σ is the noise the model thinks/);
    await session.page.getByRole('radio', { name: 'Predicted image x̂₀' }).check();
    await expect(viewer(session.page).innerText()).resolves.toMatch(/x̂₀ is the model's current guess of the finished image/);
  });

  it('plays to the end', async () => {
    await session.page.getByRole('combobox', { name: 'Playback speed' }).selectOption('12');
    await session.page.getByRole('button', { name: 'Play', exact: true }).click();
    await until('the last step', async () => /step 12 of 12/.test((await stepImage(session.page).getAttribute('alt')) ?? ''));
    await session.page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  });

  it('decodes the step at full quality and exports a contact sheet', async () => {
    await session.page.getByRole('slider', { name: 'Step', exact: true }).fill('5');
    await session.page.getByRole('button', { name: 'Decode at full quality' }).click();
    await viewer(session.page).getByRole('img', { name: 'Predicted image x̂₀, step 6 of 12, full quality' }).waitFor();
    await session.page.screenshot({ path: screenshotPath('process-reverse') });
    const download = session.page.waitForEvent('download');
    await session.page.getByRole('button', { name: 'Contact sheet' }).click();
    expect((await download).suggestedFilename()).toMatch(/-x0-contact-sheet\.png$/);
  });
});

describe('ODE vs SDE', () => {
  it('runs both samplers from one seed and shows them side by side', async () => {
    await session.page.getByRole('tab', { name: 'ODE vs SDE' }).click();
    await session.page.getByRole('button', { name: 'Run both from one seed' }).click();
    const pair = session.page.getByRole('region', { name: 'ODE and SDE side by side' });
    await pair.getByRole('figure', { name: /Euler a — SDE/ }).waitFor({ timeout: 60_000 });
    await pair.getByRole('figure', { name: /Euler — ODE/ }).waitFor();
    const slider = session.page.getByRole('slider', { name: 'Step', exact: true });
    await slider.fill('0');
    const [a0, b0] = await Promise.all([0, 1].map((k) => pair.getByRole('img').nth(k).getAttribute('src')));
    expect(a0).toBe(b0); // the same starting noise
    await slider.fill('9');
    const [a9, b9] = await Promise.all([0, 1].map((k) => pair.getByRole('img').nth(k).getAttribute('src')));
    expect(a9).not.toBe(b9);
    // the divergence curve: identical at the first step, apart later
    const curve = pair.getByRole('img', { name: /^Distance between the two predicted images x̂₀, per step: / });
    await expect.poll(() => curve.getAttribute('aria-label'), { timeout: 20_000 }).toMatch(/: 0 at step 1, [\d.]+ at step \d+, largest [\d.]+ at step \d+/);
    const largest = Number(/largest ([\d.]+)/.exec((await curve.getAttribute('aria-label')) ?? '')?.[1]);
    expect(largest).toBeGreaterThan(0);
    await session.page.screenshot({ path: screenshotPath('process-ode-sde') });
  });

  it('offers the SDE noise for an SDE sampler and runs it on a Brownian tree', async () => {
    const noise = session.page.getByRole('combobox', { name: 'SDE noise', exact: true });
    await expect(noise.count()).resolves.toBe(0); // Euler a draws fresh noise, no choice
    await session.page.getByRole('combobox', { name: 'Stochastic (SDE)' }).selectOption({ label: 'DPM++ 2M SDE' });
    await noise.selectOption({ label: 'Brownian tree' });
    await session.page.getByRole('button', { name: 'Run both from one seed' }).click();
    const pair = session.page.getByRole('region', { name: 'ODE and SDE side by side' });
    await pair.getByRole('figure', { name: /DPM\+\+ 2M SDE \(Brownian\) — SDE/ }).waitFor({ timeout: 60_000 });
    await session.page.screenshot({ path: screenshotPath('process-ode-sde-brownian') });
  });
});

describe('Forward viewer', () => {
  it('dissolves a chosen image into noise as the timestep grows', async () => {
    await session.page.getByRole('tab', { name: 'Forward process' }).click();
    await chooseImage(session.page, await photo(128, 96), 'landscape.png');
    const forward = session.page.getByRole('region', { name: 'Forward viewer' });
    const slider = session.page.getByRole('slider', { name: 'Timestep' });
    await until('the preview frames', async () => !(await slider.isDisabled()));
    await forward.getByText('Full quality').waitFor({ timeout: 20_000 });
    const clean = await forward.getByRole('img').getAttribute('src');
    await slider.fill('600');
    await expect(forward.getByRole('img').getAttribute('alt')).resolves.toMatch(/timestep 600/);
    await forward.getByText('Full quality').waitFor({ timeout: 20_000 });
    expect(await forward.getByRole('img').getAttribute('src')).not.toBe(clean);
    await expect(forward.innerText()).resolves.toMatch(/At t = 600 the picture keeps √ᾱ = 0\.\d{3} of its signal/);
    await session.page.screenshot({ path: screenshotPath('process-forward') });
    expect(session.consoleErrors).toEqual([]);
  });
});
