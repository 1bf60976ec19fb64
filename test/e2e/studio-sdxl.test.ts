/**
 * SDXL in the studio (issue 14): the sdxl-tiny fixture picked, the Generate panel's "SDXL size
 * conditioning" section (shown for SDXL models only) set to an original size and a crop, a generated
 * image whose PNG parameters carry them, and "use these parameters" of that PNG bringing them back.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { readPngTextMap } from '../../src-main/engine/imageio/png-chunks.ts';
import { screenshotPath } from './harness.ts';
import { dropFile, field, pickModel, promptField, until, useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'sdxl-tiny', viewport: { width: 1280, height: 900 } });

const section = (p: Page) => p.locator('details', { has: p.locator('summary', { hasText: 'SDXL size conditioning' }) });
const sizes = async (p: Page): Promise<string[]> => Promise.all(['Original width', 'Original height', 'Crop x', 'Crop y', 'Target width', 'Target height'].map((n) => field(p, 'spinbutton', n).inputValue()));

describe('SDXL in the studio', () => {
  it('shows the size conditioning for SDXL models only, with the image size as the placeholder', async () => {
    const p = session.page;
    await expect(section(p).count()).resolves.toBe(1);
    await pickModel(p, 'reverie-tiny');
    await expect(section(p).count()).resolves.toBe(0);
    await pickModel(p, 'sdxl-tiny');
    await section(p).locator('summary').click();
    await field(p, 'spinbutton', 'Width').fill('128');
    await field(p, 'spinbutton', 'Height').fill('128');
    // typing the size (shown in the section's help) leaves the section open
    await expect(field(p, 'spinbutton', 'Original width').getAttribute('placeholder')).resolves.toBe('128');
    expect(await sizes(p)).toEqual(['', '', '0', '0', '', '']);
  });

  it('generates with an original size and a crop; the PNG parameters carry them', async () => {
    const p = session.page;
    await promptField(p).fill('a red cat');
    await field(p, 'spinbutton', 'Steps').fill('4');
    await field(p, 'spinbutton', 'Original width').fill('512');
    await field(p, 'spinbutton', 'Original height').fill('256');
    await field(p, 'spinbutton', 'Crop x').fill('16');
    await field(p, 'spinbutton', 'Crop y').fill('8');
    await field(p, 'spinbutton', 'Crop y').blur();
    await expect(section(p).locator('summary').innerText()).resolves.toMatch(/custom/);
    await section(p).scrollIntoViewIfNeeded();
    await section(p).screenshot({ path: screenshotPath('sdxl-size-conditioning') });
    await p.screenshot({ path: screenshotPath('sdxl-generate-panel') });
    await p.getByRole('button', { name: 'Generate', exact: true }).click();
    await p.getByRole('img', { name: /^Result: a red cat/ }).waitFor({ timeout: 60_000 });
    const gallery = path.join(session.reverie.dataDir, 'gallery');
    let pngs: string[] = [];
    await until('the saved PNG', async () => (pngs = (await readdir(gallery)).filter((f) => f.endsWith('.png'))).length === 1);
    const text = readPngTextMap(await readFile(path.join(gallery, pngs[0]))).get('parameters');
    expect(text).toMatch(/Size: 128x128, Model: sdxl-tiny, RNG: CPU, SDXL original size: 512x256, SDXL crop top-left: 16x8$/);
    await p.screenshot({ path: screenshotPath('sdxl-generated') });
  });

  it('"use these parameters" of that PNG restores the sizes after they were reset', async () => {
    const p = session.page;
    await p.getByRole('button', { name: 'Use the defaults' }).click();
    expect(await sizes(p)).toEqual(['', '', '0', '0', '', '']);
    const gallery = path.join(session.reverie.dataDir, 'gallery');
    const png = (await readdir(gallery)).find((f) => f.endsWith('.png')) ?? '';
    await dropFile(p, await readFile(path.join(gallery, png)), png);
    await p.getByRole('status').filter({ hasText: `Read the parameters of "${png}"` }).waitFor();
    expect(await sizes(p)).toEqual(['512', '256', '16', '8', '', '']);
    expect(session.consoleErrors).toEqual([]);
  });

  it('Image to image shows the same (shared) size conditioning for an SDXL model', async () => {
    const p = session.page;
    await p.getByRole('tab', { name: 'Image to image', exact: true }).click();
    const shared = p.locator('details', { has: p.locator('summary', { hasText: 'Prompt and sampling' }) });
    await shared.waitFor();
    // (the shared fields are a <details> around it, so look for the section's own element)
    const own = p.locator('details.sdxl');
    await expect(own.count()).resolves.toBe(1);
    // open while its sizes are not the defaults (they are not: 512×256, crop 16, 8)
    await expect(own.getAttribute('open')).resolves.not.toBeNull();
    expect(await sizes(p)).toEqual(['512', '256', '16', '8', '', '']);
    await own.scrollIntoViewIfNeeded();
    await p.screenshot({ path: screenshotPath('sdxl-img2img-panel') });
    expect(session.consoleErrors).toEqual([]);
  });
});
