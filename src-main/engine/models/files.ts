/** Small file helpers for model-folder inspection: every failure becomes a plain-words problem. */
import { readdir, stat } from 'node:fs/promises';
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
 * Total size of the regular files under `dir` (symlinks are not followed). `includeDir` picks which
 * immediate subfolders count; deeper levels count whole.
 */
export async function folderSize(dir: string, includeDir: (name: string) => boolean = () => true): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && includeDir(e.name)) total += await folderSize(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
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
