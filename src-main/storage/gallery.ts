/**
 * The gallery: every result as `<id>.png` plus a `<id>.json` sidecar (the request, seed and A1111
 * parameters) in <data>/gallery. The PNG is written first and the sidecar last, both atomically,
 * so an item is listed only once both are complete. Ids are time-ordered and file-name safe.
 * Deleting moves both files to <data>/trash (sidecar first, so a half-moved item is never listed),
 * from where `restore` brings them back; `purgeTrash` empties what has lain there for a week.
 * When the gallery opens (its first read), what a killed process left is put right once
 * (gallery-recovery.ts): stale temporary files go, a PNG without sidecar is listed again, a PNG that
 * is not whole moves to damaged/. A sidecar whose PNG is gone is not listed (the file stays).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { IdSchema, MEDIA_PREFIX } from '../ipc/contract.ts';
import type { GalleryItem, JobRequest } from '../ipc/contract.ts';
import { writeFileAtomic } from './atomic.ts';
import { galleryMatcher, modelNames } from './gallery-query.ts';
import type { GalleryQuery } from './gallery-query.ts';
import { recoverGallery } from './gallery-recovery.ts';
import type { GalleryRecovery } from './gallery-recovery.ts';
import { SidecarSchema, itemIdOf } from './sidecar.ts';
import type { Sidecar } from './sidecar.ts';

export interface NewGalleryImage {
  png: Uint8Array;
  width: number;
  height: number;
  seed: number;
  modelName: string;
  request: JobRequest;
  parameters: string;
  jobId?: string;
  /** the recorded reverse process (float16 .rvrec), kept beside the PNG as <id>.rvrec for the Process tab */
  recording?: Uint8Array;
}

/** `/media/gallery/<file>`: the URL the renderer loads, in Electron and browser mode alike. */
export function galleryUrl(fileName: string): string {
  return `${MEDIA_PREFIX}gallery/${encodeURIComponent(fileName)}`;
}

export function newGalleryId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\..*$/, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export const TRASH_KEEP_MS = 7 * 24 * 3600 * 1000;

export class GalleryStore {
  private cache: Map<string, Sidecar> | null = null;
  private cacheMtime = -1;
  private opened: Promise<GalleryRecovery | null> | null = null;
  /** ids being saved by this store: their PNG is on disk before their sidecar, recovery leaves them be */
  private readonly saving = new Set<string>();
  /** where deleted items wait for an undo: <data>/trash next to <data>/gallery unless given */
  readonly trashDir: string;

  constructor(
    readonly dir: string,
    trashDir?: string,
  ) {
    this.trashDir = trashDir ?? path.join(path.dirname(dir), 'trash');
  }

  async save(image: NewGalleryImage): Promise<GalleryItem> {
    await mkdir(this.dir, { recursive: true });
    await this.open();
    const id = newGalleryId();
    const fileName = `${id}.png`;
    const sidecar: Sidecar = SidecarSchema.parse({
      version: 1,
      id,
      createdAt: Date.now(),
      fileName,
      width: image.width,
      height: image.height,
      seed: image.seed,
      modelName: image.modelName,
      request: image.request,
      parameters: image.parameters,
      ...(image.jobId ? { jobId: image.jobId } : {}),
      ...(image.recording ? { recording: true } : {}),
    });
    this.saving.add(id);
    try {
      await writeFileAtomic(path.join(this.dir, fileName), image.png);
      if (image.recording) await writeFileAtomic(path.join(this.dir, `${id}.rvrec`), image.recording);
      await writeFileAtomic(path.join(this.dir, `${id}.json`), `${JSON.stringify(sidecar, null, 2)}\n`);
    } catch (err) {
      // a full or read-only disk: leave no PNG without its sidecar (never listed, still taking space)
      await Promise.all([fileName, `${id}.rvrec`].map((name) => rm(path.join(this.dir, name), { force: true }).catch(() => undefined)));
      throw err;
    } finally {
      this.saving.delete(id);
    }
    this.cache?.set(id, sidecar);
    return this.toItem(sidecar);
  }

  /**
   * Puts right what a killed process left in the folder (gallery-recovery.ts), once per store; every
   * read waits for it. Never throws: a folder that cannot be read or written is reported and skipped.
   */
  open(): Promise<GalleryRecovery | null> {
    this.opened ??= recoverGallery(this.dir, { saving: this.saving }).then(
      (report) => {
        logRecovery(this.dir, report);
        return report;
      },
      (err: unknown) => {
        console.warn(`[reverie] could not check the gallery folder ${this.dir} for leftovers of an earlier run: ${String(err)}`);
        return null;
      },
    );
    return this.opened;
  }

  /** A page of the items that match `query`, newest first; `total` counts the matches, `models` names every model in the gallery. */
  async list(offset = 0, limit = 200, query: GalleryQuery = {}): Promise<{ items: GalleryItem[]; total: number; models: string[] }> {
    const every = [...(await this.load()).values()];
    const all = every.filter(galleryMatcher(query)).sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
    return { items: all.slice(offset, offset + limit).map((s) => this.toItem(s)), total: all.length, models: modelNames(every) };
  }

  async get(id: string): Promise<GalleryItem | null> {
    if (!IdSchema.safeParse(id).success) return null;
    const sidecar = (await this.load()).get(id);
    return sidecar ? this.toItem(sidecar) : null;
  }

  /** Moves the PNG and its sidecar to the trash (restorable); false when there was no such item. */
  async delete(id: string): Promise<boolean> {
    const item = await this.get(id);
    if (!item) return false;
    await mkdir(this.trashDir, { recursive: true });
    const now = new Date();
    for (const name of [`${id}.json`, item.fileName, `${id}.rvrec`]) {
      const to = path.join(this.trashDir, name);
      try {
        await rename(path.join(this.dir, name), to);
        await utimes(to, now, now); // the trash keeps items for a week from their deletion
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    this.cache?.delete(id);
    return true;
  }

  /** Deletes several items (each as delete()); returns the ids that were deleted. */
  async deleteMany(ids: readonly string[]): Promise<string[]> {
    const deleted: string[] = [];
    for (const id of new Set(ids)) if (await this.delete(id)) deleted.push(id);
    return deleted;
  }

  /**
   * Brings several deleted items back (each as restore()); returns those that came back. One that
   * cannot be moved back is reported and skipped, so the others still return.
   */
  async restoreMany(ids: readonly string[]): Promise<GalleryItem[]> {
    const items: GalleryItem[] = [];
    for (const id of new Set(ids)) {
      const item = await this.restore(id).catch((err: unknown) => {
        console.warn(`[reverie] could not restore gallery item ${id} from ${this.trashDir}: ${String(err)}`);
        return null;
      });
      if (item) items.push(item);
    }
    return items;
  }

  /** Brings a deleted item back from the trash; null when it is not there (never deleted, or purged). */
  async restore(id: string): Promise<GalleryItem | null> {
    if (!IdSchema.safeParse(id).success) return null;
    const sidecar = await this.readSidecar(`${id}.json`, this.trashDir);
    if (!sidecar || sidecar.id !== id) return null;
    await mkdir(this.dir, { recursive: true });
    // the PNG first and the sidecar last, as in save(): the item is listed only once both are back
    await rename(path.join(this.trashDir, sidecar.fileName), path.join(this.dir, sidecar.fileName));
    if (sidecar.recording) await rename(path.join(this.trashDir, `${id}.rvrec`), path.join(this.dir, `${id}.rvrec`)).catch(() => undefined);
    await rename(path.join(this.trashDir, `${id}.json`), path.join(this.dir, `${id}.json`));
    this.cache?.set(id, sidecar);
    return this.toItem(sidecar);
  }

  /** Removes trash files older than `maxAgeMs`; returns how many files went. */
  async purgeTrash(maxAgeMs = TRASH_KEEP_MS, now = Date.now()): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.trashDir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      const file = path.join(this.trashDir, name);
      try {
        if (now - (await stat(file)).mtimeMs > maxAgeMs) {
          await rm(file, { force: true });
          removed++;
        }
      } catch {
        // gone meanwhile
      }
    }
    return removed;
  }

  /** The absolute path of a gallery file named in a media URL, or null when the name is not ours. */
  resolveFile(fileName: string): string | null {
    if (!/^[A-Za-z0-9_-]{1,80}\.png$/.test(fileName)) return null;
    return path.join(this.dir, fileName);
  }

  private toItem(s: Sidecar): GalleryItem {
    const { version, ...rest } = s;
    void version;
    return { ...rest, url: galleryUrl(s.fileName), path: path.join(this.dir, s.fileName) };
  }

  /** Reads every sidecar once, again only when the folder changed on disk (files added or removed). */
  private async load(): Promise<Map<string, Sidecar>> {
    await this.open();
    let mtime: number;
    try {
      mtime = (await stat(this.dir)).mtimeMs;
    } catch {
      return new Map();
    }
    if (this.cache && mtime === this.cacheMtime) return this.cache;
    const all = await readdir(this.dir);
    const names = all.filter((n) => itemIdOf(n, '.json') !== null);
    const entries = await Promise.all(names.map((n) => this.readSidecar(n)));
    // a sidecar whose PNG is gone is not listed: its image could not be shown (the file stays)
    const files = new Set(all);
    this.cache = new Map(entries.filter((s): s is Sidecar => s !== null && files.has(s.fileName)).map((s) => [s.id, s]));
    this.cacheMtime = mtime;
    return this.cache;
  }

  private async readSidecar(name: string, dir = this.dir): Promise<Sidecar | null> {
    try {
      const parsed = SidecarSchema.safeParse(JSON.parse(await readFile(path.join(dir, name), 'utf8')));
      return parsed.success ? parsed.data : null; // foreign or damaged files are skipped, never deleted
    } catch {
      return null;
    }
  }
}

function logRecovery(dir: string, r: GalleryRecovery): void {
  const parts = [
    r.removedTemps.length ? `removed ${r.removedTemps.length} temporary file(s) of an earlier run` : '',
    r.adopted.length ? `listed ${r.adopted.length} image(s) again that had lost their sidecar (${r.adopted.join(', ')})` : '',
    ...r.damaged.map((d) => `moved ${d.fileName}, which cannot be read (${d.reason}), to ${path.join(dir, 'damaged')}`),
    r.skipped.length ? `left ${r.skipped.join(', ')} unlisted (too large to check, or its sidecar could not be written)` : '',
  ].filter(Boolean);
  if (parts.length) console.warn(`[reverie] gallery ${dir}: ${parts.join('; ')}.`);
}
