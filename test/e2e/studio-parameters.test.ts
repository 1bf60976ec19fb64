/**
 * Parameters read back from images: an A1111 PNG and a ComfyUI PNG dropped onto the window fill
 * the Generate form; a PNG picked with the file picker too; a PNG without parameters offers to
 * become the input image; a pasted image on an edit tab becomes that tab's input image.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { dropFile, field, pasteFile, pngWith, promptField, useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'sd15-script' });

async function formValues(p: Page) {
  return {
    model: await p.getByRole('combobox', { name: 'Model', exact: true }).locator('option:checked').innerText(),
    prompt: await promptField(p).inputValue(),
    negative: await field(p, 'textbox', 'Negative prompt').inputValue(),
    steps: await field(p, 'spinbutton', 'Steps').inputValue(),
    cfg: await field(p, 'spinbutton', 'CFG scale').inputValue(),
    sampler: await field(p, 'combobox', 'Sampler').locator('option:checked').innerText(),
    schedule: await field(p, 'combobox', 'Schedule').locator('option:checked').innerText(),
    seed: await field(p, 'textbox', 'Seed').inputValue(),
    width: await field(p, 'spinbutton', 'Width').inputValue(),
    height: await field(p, 'spinbutton', 'Height').inputValue(),
  };
}

describe('parameters from a dropped PNG', () => {
  it('reads an A1111 PNG (old-style "DPM++ 2M Karras" sampler name) into the form, model included', async () => {
    const text = 'a castle on a hill, matte painting\nNegative prompt: fog, people\nSteps: 33, Sampler: DPM++ 2M Karras, CFG scale: 5.5, Seed: 424242, Size: 320x448, Model hash: 1a2b3c, Model: reverie-tiny, Version: v1.7.0';
    await dropFile(session.page, await pngWith([{ keyword: 'parameters', text }]), '00012-424242.png');
    await session.page.getByRole('status').filter({ hasText: 'Read the parameters of "00012-424242.png" (A1111 format).' }).waitFor();
    expect(await formValues(session.page)).toEqual({
      model: 'reverie-tiny',
      prompt: 'a castle on a hill, matte painting',
      negative: 'fog, people',
      steps: '33',
      cfg: '5.5',
      sampler: 'DPM++ 2M',
      schedule: 'Karras',
      seed: '424242',
      width: '320',
      height: '448',
    });
    await session.page.screenshot({ path: screenshotPath('parameters-a1111') });
  });

  it('reads a ComfyUI PNG (API graph in the "prompt" chunk) and says what it could not use', async () => {
    const graph = {
      '3': { inputs: { seed: 987654321, steps: 12, cfg: 4, sampler_name: 'euler', scheduler: 'simple', denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] }, class_type: 'KSampler' },
      '4': { inputs: { ckpt_name: 'v1-5-pruned-emaonly.safetensors' }, class_type: 'CheckpointLoaderSimple' },
      '5': { inputs: { width: 512, height: 384, batch_size: 1 }, class_type: 'EmptyLatentImage' },
      '6': { inputs: { text: 'a bowl of ramen, studio light', clip: ['4', 1] }, class_type: 'CLIPTextEncode' },
      '7': { inputs: { text: 'text, watermark', clip: ['4', 1] }, class_type: 'CLIPTextEncode' },
      '9': { inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] }, class_type: 'SaveImage' },
    };
    await dropFile(session.page, await pngWith([{ keyword: 'prompt', text: JSON.stringify(graph) }, { keyword: 'workflow', text: '{"nodes":[],"links":[]}' }]), 'ComfyUI_00001_.png');
    const toast = session.page.getByRole('status').filter({ hasText: 'Read the parameters of "ComfyUI_00001_.png" (ComfyUI workflow).' });
    await toast.waitFor();
    await expect(toast.innerText()).resolves.toMatch(/v1-5-pruned-emaonly\.safetensors", which is not in your models; keeping reverie-tiny/);
    expect(await formValues(session.page)).toEqual({
      model: 'reverie-tiny',
      prompt: 'a bowl of ramen, studio light',
      negative: 'text, watermark',
      steps: '12',
      cfg: '4.0',
      sampler: 'Euler',
      schedule: 'Simple',
      seed: '987654321',
      width: '512',
      height: '384',
    });
    await session.page.screenshot({ path: screenshotPath('parameters-comfyui') });
  });

  it('reads a PNG chosen with the file picker', async () => {
    const text = 'a lighthouse\nSteps: 9, Sampler: Euler a, Schedule type: Exponential, CFG scale: 3, Seed: 7, Size: 256x256, Model: sd15-script';
    const chooser = session.page.waitForEvent('filechooser');
    await session.page.getByRole('button', { name: 'Read parameters from a PNG…' }).click();
    await (await chooser).setFiles({ name: 'picked.png', mimeType: 'image/png', buffer: await pngWith([{ keyword: 'parameters', text }]) });
    await session.page.getByRole('status').filter({ hasText: 'Read the parameters of "picked.png"' }).waitFor();
    expect(await formValues(session.page)).toMatchObject({ model: 'sd15-script', prompt: 'a lighthouse', steps: '9', schedule: 'Exponential', seed: '7' });
  });

  it('a PNG without parameters can become the input image instead', async () => {
    await dropFile(session.page, await pngWith([], 80, 60), 'photo.png');
    const toast = session.page.getByRole('status').filter({ hasText: '"photo.png" has no generation parameters' });
    await toast.getByRole('button', { name: 'Use as input image' }).click();
    await session.page.getByRole('tab', { name: 'Image to image', exact: true, selected: true }).waitFor();
    await session.page.getByRole('img', { name: 'Input image: photo.png' }).waitFor();
    await expect(session.page.getByText('photo.png · 80 × 60').count()).resolves.toBe(1);
  });

  it('a pasted image on an edit tab becomes that tab\'s input only; another tab offers to use it', async () => {
    await session.page.getByRole('tab', { name: 'Inpaint', exact: true }).click();
    const png = await pngWith([], 40, 30);
    await pasteFile(session.page, png, 'clip.png');
    await session.page.getByRole('img', { name: 'Input image: clip.png' }).waitFor();
    await session.page.getByRole('tab', { name: 'Denoise', exact: true }).click();
    await expect(session.page.getByRole('img', { name: 'Input image: clip.png' }).count()).resolves.toBe(0);
    await session.page.getByRole('button', { name: 'Use the image from Inpaint' }).click();
    await session.page.getByRole('img', { name: 'Input image: clip.png' }).waitFor();
    await session.page.screenshot({ path: screenshotPath('input-image-pasted') });
  });

  it('ran without console errors or CSP violations', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
