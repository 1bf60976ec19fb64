/**
 * Delete with Undo, for one image or the gallery's multi-selection: the items go to the trash
 * (the main side keeps them a week), a toast offers Undo, and Undo (or Ctrl+Z) brings back all that
 * the last delete took. The canvas moves on from an image that is gone.
 */
import type { GalleryItem } from '../api/types.ts';
import type { GalleryState } from './gallery.svelte.ts';
import type { ToastState } from './toasts.svelte.ts';
import type { UiState } from './ui.svelte.ts';

export class GalleryDeletes {
  /** what the last delete took: Undo brings them all back */
  #last = $state.raw<readonly GalleryItem[]>([]);

  constructor(
    private readonly gallery: GalleryState,
    private readonly ui: UiState,
    private readonly toasts: ToastState,
  ) {}

  get last(): readonly GalleryItem[] {
    return this.#last;
  }

  async delete(items: readonly GalleryItem[]): Promise<void> {
    if (items.length === 0) return;
    if (items.length === 1) return this.#deleteOne(items[0]);
    const deleted = await this.gallery.deleteMany(items.map((i) => i.id));
    if (deleted === null || deleted.length === 0) {
      this.toasts.show({ kind: 'error', message: this.gallery.error ?? 'Those images were already deleted.' });
      return;
    }
    for (const id of deleted) this.#moveOn(id);
    this.#last = items.filter((i) => deleted.includes(i.id));
    this.toasts.show({ kind: 'info', message: `Deleted ${deleted.length} images.`, action: { label: 'Undo', run: () => this.undo() } });
  }

  /** Brings back what the last delete took; false when there was nothing to bring back. */
  async undo(): Promise<boolean> {
    const items = this.#last;
    if (items.length === 0) return false;
    this.#last = [];
    if (items.length === 1) {
      const restored = await this.gallery.restore(items[0].id);
      if (restored) this.toasts.show({ kind: 'success', message: `Restored ${restored.fileName}.` });
      else this.toasts.show({ kind: 'error', message: this.gallery.error ?? `${items[0].fileName} is no longer in the trash.` });
      return restored !== null;
    }
    const restored = await this.gallery.restoreMany(items.map((i) => i.id));
    const missing = items.length - restored.length;
    if (missing === 0) this.toasts.show({ kind: 'success', message: `Restored ${restored.length} images.` });
    else this.toasts.show({ kind: 'error', message: this.gallery.error ?? `Restored ${restored.length} of ${items.length} images; ${missing} are no longer in the trash (emptied after a week).` });
    return restored.length > 0;
  }

  async #deleteOne(item: GalleryItem): Promise<void> {
    if (!(await this.gallery.delete(item.id))) {
      this.toasts.show({ kind: 'error', message: this.gallery.error ?? `${item.fileName} was already deleted.` });
      return;
    }
    this.#moveOn(item.id);
    this.#last = [item];
    this.toasts.show({ kind: 'info', message: `Deleted ${item.fileName}.`, action: { label: 'Undo', run: () => this.undo() } });
  }

  #moveOn(id: string): void {
    this.ui.imageRemoved(id, this.gallery.selectedId ?? this.gallery.items[0]?.id ?? null);
  }
}
