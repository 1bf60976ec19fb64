/**
 * Export of picked gallery images: copies of their PNGs (parameters inside) in a folder the user
 * names by its full path — the same in the desktop app and browser mode, where the server runs on
 * the user's own machine and can write there. The last folder used is kept for next time.
 */
import type { GalleryItem, ReverieApi } from '../api/types.ts';
import { readKept, writeKept } from './kept-store.ts';
import type { KeptStorage } from './kept-store.ts';
import { errorText } from './system.svelte.ts';

const KEY = 'reverie.gallery.exportFolder';
const VERSION = 1;

/** An absolute path on Linux/macOS (/…) or Windows (C:\… or \\server\share). */
export function isFullPath(folder: string): boolean {
  return /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(folder);
}

export class GalleryExport {
  #folder = $state('');
  #busy = $state(false);
  #error = $state<string | null>(null);

  constructor(
    private readonly api: ReverieApi,
    private readonly storage: KeptStorage | null,
  ) {
    const [kept] = readKept(storage, KEY, VERSION);
    if (typeof kept === 'string') this.#folder = kept;
  }

  get folder(): string {
    return this.#folder;
  }
  set folder(value: string) {
    this.#folder = value;
    this.#error = null;
  }
  get busy(): boolean {
    return this.#busy;
  }
  get error(): string | null {
    return this.#error;
  }

  /** Writes the copies; the files written, or null with `error` saying why not. */
  async run(items: readonly GalleryItem[]): Promise<{ folder: string; files: string[] } | null> {
    const folder = this.#folder.trim();
    if (!folder) {
      this.#error = 'Type the full path of the folder to export to.';
      return null;
    }
    // the main side checks again; saying it here spares a refused call
    if (!isFullPath(folder)) {
      this.#error = `"${folder}" is not a full path. Give the whole path of the folder to export to, such as /home/me/Pictures/reverie or C:\\Users\\me\\Pictures\\reverie.`;
      return null;
    }
    this.#busy = true;
    try {
      const done = await this.api.gallery.export({ ids: items.map((i) => i.id), folder });
      this.#error = null;
      writeKept(this.storage, KEY, VERSION, [done.folder]);
      return done;
    } catch (err) {
      this.#error = errorText(err);
      return null;
    } finally {
      this.#busy = false;
    }
  }
}
