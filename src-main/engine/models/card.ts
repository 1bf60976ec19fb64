/**
 * A model folder's card: its README.md as text, and the images it shows by relative path (a sample
 * grid, say) as data URLs, so the renderer can show them under its CSP without reaching into the
 * folder. Only files inside the folder, of image types, up to a size cap each, are read; remote and
 * absolute references are left out (the renderer shows their alt text).
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { readRegularFile } from '../regular-file.ts';
import { EngineError } from '../types.ts';
import { isFile } from './files.ts';

export interface ModelCard {
  markdown: string;
  /** relative path as written in the markdown → data URL */
  images: Record<string, string>;
}

export const CARD_FILE = 'README.md';
export const MAX_CARD_BYTES = 1024 * 1024;
export const MAX_CARD_IMAGE_BYTES = 4 * 1024 * 1024;
const MAX_CARD_IMAGES = 24;
const IMAGE_TYPES: Readonly<Record<string, string>> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp' };
// ![alt](src "title") and ![alt](<src>)
const IMAGE_REF = /!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+["'][^)]*["'])?\s*\)/g;

export function hasModelCard(dir: string): Promise<boolean> {
  return isFile(path.join(dir, CARD_FILE));
}

/** The relative image paths a card refers to, in order, without repeats. */
export function cardImageRefs(markdown: string): string[] {
  const refs = new Set<string>();
  for (const m of markdown.matchAll(IMAGE_REF)) {
    const ref = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(ref) || ref.startsWith('/') || ref.startsWith('\\') || ref.startsWith('#')) continue;
    refs.add(ref);
  }
  return [...refs];
}

export async function readModelCard(dirIn: string): Promise<ModelCard> {
  const dir = await realpath(path.resolve(dirIn)).catch(() => path.resolve(dirIn));
  const file = path.join(dir, CARD_FILE);
  const info = await stat(file).catch(() => null);
  // a FIFO or device named README.md would block the read: only regular files are cards
  if (!info?.isFile()) {
    throw new EngineError('BAD_INPUT', `${path.basename(dir)} has no ${CARD_FILE} (a model card is a README.md file at the top of the model folder)`);
  }
  const size = info.size;
  if (size > MAX_CARD_BYTES) {
    throw new EngineError('BAD_INPUT', `${path.basename(dir)}/${CARD_FILE} is ${(size / 1048576).toFixed(1)} MiB; model cards are shown up to ${MAX_CARD_BYTES / 1048576} MiB`);
  }
  const markdown = await readRegularFile(file, 'utf8');
  const images: Record<string, string> = {};
  for (const ref of cardImageRefs(markdown).slice(0, MAX_CARD_IMAGES)) {
    const url = await imageDataUrl(dir, ref);
    if (url !== undefined) images[ref] = url;
  }
  return { markdown, images };
}

/** A data URL for `ref` under `dir`, or nothing when it is outside the folder, not an image, missing or too large. */
async function imageDataUrl(dir: string, ref: string): Promise<string | undefined> {
  let rel: string;
  try {
    rel = decodeURIComponent(ref.split(/[?#]/)[0]);
  } catch {
    return undefined;
  }
  const type = IMAGE_TYPES[path.extname(rel).toLowerCase()];
  if (!type) return undefined;
  try {
    const real = await realpath(path.resolve(dir, rel));
    if (!real.startsWith(dir + path.sep)) return undefined; // `..` or a link out of the folder
    const info = await stat(real);
    if (!info.isFile() || info.size > MAX_CARD_IMAGE_BYTES) return undefined;
    return `data:${type};base64,${(await readRegularFile(real)).toString('base64')}`;
  } catch {
    return undefined; // missing or unreadable: the renderer shows the alt text
  }
}
