/**
 * Models → Import and the LoRA section, as a user does it: a .safetensors checkpoint path in the
 * Import dialog, progress, the new model selected; a pickle refused with the conversion; a LoRA file
 * from the data folder's loras/ added to the prompt as <lora:NAME:1> and used by a generation.
 */
import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readPngTextMap } from '../../src-main/engine/imageio/png-chunks.ts';
import { REPO, screenshotPath } from './harness.ts';
import { useStudioSession, until } from './studio.ts';

const CHECKPOINTS = path.join(REPO, 'test', 'fixtures', 'checkpoints');

const session = useStudioSession({ viewport: { width: 1400, height: 900 } });

describe('Models → Import', () => {
  it('imports a checkpoint with a progress bar and selects the new model', async () => {
    // the toy family's graph templates go where users may add their own (the data folder's templates/)
    await cp(path.join(CHECKPOINTS, 'templates'), path.join(session.reverie.dataDir, 'templates'), { recursive: true });
    const page = session.page;
    await page.getByRole('button', { name: 'Import a checkpoint', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Import a checkpoint' });
    await dialog.waitFor();
    await expect(dialog.getByRole('button', { name: 'Import', exact: true }).isDisabled()).resolves.toBe(true);
    await dialog.getByLabel('Checkpoint file').fill(path.join(CHECKPOINTS, 'tiny-sd1.safetensors'));
    await dialog.getByLabel('Name').fill('Tiny Imported');
    await page.screenshot({ path: screenshotPath('import-dialog') });
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByText(/Imported Tiny Imported \(sd1, epsilon\)/).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: screenshotPath('import-done') });
    await until('the new model selected', async () => (await page.getByRole('combobox', { name: 'Model' }).inputValue()).endsWith('Tiny Imported'));
    await dialog.locator('footer').getByRole('button', { name: 'Close' }).click();
  });

  it('refuses a pickle with the one-line conversion and writes nothing', async () => {
    const page = session.page;
    await page.getByRole('button', { name: 'Import a checkpoint', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Import a checkpoint' });
    const { writeFile } = await import('node:fs/promises');
    const pickle = path.join(session.reverie.dataDir, 'old.ckpt');
    await writeFile(pickle, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(32)]));
    await dialog.getByLabel('Checkpoint file').fill(pickle);
    await dialog.getByLabel('Name').fill('');
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    await expect(alert.innerText()).resolves.toMatch(/pickle[\s\S]*safetensors/i);
    await dialog.locator('footer').getByRole('button', { name: 'Cancel' }).click();
  });
});

describe('LoRA section', () => {
  it('lists the files in loras/, adds one to the prompt as <lora:NAME:1>, and the generation uses it', async () => {
    const loras = path.join(session.reverie.dataDir, 'loras');
    await mkdir(loras, { recursive: true });
    await cp(path.join(CHECKPOINTS, 'lora-kohya.safetensors'), path.join(loras, 'paper-cut.safetensors'));
    const page = session.page;
    await page.locator('summary', { hasText: 'LoRA' }).click();
    const list = page.getByRole('list', { name: 'LoRA files' });
    await list.getByText('paper-cut').waitFor({ timeout: 30_000 });
    const prompt = page.getByRole('textbox', { name: 'Prompt', exact: true });
    await prompt.fill('a red cat');
    await list.getByRole('button', { name: 'Add paper-cut to the prompt' }).click();
    await expect(prompt.inputValue()).resolves.toBe('a red cat <lora:paper-cut:1>');
    await list.getByLabel('paper-cut weight').fill('0.6');
    await list.getByLabel('paper-cut weight').blur();
    await expect(prompt.inputValue()).resolves.toBe('a red cat <lora:paper-cut:0.6>');
    await page.screenshot({ path: screenshotPath('lora-section') });
    // the toy model's VAE downsamples by 2 only: keep the image small
    for (const [name, value] of [['Width', '64'], ['Height', '64'], ['Steps', '3']] as const) {
      const input = page.getByRole('spinbutton', { name, exact: true });
      await input.fill(value);
      await input.blur();
    }
    await page.getByRole('textbox', { name: 'Seed', exact: true }).fill('7');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.getByRole('img', { name: /^Result: a red cat <lora:paper-cut:0.6>/ }).waitFor({ timeout: 90_000 });
    // the LoRA really reached the UNet: the same seed without it gives other pixels (studio jobs once dropped it)
    const gallery = path.join(session.reverie.dataDir, 'gallery');
    const pngs = async (): Promise<string[]> => (await readdir(gallery)).filter((f) => f.endsWith('.png')).sort();
    let first: string[] = [];
    await until('the saved PNG', async () => (first = await pngs()).length === 1);
    expect(readPngTextMap(await readFile(path.join(gallery, first[0]!))).get('parameters')?.split('\n')[0]).toBe('a red cat <lora:paper-cut:0.6>');
    await prompt.fill('a red cat');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.getByRole('img', { name: 'Result: a red cat', exact: true }).waitFor({ timeout: 90_000 });
    let both: string[] = [];
    await until('the second PNG', async () => (both = await pngs()).length === 2);
    const plain = both.find((f) => f !== first[0])!;
    const [a, b] = await Promise.all([first[0]!, plain].map((f) => sharp(path.join(gallery, f)).raw().toBuffer()));
    expect(a!.length).toBe(b!.length);
    expect(a!.equals(b!)).toBe(false);
  });
});

describe('Dropping a checkpoint on the window', () => {
  it('opens Import (browser mode: with a note to type the path), imports an SDXL checkpoint and generates with it', async () => {
    const page = session.page;
    // (a string: this file is compiled without the DOM's types)
    const dropped = await page.evaluateHandle(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(16)], 'tiny-sdxl.safetensors'));
      return dt;
    })()`);
    await page.dispatchEvent('main', 'dragover', { dataTransfer: dropped });
    await page.getByText('or a .safetensors checkpoint to import it').waitFor();
    await page.dispatchEvent('main', 'drop', { dataTransfer: dropped });
    const dialog = page.getByRole('dialog', { name: 'Import a checkpoint' });
    await dialog.waitFor();
    const note = dialog.getByRole('status').filter({ hasText: 'tiny-sdxl.safetensors' });
    await expect(note.innerText()).resolves.toMatch(/type or paste its full path/);
    await expect(dialog.getByLabel('Checkpoint file').inputValue()).resolves.toBe('');
    await page.screenshot({ path: screenshotPath('import-dropped') });
    await dialog.getByLabel('Checkpoint file').fill(path.join(CHECKPOINTS, 'tiny-sdxl.safetensors'));
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByText(/Imported tiny-sdxl \(sdxl, epsilon\)/).waitFor({ timeout: 60_000 });
    await until('the SDXL model selected', async () => (await page.getByRole('combobox', { name: 'Model' }).inputValue()).endsWith('tiny-sdxl'));
    await dialog.locator('footer').getByRole('button', { name: 'Close' }).click();
    const prompt = page.getByRole('textbox', { name: 'Prompt', exact: true });
    await prompt.fill('a blue dog');
    for (const [name, value] of [['Width', '64'], ['Height', '64'], ['Steps', '2']] as const) {
      const input = page.getByRole('spinbutton', { name, exact: true });
      await input.fill(value);
      await input.blur();
    }
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.getByRole('img', { name: /^Result: a blue dog/ }).waitFor({ timeout: 90_000 });
  });
});
