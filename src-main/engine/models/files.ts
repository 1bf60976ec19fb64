/** Small file helpers for model-folder inspection: every failure becomes a plain-words problem. */
import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { NotRegularFileError, readRegularFile } from '../regular-file.ts';

export type JsonResult = { ok: true; value: unknown } | { ok: false; problem: string; missing: boolean };

/** Reads `rel` under `dir` as JSON; `rel` is how problems name the file. */
export async function readJsonFile(dir: string, rel: string): Promise<JsonResult> {
  let text: string;
  try {
    text = await readRegularFile(path.join(dir, rel), 'utf8');
  } catch (err) {
    if (err instanceof NotRegularFileError) return { ok: false, missing: false, problem: notRegularProblem(rel, err) };
    const missing = isNotFound(err);
    return { ok: false, missing, problem: missing ? `${rel} is missing` : `${rel} cannot be read (${errorText(err)})` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, missing: false, problem: `${rel} is not valid JSON (${errorText(err)})` };
  }
}

/** A model-folder problem for a path that is a FIFO, device or folder where a file belongs. */
export function notRegularProblem(rel: string, err: NotRegularFileError): string {
  return `${rel} is ${err.kind}, not a regular file; Reverie reads only regular files in a model folder, so put the real file there`;
}

export async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Total size of the regular files under `dir`, following symbolic links (a Hugging Face cache snapshot
 * links every file to a blob). Each file or folder counts once, however many links reach it, so a
 * link back to a folder above it ends the walk instead of looping. `includeDir` picks which immediate
 * subfolders count; deeper levels count whole.
 */
export async function folderSize(dir: string, includeDir: (name: string) => boolean = () => true, seen = new Set<string>()): Promise<number> {
  let entries;
  try {
    const self = await stat(dir);
    if (!remember(seen, self)) return 0;
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (!e.isDirectory() && !e.isFile() && !e.isSymbolicLink()) continue;
    const info = await stat(p).catch(() => undefined); // undefined: a dangling link or a link loop
    if (info?.isDirectory() && includeDir(e.name)) total += await folderSize(p, undefined, seen);
    else if (info?.isFile() && remember(seen, info)) total += info.size;
  }
  return total;
}

/** Adds a file's identity (device and inode) to `seen`; false when it was there already. */
function remember(seen: Set<string>, info: Stats): boolean {
  const key = `${info.dev}:${info.ino}`;
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
}

/**
 * Why the folder path `dir` cannot be followed, when it is itself a symbolic link: its target does not
 * exist, the links go round in a loop, or it points at a folder that holds the link (its parent, say).
 * Undefined for a plain folder or a link to elsewhere (links are followed).
 */
export async function linkProblem(dir: string): Promise<string | undefined> {
  const info = await lstat(dir).catch(() => undefined);
  if (!info?.isSymbolicLink()) return undefined;
  const name = path.basename(dir);
  const target = await readlink(dir).catch(() => '?');
  let real: string;
  try {
    real = await realpath(dir);
  } catch (err) {
    if (isRecord(err) && err.code === 'ELOOP') return `${name} is a symbolic link to ${target} that leads round in a loop of links; remove the link or point it at a model folder`;
    return `${name} is a symbolic link to ${target}, which does not exist; restore the target or remove the link`;
  }
  const parent = await realpath(path.dirname(dir)).catch(() => path.dirname(dir));
  if (parent === real || parent.startsWith(real + path.sep)) {
    return `${name} is a symbolic link to ${target}, a folder that holds the link itself (a loop); point it at a model folder instead`;
  }
  return undefined;
}

/** Pipeline component folders of a diffusers layout: what a model's size is made of. */
const COMPONENT_DIRS = new Set([
  'text_encoder', 'text_encoder_2', 'tokenizer', 'tokenizer_2', 'unet', 'vae', 'vae_decoder', 'vae_encoder',
  'scheduler', 'safety_checker', 'feature_extractor',
]);

/**
 * Bytes a model folder takes: its top-level files and its component folders. Anything else beside
 * them (a training recipe with its work files, a VCS folder) is not part of the model.
 */
export function modelFolderSize(dir: string): Promise<number> {
  return folderSize(dir, (name) => COMPONENT_DIRS.has(name));
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isNotFound(err: unknown): boolean {
  return isRecord(err) && err.code === 'ENOENT';
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
