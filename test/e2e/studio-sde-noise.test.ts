/**
 * The SDE samplers' noise in the studio: the choice shows for DPM++ 2M SDE and not for Euler, a
 * Brownian-tree run says so in its PNG and in the gallery's details, and both ways back into the form
 * (Reuse parameters, a dropped PNG) bring the choice with the sampler.
 */
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { dropFile, field, pngWith, promptField, until, useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'reverie-tiny' });

const noiseField = () => field(session.page, 'combobox', 'SDE noise');
const chosen = async (name: string) => field(session.page, 'combobox', name).locator('option:checked').innerText();

describe('SDE noise', () => {
  it('is offered for an SDE sampler only', async () => {
    await expect(noiseField().count()).resolves.toBe(0); // the default sampler, DPM++ 2M, draws no noise
    await field(session.page, 'combobox', 'Sampler').selectOption({ label: 'DPM++ 2M SDE' });
    await expect(chosen('SDE noise')).resolves.toBe('Gaussian, fresh each step');
    await noiseField().selectOption({ label: 'Brownian tree' });
    await expect(session.page.getByText(/one Brownian path per seed/).count()).resolves.toBe(1);
    await session.page.screenshot({ path: screenshotPath('generate-sde-noise') });
  });

  it('a Brownian run says so in its PNG and its details', async () => {
    await promptField(session.page).fill('a red fox in the snow');
    await field(session.page, 'spinbutton', 'Steps').fill('4');
    await field(session.page, 'textbox', 'Seed').fill('77');
    await session.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await session.page.getByRole('img', { name: /^Result: a red fox in the snow/ }).waitFor({ timeout: 60_000 });
    await session.page.keyboard.press('Alt+6');
    const options = session.page.getByRole('listbox', { name: 'Gallery images' }).getByRole('option');
    await until('the image in the gallery', async () => (await options.count()) === 1);
    await options.first().click();
    const details = session.page.getByRole('article', { name: 'Image details' });
    const text = await details.innerText();
    expect(text).toMatch(/Sampler\s+DPM\+\+ 2M SDE\s+SDE noise\s+Brownian tree/);
    expect(text).toMatch(/Sampler: DPM\+\+ 2M SDE,[^\n]*SDE noise: Brownian/); // the PNG's own parameters
    await session.page.screenshot({ path: screenshotPath('gallery-sde-noise') });
  });

  it('goes away with Euler and comes back with the image: Reuse parameters, then a dropped PNG', async () => {
    await session.page.getByRole('tab', { name: 'Generate', exact: true }).click();
    await field(session.page, 'combobox', 'Sampler').selectOption({ label: 'Euler' });
    await expect(noiseField().count()).resolves.toBe(0);
    await session.page.getByRole('tab', { name: 'Gallery', exact: true }).click();
    await session.page.getByRole('article', { name: 'Image details' }).getByRole('button', { name: 'Reuse parameters' }).click();
    await session.page.getByRole('tab', { name: 'Generate', exact: true, selected: true }).waitFor();
    await expect(chosen('Sampler')).resolves.toBe('DPM++ 2M SDE');
    await expect(chosen('SDE noise')).resolves.toBe('Brownian tree');
    // an image made with the default per-step noise (no "SDE noise" in its parameters)
    const text = 'a lighthouse\nSteps: 9, Sampler: DPM++ SDE, CFG scale: 3, Seed: 7, Size: 256x256, Model: reverie-tiny, RNG: CPU';
    await dropFile(session.page, await pngWith([{ keyword: 'parameters', text }]), 'gaussian.png');
    await session.page.getByRole('status').filter({ hasText: 'Read the parameters of "gaussian.png"' }).waitFor();
    await expect(chosen('Sampler')).resolves.toBe('DPM++ SDE');
    await expect(chosen('SDE noise')).resolves.toBe('Gaussian, fresh each step');
  });

  it('ran without console errors or CSP violations', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
