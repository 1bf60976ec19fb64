/**
 * The gallery as a daily user browses it (issue 17): thumbnails keep their aspect ratio; search by
 * prompt text, filter by model, kind and date; pick several (Shift/Ctrl+click) to compare two with
 * a slider, export copies to a folder, delete with one Undo; the full-size lightbox with ←/→ in
 * the filtered order, Esc, and the focus kept inside. Two older results of another model (one of
 * them image to image) are put in the data folder first, as if made last year.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { field, pngWith, promptField, until, useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'reverie-tiny' });
const exportDir = mkdtempSync(path.join(os.tmpdir(), 'reverie-export-'));
afterAll(() => rmSync(exportDir, { recursive: true, force: true }));

const grid = () => session.page.getByRole('listbox', { name: 'Gallery images' });
const options = () => grid().getByRole('option');
const count = () => options().count();
const picks = () => session.page.getByRole('group', { name: 'Picked images' });

/** An older result of "old-model" in the gallery folder: PNG first, sidecar last, as the store writes them. */
async function seed(id: string, prompt: string, day: string, size: [number, number], kind: 'txt2img' | 'img2img'): Promise<void> {
  const dir = path.join(session.reverie.dataDir, 'gallery');
  mkdirSync(dir, { recursive: true });
  const parameters = `${prompt}\nSteps: 8, Sampler: Euler, CFG scale: 7, Seed: 42, Size: ${size[0]}x${size[1]}, Model: old-model`;
  writeFileSync(path.join(dir, `${id}.png`), await pngWith([{ keyword: 'parameters', text: parameters }], size[0], size[1]));
  const params = { model: '/models/old-model', prompt, negativePrompt: '', seed: 42, batchSize: 1, batchCount: 1, provider: 'auto', ...(kind === 'img2img' ? { image: { gallery: 'earlier-0000' } } : {}) };
  const sidecar = { version: 1, id, createdAt: new Date(`${day}T12:00:00`).getTime(), fileName: `${id}.png`, width: size[0], height: size[1], seed: 42, modelName: 'old-model', request: { kind, params }, parameters };
  writeFileSync(path.join(dir, `${id}.json`), JSON.stringify(sidecar));
}

describe('gallery: search, filter, pick several, compare, export, lightbox', () => {
  it('lists older results and new ones; thumbnails keep their aspect ratio', async () => {
    const p = session.page;
    await seed('20240115-120000-aaaaaa', 'a wide harbour at dusk', '2024-01-15', [128, 64], 'txt2img');
    await seed('20240116-120000-bbbbbb', 'a tall lighthouse repainted', '2024-01-16', [48, 96], 'img2img');
    await promptField(p).fill('a castle on a hill');
    await field(p, 'spinbutton', 'Steps').fill('4');
    await field(p, 'spinbutton', 'Batch size').fill('2');
    await p.getByRole('button', { name: 'Generate', exact: true }).click();
    await promptField(p).fill('a red fox in snow');
    await field(p, 'spinbutton', 'Batch size').fill('1');
    await p.getByRole('button', { name: 'Generate', exact: true }).click();
    await p.keyboard.press('Alt+6');
    // the two older results were put in the folder after the studio opened: Reload lists them
    await until('the castles, the fox and the two older ones', async () => {
      await p.getByRole('button', { name: 'Reload the gallery' }).click();
      return (await count()) === 5;
    }, 60_000);
    const wide = options().filter({ has: p.locator('img[src*="20240115-120000-aaaaaa"]') }).locator('img');
    const fit = await wide.evaluate((img) => {
      const i = img as unknown as { naturalWidth: number; naturalHeight: number; ownerDocument: { defaultView: { getComputedStyle(e: unknown): { objectFit: string } } } };
      return { objectFit: i.ownerDocument.defaultView.getComputedStyle(img).objectFit, ratio: i.naturalWidth / i.naturalHeight };
    });
    expect(fit).toEqual({ objectFit: 'contain', ratio: 2 });
  });

  it('searches prompts and filters by model, kind and date', async () => {
    const p = session.page;
    const search = p.getByRole('searchbox', { name: 'Search prompts' });
    await search.fill('castle');
    await until('two castles', async () => (await count()) === 2);
    await search.fill('HILL castle');
    await until('still two', async () => (await count()) === 2);
    await search.fill('"red fox"');
    await until('the fox', async () => (await count()) === 1);
    await expect(p.getByRole('status').filter({ hasText: /image.* match/ }).first().innerText()).resolves.toBe('1 image match');
    await search.fill('');
    await until('all five', async () => (await count()) === 5);
    const model = p.getByRole('search').getByRole('combobox', { name: 'Model' });
    await expect(model.locator('option').allInnerTexts()).resolves.toEqual(['All models', 'old-model', 'reverie-tiny']);
    await model.selectOption('old-model');
    await until('the two older ones', async () => (await count()) === 2);
    await p.getByRole('search').getByRole('combobox', { name: 'Kind' }).selectOption({ label: 'Image to image' });
    await until('the lighthouse', async () => (await count()) === 1);
    await expect(options().first().getAttribute('aria-label')).resolves.toMatch(/^a tall lighthouse/);
    await p.getByRole('search').getByRole('combobox', { name: 'Kind' }).selectOption({ label: 'Inpaint' });
    await p.getByText('No image matches').waitFor();
    await p.getByRole('search').getByRole('button', { name: 'Clear' }).click();
    await until('all five', async () => (await count()) === 5);
    await p.getByLabel('From date').fill('2024-01-15');
    await p.getByLabel('To date').fill('2024-01-15');
    await until('the harbour of that day', async () => (await count()) === 1);
    await expect(options().first().getAttribute('aria-label')).resolves.toMatch(/^a wide harbour/);
    await p.getByLabel('To date').fill('2024-01-16');
    await until('two days', async () => (await count()) === 2);
    await p.screenshot({ path: screenshotPath('gallery-filter') });
    await p.getByRole('search').getByRole('button', { name: 'Clear' }).click();
    await until('all five', async () => (await count()) === 5);
  });

  it('picks several with Shift and Ctrl, compares two with a slider', async () => {
    const p = session.page;
    await options().nth(0).click();
    await options().nth(2).click({ modifiers: ['Shift'] });
    await picks().getByText('3 picked').waitFor();
    await expect(picks().getByRole('button', { name: 'Compare' }).isDisabled()).resolves.toBe(true);
    await options().nth(1).click({ modifiers: ['Control'] });
    await picks().getByText('2 picked').waitFor();
    await expect(grid().locator('[aria-selected="true"]').count()).resolves.toBe(2);
    await p.screenshot({ path: screenshotPath('gallery-picked') });
    await picks().getByRole('button', { name: 'Compare' }).click();
    const dialog = p.getByRole('dialog', { name: 'Compare' });
    const slider = dialog.getByRole('slider', { name: /^Comparison slider/ });
    await expect(slider.inputValue()).resolves.toBe('50');
    await slider.focus();
    for (let i = 0; i < 10; i++) await p.keyboard.press('ArrowRight');
    await expect(slider.inputValue()).resolves.toBe('60');
    await p.keyboard.press('ArrowLeft');
    await expect(slider.inputValue()).resolves.toBe('59');
    const box = await dialog.getByRole('img', { name: 'A', exact: true }).boundingBox();
    if (!box) throw new Error('the compared image has no box');
    await p.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await p.mouse.down();
    await p.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await p.mouse.up();
    await expect(slider.inputValue()).resolves.toBe('30');
    const clip = await dialog.getByRole('img', { name: 'B', exact: true }).evaluate((img) => (img as unknown as { style: { clipPath: string } }).style.clipPath);
    expect(clip).toMatch(/^inset\(0(px)? 0(px)? 0(px)? 30(\.\d+)?%\)$/);
    await p.screenshot({ path: screenshotPath('gallery-compare') });
    await p.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('exports the picked images as copies to a folder typed as a full path', async () => {
    const p = session.page;
    const picked = await grid().locator('[aria-selected="true"] img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { src: string }).src.split('/').pop() ?? ''));
    await picks().getByRole('button', { name: 'Export…' }).click();
    const dialog = p.getByRole('dialog', { name: 'Export 2 images' });
    const folder = dialog.getByRole('textbox', { name: 'Folder (full path)' });
    await folder.fill('exports');
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await expect(dialog.getByRole('alert').innerText()).resolves.toMatch(/"exports" is not a full path\. Give the whole path/);
    const out = path.join(exportDir, 'picked');
    await folder.fill(out);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await p.getByRole('status').filter({ hasText: `Exported 2 images to ${out}.` }).waitFor();
    for (const name of picked) {
      expect(existsSync(path.join(out, name))).toBe(true);
      expect(readFileSync(path.join(out, name))).toEqual(readFileSync(path.join(session.reverie.dataDir, 'gallery', name)));
    }
    expect(readFileSync(path.join(out, picked[0])).includes('parameters')).toBe(true);
  });

  it('deletes the picked images with one Undo', async () => {
    const p = session.page;
    await picks().getByRole('button', { name: 'Delete' }).click();
    await until('three left', async () => (await count()) === 3);
    const toast = p.getByRole('status').filter({ hasText: 'Deleted 2 images.' });
    await toast.getByRole('button', { name: 'Undo' }).click();
    await until('all five back', async () => (await count()) === 5);
    await picks().getByText('2 picked').waitFor();
  });

  it('views full size: ←/→ through the filtered order, focus kept inside, Esc closes', async () => {
    const p = session.page;
    await p.getByRole('searchbox', { name: 'Search prompts' }).fill('castle');
    await until('two castles', async () => (await count()) === 2);
    await options().first().click();
    await grid().focus();
    await p.keyboard.press('Space');
    const dialog = p.getByRole('dialog', { name: 'Full size' });
    await dialog.getByRole('img', { name: /^Full size: a castle on a hill/ }).waitFor();
    await expect(dialog.getByText('1 / 2').count()).resolves.toBe(1);
    await p.keyboard.press('ArrowRight');
    await dialog.getByText('2 / 2').waitFor();
    await p.keyboard.press('ArrowRight'); // the end of the filtered list: stays
    await dialog.getByText('2 / 2').waitFor();
    for (let i = 0; i < 6; i++) {
      await p.keyboard.press('Tab');
      expect(await dialog.evaluate((d) => d.contains((d.ownerDocument as unknown as { activeElement: unknown }).activeElement as never))).toBe(true);
    }
    await p.screenshot({ path: screenshotPath('gallery-lightbox') });
    await p.keyboard.press('ArrowLeft');
    await dialog.getByText('1 / 2').waitFor();
    await p.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect(grid().evaluate((g) => g === (g.ownerDocument as unknown as { activeElement: unknown }).activeElement)).resolves.toBe(true);
    // the details preview opens it too
    await p.getByRole('article', { name: 'Image details' }).getByRole('button', { name: /View full size/ }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Close full size' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('upscales a result: Lanczos and a second diffusion pass, recorded in the PNG as A1111 writes it', async () => {
    const p = session.page;
    await p.getByRole('searchbox', { name: 'Search prompts' }).fill('fox');
    await until('the fox', async () => (await count()) === 1);
    await options().first().click();
    const details = p.getByRole('article', { name: 'Image details' });
    await details.getByRole('button', { name: 'Upscale…' }).click();
    const dialog = p.getByRole('dialog', { name: 'Upscale' });
    await dialog.getByRole('combobox', { name: 'Factor' }).selectOption({ label: '2× — 512 × 512' });
    await dialog.getByRole('slider', { name: /^Diffusion pass strength/ }).fill('0.3');
    await p.screenshot({ path: screenshotPath('gallery-upscale') });
    await dialog.getByRole('button', { name: 'Upscale', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await p.keyboard.press('Alt+6');
    await until('the upscaled fox', async () => (await count()) === 2, 120_000);
    await options().first().click();
    await expect(details.innerText()).resolves.toMatch(/Size\s+512 × 512[\s\S]*Denoising strength: 0\.3, Hires upscale: 2, [\s\S]*Hires upscaler: Lanczos/);
    await p.getByRole('searchbox', { name: 'Search prompts' }).fill('');
    await until('all six', async () => (await count()) === 6);
  });

  it('looks right at 900×700', async () => {
    const p = session.page;
    await p.setViewportSize({ width: 900, height: 700 });
    await options().nth(1).click();
    await options().nth(4).click({ modifiers: ['Control'] });
    await p.screenshot({ path: screenshotPath('gallery-picked-900') });
    await picks().getByRole('button', { name: 'Compare' }).click();
    await p.screenshot({ path: screenshotPath('gallery-compare-900') });
    await p.keyboard.press('Escape');
    await options().nth(3).click();
    await grid().focus();
    await p.keyboard.press('Space');
    await p.getByRole('dialog', { name: 'Full size' }).waitFor();
    await p.screenshot({ path: screenshotPath('gallery-lightbox-900') });
    await p.keyboard.press('Escape');
    await p.setViewportSize({ width: 1280, height: 800 });
  });

  it('ran without console errors or CSP violations', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
