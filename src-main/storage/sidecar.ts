/**
 * The gallery's `<id>.json` sidecar: a gallery item as stored on disk (no URL or path, which depend on
 * where the folder is), versioned. Shared by the gallery and its start-up recovery.
 */
import { z } from 'zod';
import { IdSchema } from '../ipc/schemas/common.ts';
import { GalleryItemSchema } from '../ipc/schemas/gallery.ts';

export const SidecarSchema = GalleryItemSchema.omit({ url: true, path: true }).extend({ version: z.literal(1) });
export type Sidecar = z.infer<typeof SidecarSchema>;

/** `<id>` of a gallery file name `<id>.png` / `<id>.json`, or null for names that are not items. */
export function itemIdOf(name: string, ext: '.png' | '.json'): string | null {
  if (!name.endsWith(ext)) return null;
  const id = name.slice(0, -ext.length);
  return IdSchema.safeParse(id).success ? id : null;
}
