/**
 * The gallery calls for several items at once (the gallery's multi-selection): delete to the trash
 * and restore together (one gallery.changed each), and export copies of the PNGs to a folder.
 */
import type { GalleryStore } from '../../storage/gallery.ts';
import { ExportFolderError, exportCopies, exportFolder } from '../../storage/gallery-export.ts';
import type { Handlers } from '../dispatch.ts';
import { ApiCallError } from '../errors.ts';
import type { EventBus } from '../events.ts';

export interface GalleryHandlerDeps {
  gallery: GalleryStore;
  events: EventBus;
}

type GalleryHandlers = Pick<Handlers, 'gallery.list' | 'gallery.deleteMany' | 'gallery.restoreMany' | 'gallery.export'>;

export function createGalleryHandlers(deps: GalleryHandlerDeps): GalleryHandlers {
  const { gallery, events } = deps;
  return {
    'gallery.list': ({ offset, limit, ...query }) => gallery.list(offset, limit, query),
    'gallery.deleteMany': async ({ ids }) => {
      const deleted = await gallery.deleteMany(ids);
      if (deleted.length > 0) events.emit('gallery.changed', { added: [], removed: deleted });
      return { deleted };
    },
    'gallery.restoreMany': async ({ ids }) => {
      const items = await gallery.restoreMany(ids);
      if (items.length > 0) events.emit('gallery.changed', { added: items, removed: [] });
      return { items };
    },
    'gallery.export': async ({ ids, folder }) => {
      const sources = [];
      for (const id of ids) {
        const item = await gallery.get(id);
        if (!item) throw new ApiCallError('NOT_FOUND', `There is no gallery item "${id}" (it may have been deleted); nothing was exported. Select the images again.`);
        sources.push(item);
      }
      try {
        const dir = await exportFolder(folder, [gallery.dir, gallery.trashDir]);
        return { folder: dir, files: await exportCopies(sources, dir) };
      } catch (err) {
        if (err instanceof ExportFolderError) throw new ApiCallError('BAD_REQUEST', err.message, { folder });
        throw err;
      }
    },
  };
}
