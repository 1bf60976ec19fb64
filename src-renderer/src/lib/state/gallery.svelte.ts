/**
 * The gallery: every saved result, newest first, kept in step with `gallery.changed` (images
 * arrive as each one finishes, deletes and restores from any window). Deleting is undoable: the
 * main side moves the files to the trash and `restore` brings them back.
 */
import type { GalleryItem, ReverieApi } from '../api/types.ts';
import type { LoadStatus } from './system.svelte.ts';
import { errorText } from './system.svelte.ts';

const PAGE = 200;

const newestFirst = (a: GalleryItem, b: GalleryItem): number => b.createdAt - a.createdAt || b.id.localeCompare(a.id);

export class GalleryState {
  #items = $state.raw<readonly GalleryItem[]>([]);
  #total = $state(0);
  #status = $state<LoadStatus>('idle');
  #error = $state<string | null>(null);
  #selectedId = $state<string | null>(null);

  readonly selected = $derived(this.#items.find((i) => i.id === this.#selectedId) ?? null);
  readonly hasMore = $derived(this.#items.length < this.#total);

  constructor(private readonly api: ReverieApi) {}

  get items(): readonly GalleryItem[] {
    return this.#items;
  }
  get total(): number {
    return this.#total;
  }
  get status(): LoadStatus {
    return this.#status;
  }
  get error(): string | null {
    return this.#error;
  }
  get selectedId(): string | null {
    return this.#selectedId;
  }

  item(id: string | null): GalleryItem | null {
    return id === null ? null : (this.#items.find((i) => i.id === id) ?? null);
  }

  async load(): Promise<void> {
    this.#status = 'loading';
    try {
      const { items, total } = await this.api.gallery.list({ offset: 0, limit: PAGE });
      this.#items = items;
      this.#total = total;
      this.#error = null;
      this.#status = 'ready';
    } catch (err) {
      this.#error = errorText(err);
      this.#status = 'error';
    }
  }

  async loadMore(): Promise<void> {
    if (!this.hasMore) return;
    try {
      const { items, total } = await this.api.gallery.list({ offset: this.#items.length, limit: PAGE });
      this.#merge(items, []);
      this.#total = total;
    } catch (err) {
      this.#error = errorText(err);
    }
  }

  select(id: string | null): void {
    this.#selectedId = id;
  }

  /** Moves the selection by `delta` items (arrow keys in the grid). */
  step(delta: number): void {
    if (this.#items.length === 0) return;
    const at = this.#items.findIndex((i) => i.id === this.#selectedId);
    const next = at < 0 ? 0 : Math.min(this.#items.length - 1, Math.max(0, at + delta));
    this.#selectedId = this.#items[next].id;
  }

  /** Deletes (to the trash); the selection moves to the neighbour. True when it was deleted. */
  async delete(id: string): Promise<boolean> {
    try {
      const { deleted } = await this.api.gallery.delete({ id });
      if (deleted) this.#remove([id]);
      this.#error = null;
      return deleted;
    } catch (err) {
      this.#error = errorText(err);
      return false;
    }
  }

  /** Undo of a delete. */
  async restore(id: string): Promise<GalleryItem | null> {
    try {
      const { item } = await this.api.gallery.restore({ id });
      if (item) {
        this.#merge([item], []);
        this.#selectedId = item.id;
      }
      return item;
    } catch (err) {
      this.#error = errorText(err);
      return null;
    }
  }

  /** Shows the file in the system file manager (Electron); in browser mode, returns the path to show. */
  async reveal(id: string): Promise<{ revealed: boolean; path: string } | null> {
    try {
      return await this.api.gallery.reveal({ id });
    } catch (err) {
      this.#error = errorText(err);
      return null;
    }
  }

  /** Follows saves, deletes and restores; returns the unsubscribe function. */
  connect(): () => void {
    return this.api.on('gallery.changed', ({ added, removed }) => this.#merge(added, removed));
  }

  #remove(ids: readonly string[]): void {
    const at = this.#items.findIndex((i) => i.id === this.#selectedId);
    const removedSelected = this.#selectedId !== null && ids.includes(this.#selectedId);
    const before = this.#items.length;
    this.#items = this.#items.filter((i) => !ids.includes(i.id));
    this.#total = Math.max(0, this.#total - (before - this.#items.length));
    if (removedSelected) this.#selectedId = this.#items[Math.min(at, this.#items.length - 1)]?.id ?? null;
  }

  #merge(added: readonly GalleryItem[], removed: readonly string[]): void {
    if (removed.length > 0) this.#remove(removed);
    const fresh = added.filter((a) => !this.#items.some((i) => i.id === a.id));
    if (fresh.length === 0) return;
    this.#items = [...this.#items, ...fresh].sort(newestFirst);
    this.#total += fresh.length;
  }
}
