#!/usr/bin/env node
/**
 * Renders the app icon: build-resources/icon.svg (drawn for this repository) → build-resources/icon.png,
 * 1024×1024. electron-builder takes that PNG for every platform (electron-builder.yml `icon`): it
 * makes the .icns for macOS and the .ico for Windows from it and uses it for Linux, so only the SVG
 * and the PNG are kept in the repository. Run it after changing the SVG; both files are committed.
 *
 * Usage: node src-main/build/icon.mjs
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ICON_SVG = path.join(ROOT, 'build-resources', 'icon.svg');
export const ICON_PNG = path.join(ROOT, 'build-resources', 'icon.png');
export const ICON_SIZE = 1024;

export async function renderIcon(out = ICON_PNG) {
  // density: the SVG is 1024 user units; 72 dpi renders it at its own size
  return sharp(ICON_SVG, { density: 72 }).resize(ICON_SIZE, ICON_SIZE).png({ compressionLevel: 9 }).toFile(out);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  renderIcon().then(
    (info) => console.log(`Wrote ${path.relative(ROOT, ICON_PNG)} (${info.width}×${info.height}, ${(info.size / 1024).toFixed(0)} KiB).`),
    (err) => {
      console.error(`Could not render the icon: ${err?.message ?? err}`);
      process.exit(1);
    },
  );
}
