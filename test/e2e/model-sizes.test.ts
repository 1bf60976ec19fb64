/**
 * Sizes the model can run (issue 17, item 1), with the bundled reverie-mini (a ×16 VAE and a UNet
 * that halves the latents twice: sides in steps of 64) and the ×8 fixture reverie-tiny: every preset
 * is a size the UNet takes and generates; Image to image names the size a 384×256 photo will be
 * worked at (320 × 192) and makes it; "Only masked" inpaint runs. None ends in ONNX's "Concat …
 * mismatched dimensions".
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { chooseImage, openTab, photo } from './edit-helpers.ts';
import { field, pickModel, promptField, useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'reverie-mini' });

async function presets(p: Page): Promise<string[]> {
  return p.getByRole('group', { name: 'Size presets' }).getByRole('button').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
}

async function generateAt(p: Page, preset: RegExp): Promise<void> {
  await openTab(p, 'Generate');
  await p.getByRole('group', { name: 'Size presets' }).getByRole('button', { name: preset }).click();
  await p.getByRole('button', { name: 'Generate', exact: true }).click();
  const canvas = p.getByRole('region', { name: 'Canvas' });
  await canvas.getByRole('group', { name: 'Image actions' }).waitFor({ timeout: 60_000 });
  await expect(canvas.innerText()).resolves.not.toMatch(/Concat|mismatched|failed/i);
}

describe('sizes the model can run', () => {
  it('reverie-mini offers presets in steps of 64 and generates at 3:4 and 16:9', async () => {
    const p = session.page;
    expect(await presets(p)).toEqual(['Square 1:1, 256 × 256', 'Portrait 3:4, 256 × 320', 'Landscape 4:3, 320 × 256', 'Portrait 2:3, 256 × 384', 'Landscape 3:2, 384 × 256', 'Tall 9:16, 256 × 448', 'Wide 16:9, 448 × 256']);
    await promptField(p).fill('a red apple');
    await field(p, 'spinbutton', 'Steps').fill('2');
    await generateAt(p, /^Portrait 3:4/);
    await generateAt(p, /^Wide 16:9/);
    await p.screenshot({ path: screenshotPath('sizes-mini-16-9') });
  });

  it("image to image shows the size a 384×256 photo will be worked at, and makes it", async () => {
    const p = session.page;
    await openTab(p, 'Image to image');
    await chooseImage(p, await photo(384, 256), 'photo-384.png');
    await p.getByRole('radio', { name: "The image's shape at the model's size (320 × 192)" }).waitFor();
    await p.getByRole('button', { name: 'Generate', exact: true }).click();
    const result = p.getByRole('figure', { name: 'Result' });
    await result.getByRole('img', { name: 'Image to image result' }).waitFor({ timeout: 60_000 });
    await expect(result.innerText()).resolves.toMatch(/320 × 192/);
    await p.setViewportSize({ width: 1280, height: 800 });
    await p.screenshot({ path: screenshotPath('sizes-img2img-1280') });
    await p.setViewportSize({ width: 900, height: 700 });
    await p.screenshot({ path: screenshotPath('sizes-img2img-900') });
    await p.setViewportSize({ width: 1280, height: 800 });
  });

  it('"Only masked" inpaint runs on reverie-mini', async () => {
    const p = session.page;
    await openTab(p, 'Inpaint');
    await chooseImage(p, await photo(384, 256), 'photo-384.png');
    const options = p.getByRole('region', { name: 'Inpaint options' });
    const auto = options.getByRole('checkbox', { name: 'Use an inpainting model when there is one' });
    if (await auto.isChecked()) await auto.uncheck();
    await options.getByRole('radio', { name: 'Only masked' }).check();
    const canvas = p.getByRole('application', { name: 'Mask canvas' });
    const box = await canvas.boundingBox();
    if (!box) throw new Error('the mask canvas has no box');
    await p.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.45);
    await p.mouse.down();
    for (let k = 1; k <= 6; k++) await p.mouse.move(box.x + box.width * (0.4 + k * 0.03), box.y + box.height * 0.5);
    await p.mouse.up();
    await p.getByRole('button', { name: 'Inpaint', exact: true }).click();
    const result = p.getByRole('figure', { name: 'Result' });
    await result.getByRole('img', { name: 'Inpainted result' }).waitFor({ timeout: 60_000 });
    await expect(p.getByRole('main').innerText()).resolves.not.toMatch(/Concat|mismatched/);
    await p.screenshot({ path: screenshotPath('sizes-inpaint-only-masked') });
  });

  it('a ×8 model (reverie-tiny) steps by 8 and generates at 3:4', async () => {
    const p = session.page;
    await openTab(p, 'Generate');
    await pickModel(p, 'reverie-tiny');
    expect(await presets(p)).toContain('Portrait 3:4, 256 × 344');
    await generateAt(p, /^Portrait 3:4/);
    expect(session.consoleErrors).toEqual([]);
  });
});
