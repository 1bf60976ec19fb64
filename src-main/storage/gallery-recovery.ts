/**
 * What a killed Reverie (kill -9, a power cut, a crash) can leave in the gallery folder, put right when
 * the gallery opens. A save writes `<id>.png`, then `<id>.rvrec`, then `<id>.json`, each through a
 * temporary file and a rename (atomic.ts), so the leftovers are:
 *
 *  - temporary files `.NAME.PID.RANDOM.tmp`: removed when their writer is gone (temp-leftovers.ts).
 *  - a PNG without its sidecar: hidden from the list yet still served by URL. It is listed again with
 *    a sidecar written from what the PNG says (its size, the A1111 "parameters" it carries) and
 *    `recovered: true`; what the PNG does not say is filled plainly (seed 0, model "unknown").
 *  - a PNG that is not whole (truncated, bad CRC, no IEND): moved to `damaged/` with a note saying
 *    why, never deleted; the list does not show it.
 *
 * A sidecar without its PNG is not listed (gallery.ts) and the file is kept: it holds the request.
 */
import { randomBytes } from 'node:crypto';
import { access, link, mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readChunks, readPngTextMap } from '../engine/imageio/png-chunks.ts';
import { readImageParameters } from '../engine/imageio/read-parameters.ts';
import type { ImageParameters } from '../engine/imageio/read-parameters.ts';
import { MAX_IMAGE_BYTES } from '../ipc/contract.ts';
import type { JobRequest } from '../ipc/contract.ts';
import { SidecarSchema, itemIdOf } from './sidecar.ts';
import type { Sidecar } from './sidecar.ts';
import { removeStaleTemps } from './temp-leftovers.ts';
import type { LeftoverOptions } from './temp-leftovers.ts';

export const DAMAGED_DIR = 'damaged';

export interface GalleryRecovery {
  /** temporary files of dead writers, removed */
  removedTemps: string[];
  /** ids of PNGs listed again with a recovered sidecar */
  adopted: string[];
  /** PNGs moved to damaged/, with why */
  damaged: { fileName: string; reason: string }[];
  /** PNGs without a sidecar left as they are (too large to read here, or the sidecar could not be written) */
  skipped: string[];
}

export interface RecoveryOptions extends LeftoverOptions {
  /** ids this process is saving right now (their sidecar is on its way) */
  saving?: ReadonlySet<string>;
}

export async function recoverGallery(dir: string, opts: RecoveryOptions = {}): Promise<GalleryRecovery> {
  const report: GalleryRecovery = { removedTemps: [], adopted: [], damaged: [], skipped: [] };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return report; // no gallery yet
  }
  report.removedTemps = await removeStaleTemps(dir, names, opts);
  const present = new Set(names);
  for (const name of names) {
    const id = itemIdOf(name, '.png');
    if (!id || present.has(`${id}.json`) || opts.saving?.has(id)) continue;
    const outcome = await adopt(dir, id, present.has(`${id}.rvrec`)).catch((): Outcome => 'skipped'); // a full or read-only disk: next time
    if (outcome === 'adopted') report.adopted.push(id);
    else if (outcome === 'skipped') report.skipped.push(name);
    else if (outcome !== 'gone') report.damaged.push({ fileName: name, reason: outcome.damaged });
  }
  return report;
}

type Outcome = 'adopted' | 'skipped' | 'gone' | { damaged: string };

async function adopt(dir: string, id: string, hasRecording: boolean): Promise<Outcome> {
  const fileName = `${id}.png`;
  const file = path.join(dir, fileName);
  let bytes: Uint8Array;
  let mtimeMs: number;
  try {
    const info = await stat(file);
    if (info.size > MAX_IMAGE_BYTES) return 'skipped';
    mtimeMs = info.mtimeMs;
    bytes = await readFile(file);
  } catch {
    return 'gone';
  }
  let sidecar: Sidecar;
  try {
    const chunks = readChunks(bytes);
    if (chunks.at(-1)?.type !== 'IEND') throw new Error('PNG is truncated: it ends before its IEND chunk');
    const read = readImageParameters({ bytes, name: fileName });
    const raw = readPngTextMap(bytes).get('parameters') ?? '';
    sidecar = recoveredSidecar(id, Math.round(mtimeMs), read.width ?? 1, read.height ?? 1, read.parameters, raw, hasRecording);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    await moveDamaged(dir, id, fileName, reason, hasRecording);
    return { damaged: reason };
  }
  return (await createFileOnce(path.join(dir, `${id}.json`), `${JSON.stringify(sidecar, null, 2)}\n`)) ? 'adopted' : 'gone';
}

/** A sidecar from what a PNG says; a txt2img reading of its parameters (edit inputs cannot be known). */
export function recoveredSidecar(id: string, createdAt: number, width: number, height: number, p: ImageParameters | null, parameters: string, recording: boolean): Sidecar {
  const seed = p?.seed ?? 0;
  const model = p?.model?.trim() ? p.model.trim() : 'unknown';
  const request: JobRequest = {
    kind: 'txt2img',
    params: {
      model,
      prompt: p?.prompt ?? '',
      negativePrompt: p?.negativePrompt ?? '',
      seed,
      batchSize: 1,
      batchCount: 1,
      provider: 'auto',
      ...(p?.steps !== undefined ? { steps: p.steps } : {}),
      ...(p?.cfgScale !== undefined ? { cfgScale: p.cfgScale } : {}),
      ...(p?.sampler !== undefined ? { sampler: p.sampler } : {}),
      ...(p?.schedule !== undefined ? { schedule: p.schedule } : {}),
      ...(p?.width !== undefined && p.height !== undefined ? { width: p.width, height: p.height } : {}),
      ...(p?.hires ? { hires: p.hires } : {}),
    },
  };
  const base = { version: 1, id, createdAt, fileName: `${id}.png`, width, height, seed, modelName: model, parameters, recovered: true, ...(recording ? { recording: true } : {}) };
  const full = SidecarSchema.safeParse({ ...base, request });
  if (full.success) return full.data;
  // parameters outside what a request may hold (a 30 000-character prompt): keep them in the text only
  return SidecarSchema.parse({ ...base, request: { kind: 'txt2img', params: { model, prompt: '', negativePrompt: '', seed, batchSize: 1, batchCount: 1, provider: 'auto' } } });
}

/** Moves a PNG that is not whole (and its recording) to damaged/, with a note saying why. */
async function moveDamaged(dir: string, id: string, fileName: string, reason: string, hasRecording: boolean): Promise<void> {
  const to = path.join(dir, DAMAGED_DIR);
  await mkdir(to, { recursive: true });
  const target = await freeName(to, id);
  await rename(path.join(dir, fileName), path.join(to, `${target}.png`));
  if (hasRecording) await rename(path.join(dir, `${id}.rvrec`), path.join(to, `${target}.rvrec`)).catch(() => undefined);
  const note = `Reverie found ${fileName} in its gallery without its sidecar, and could not read it: ${reason}.\nIt was moved here, unchanged, on ${new Date().toISOString()}.\n`;
  await writeFile(path.join(to, `${target}.txt`), note).catch(() => undefined);
}

async function freeName(dir: string, id: string): Promise<string> {
  for (let n = 0; ; n++) {
    const name = n === 0 ? id : `${id}-${n}`;
    try {
      await access(path.join(dir, `${name}.png`));
    } catch {
      return name;
    }
  }
}

/**
 * Writes `file` whole (temporary file, then a hard link) only if it does not exist: a writer that is
 * saving this item right now wins, its sidecar is never replaced by a recovered one. False when the
 * file was there. File systems without hard links (FAT) fall back to a rename after a check.
 */
export async function createFileOnce(file: string, data: string): Promise<boolean> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    try {
      await access(file);
      return false;
    } catch {
      await rename(tmp, file);
      return true;
    }
  } finally {
    await rm(tmp, { force: true });
  }
}
