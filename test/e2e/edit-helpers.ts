/**
 * Helpers for the edit-tab and process-viewer E2E tests: a synthetic photo (sky, sun, hills — so
 * screenshots read as pictures), choosing it through the tab's own file picker, and opening tabs.
 */
import type { Page } from 'playwright-core';
import { encodePng } from '../../src-main/engine/imageio/png.ts';

/** A little landscape: a sky gradient, a sun, two hills, some texture. */
export async function photo(width = 96, height = 64): Promise<Buffer> {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      const hill1 = 0.62 + 0.12 * Math.sin(u * 5.2 + 0.4);
      const hill2 = 0.75 + 0.08 * Math.sin(u * 8.1 + 2.0);
      const sun = (u - 0.72) ** 2 + ((v - 0.28) * (height / width)) ** 2 < 0.006;
      let rgb: [number, number, number];
      if (sun) rgb = [255, 214, 120];
      else if (v > hill2) rgb = [46 + 30 * v, 92 + 20 * Math.sin(x * 0.9), 54];
      else if (v > hill1) rgb = [70, 128 + 18 * Math.sin(x * 0.7 + y), 76];
      else rgb = [90 + 120 * v, 140 + 70 * v, 220 - 40 * v];
      data.set(rgb.map((c) => Math.max(0, Math.min(255, Math.round(c)))), (y * width + x) * 3);
    }
  }
  return encodePng({ width, height, data });
}

/** Chooses a file with the file picker inside the named region (e.g. the "Input image" section). */
export async function chooseImage(page: Page, bytes: Buffer, name: string, region = 'Input image'): Promise<void> {
  const section = page.getByRole('region', { name: region, exact: true });
  await section.locator('input[type="file"]').setInputFiles({ name, mimeType: 'image/png', buffer: bytes });
  await section.getByRole('img').first().waitFor();
}

export async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
}
