/**
 * The gallery: every saved result, newest first, kept in step with `gallery.changed` (images
 * arrive as each one finishes, deletes and restores from any window). Deleting is undoable: the
 * main side moves the files to the trash and `restore` brings them back. A search and filter
 * (gallery-filter.ts) narrow the list on the main side; the multi-selection (`picks`,
 * gallery-selection.ts) is what delete and export act on, beside the one `selected` item shown.
 */
import { untrack } from 'svelte';
import type { GalleryItem, ReverieApi } from '../api/types.ts';
import { NO_FILTER, isFiltered, listQuery } from './gallery-filter.ts';
import type { GalleryFilter } from './gallery-filter.ts';
import { NO_PICKS, keepPresent, pick, pickAll, pickedInOrder, picksOf } from './gallery-selection.ts';
import type { PickMods, Picks } from './gallery-selection.ts';
import type { LoadStatus } from './system.svelte.ts';
import { errorText } from './system.svelte.ts';

const PAGE = 200;
/** gallery.list's largest page: a reload keeps up to this many of the items already shown */
const MAX_PAGE = 1000;
/** typing in the search waits this long before the list is asked for again */
const SEARCH_DELAY_MS = 250;

const newestFirst = (a: GalleryItem, b: GalleryItem): number => b.createdAt - a.createdAt || b.id.localeCompare(a.id);

export class GalleryState {
  #items = $state.raw<readonly GalleryItem[]>([]);
  #total = $state(0);
  #status = $state<LoadStatus>('idle');
  #error = $state<string | null>(null);
  #selectedId = $state<string | null>(null);
  #filter = $state.raw<GalleryFilter>(NO_FILTER);
  #models = $state.raw<readonly string[]>([]);
  #picks = $state.raw<Picks>(NO_PICKS);
  /** answers of an older list call (the filter changed since) are dropped */
  #listCall = 0;
  #searchTimer: ReturnType<typeof setTimeout> | null = null;

  readonly selected = $derived(this.#items.find((i) => i.id === this.#selectedId) ?? null);
  readonly hasMore = $derived(this.#items.length < this.#total);
  readonly filtered = $derived(isFiltered(this.#filter));
  /** the picked items in the order shown */
  readonly picked = $derived.by(() => {
    const ids = pickedInOrder(this.#picks, this.#items.map((i) => i.id));
    return ids.map((id) => this.#items.find((i) => i.id === id)).filter((i): i is GalleryItem => i !== undefined);
  });

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
  get filter(): GalleryFilter {
    return this.#filter;
  }
  /** every model name in the gallery (the model filter's choices) */
  get models(): readonly string[] {
    return this.#models;
  }
  isPicked(id: string): boolean {
    return this.#picks.ids.has(id);
  }

  item(id: string | null): GalleryItem | null {
    return id === null ? null : (this.#items.find((i) => i.id === id) ?? null);
  }

  async load(): Promise<void> {
    const call = ++this.#listCall;
    this.#status = 'loading';
    // read without tracking: a caller inside an effect must not run again each time the list changes
    const query = untrack(() => ({ limit: Math.min(MAX_PAGE, Math.max(PAGE, this.#items.length)), ...listQuery(this.#filter) }));
    try {
      const { items, total, models } = await this.api.gallery.list({ offset: 0, ...query });
      if (call !== this.#listCall) return;
      this.#items = items;
      this.#total = total;
      this.#models = models;
      this.#picks = keepPresent(this.#picks, items.map((i) => i.id));
      this.#error = null;
      this.#status = 'ready';
    } catch (err) {
      if (call !== this.#listCall) return;
      this.#error = errorText(err);
      this.#status = 'error';
    }
  }

  async loadMore(): Promise<void> {
    if (!this.hasMore) return;
    const call = this.#listCall;
    try {
      const { items, total } = await this.api.gallery.list({ offset: this.#items.length, limit: PAGE, ...listQuery(this.#filter) });
      if (call !== this.#listCall) return;
      this.#merge(items, []);
      this.#total = total;
    } catch (err) {
      this.#error = errorText(err);
    }
  }

  /** Changes the search or filter and lists again (typing in the search waits a moment). */
  setFilter(patch: Partial<GalleryFilter>): void {
    this.#filter = { ...this.#filter, ...patch };
    if (this.#searchTimer !== null) clearTimeout(this.#searchTimer);
    this.#searchTimer = null;
    if (Object.keys(patch).length === 1 && patch.search !== undefined) {
      this.#searchTimer = setTimeout(() => {
        this.#searchTimer = null;
        void this.load();
      }, SEARCH_DELAY_MS);
    } else {
      void this.load();
    }
  }

  clearFilter(): void {
    this.setFilter(NO_FILTER);
  }

  /**
   * Shows one item and picks it alone (`mods`: Ctrl/⌘ adds or removes it, Shift picks the run from
   * the last one clicked). An item the filter hides clears the filter, so it can be shown.
   */
  select(id: string | null, mods: PickMods = {}): void {
    this.#selectedId = id;
    if (id === null) {
      this.#picks = NO_PICKS;
      return;
    }
    this.#picks = pick(this.#picks, this.#items.map((i) => i.id), id, mods);
    if (this.filtered && !this.#items.some((i) => i.id === id)) this.clearFilter();
  }

  /** Picks every item shown (Ctrl+A). */
  pickAll(): void {
    this.#picks = pickAll(this.#items.map((i) => i.id));
  }

  /** Picks none; the item shown stays. */
  clearPicks(): void {
    this.#picks = NO_PICKS;
  }

  /** Moves the selection by `delta` items (arrow keys in the grid); `mods.range` extends the picks. */
  step(delta: number, mods: PickMods = {}): void {
    if (this.#items.length === 0) return;
    const at = this.#items.findIndex((i) => i.id === this.#selectedId);
    const next = at < 0 ? 0 : Math.min(this.#items.length - 1, Math.max(0, at + delta));
    this.select(this.#items[next].id, mods.range ? { range: true } : {});
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

  /** Deletes several (to the trash); returns the ids deleted, or null when the call failed (see `error`). */
  async deleteMany(ids: readonly string[]): Promise<string[] | null> {
    try {
      const { deleted } = await this.api.gallery.deleteMany({ ids: [...ids] });
      this.#remove(deleted);
      this.#error = null;
      return deleted;
    } catch (err) {
      this.#error = errorText(err);
      return null;
    }
  }

  /** Undo of deleteMany: the items that came back, picked again. */
  async restoreMany(ids: readonly string[]): Promise<GalleryItem[]> {
    try {
      const { items } = await this.api.gallery.restoreMany({ ids: [...ids] });
      this.#merge(items, []);
      if (items.length > 0) {
        this.#picks = picksOf(items.map((i) => i.id));
        this.#selectedId = items[0].id;
      }
      return items;
    } catch (err) {
      this.#error = errorText(err);
      return [];
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
    this.#picks = keepPresent(this.#picks, this.#items.map((i) => i.id));
  }

  #merge(added: readonly GalleryItem[], removed: readonly string[]): void {
    if (removed.length > 0) this.#remove(removed);
    const fresh = added.filter((a) => !this.#items.some((i) => i.id === a.id));
    if (fresh.length === 0) return;
    const models = fresh.map((i) => i.modelName).filter((m, at, all) => !this.#models.includes(m) && all.indexOf(m) === at);
    if (models.length > 0) this.#models = [...this.#models, ...models].sort((a, b) => a.localeCompare(b));
    // whether a new item matches the search and filter is the main side's call: ask again
    if (this.filtered) {
      void this.load();
      return;
    }
    this.#items = [...this.#items, ...fresh].sort(newestFirst);
    this.#total += fresh.length;
  }
}
