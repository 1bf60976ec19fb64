import { z } from 'zod';
import { IdSchema } from './common.ts';
import { JobRequestSchema } from './jobs.ts';

/** One saved image: PNG + JSON sidecar in the gallery folder of the app data directory. */
export const GalleryItemSchema = z.object({
  id: IdSchema,
  createdAt: z.number(),
  /** loadable by the renderer in both modes: `/media/gallery/<id>.png` (see README, "Images") */
  url: z.string(),
  fileName: z.string(),
  /** absolute path on disk (for "reveal file") */
  path: z.string(),
  width: z.int().min(1),
  height: z.int().min(1),
  /** the seed of this very image */
  seed: z.int().min(0),
  modelName: z.string(),
  /** the request that made it (seed of the run) */
  request: JobRequestSchema,
  /** A1111 `parameters` text, also stored in the PNG */
  parameters: z.string(),
  jobId: IdSchema.optional(),
  /** its reverse process was recorded (<id>.rvrec beside the PNG): the Process tab can show it */
  recording: z.boolean().optional(),
  /**
   * the PNG was found without its sidecar (Reverie stopped between writing the two) and listed again
   * from what the PNG says (size, its A1111 "parameters"); the request is a txt2img reading of those,
   * with seed 0 and model "unknown" where the PNG does not say (storage/gallery-recovery.ts)
   */
  recovered: z.boolean().optional(),
});

export const GalleryListRequestSchema = z
  .object({ offset: z.int().min(0).default(0), limit: z.int().min(1).max(1000).default(200) })
  .strict();
export const GalleryListSchema = z.object({ items: z.array(GalleryItemSchema), total: z.int().min(0) });
export const GalleryIdRequestSchema = z.object({ id: IdSchema }).strict();
export const GalleryGetSchema = z.object({ item: GalleryItemSchema });
export const GalleryDeleteSchema = z.object({ deleted: z.boolean() });
export const JobDoneEventSchema = z.object({
  jobId: IdSchema,
  items: z.array(GalleryItemSchema),
  elapsedMs: z.number(),
  /** the execution provider that ran it, and why it is not the preferred one when it is not */
  provider: z.string(),
  providerNote: z.string().optional(),
  /** things the user should know (empty prompt, prompt cut to the text encoder's length, ...) */
  warnings: z.array(z.string()),
});
/**
 * gallery.delete moves the item to the trash folder of the app data directory (kept for a week),
 * so gallery.restore can bring it back: the studio offers Undo after every delete.
 */
export const GalleryRestoreSchema = z.object({ item: GalleryItemSchema.nullable() });
/** Electron: the file is shown in the system file manager; browser mode: `revealed` is false and the renderer shows the path. */
export const GalleryRevealSchema = z.object({ revealed: z.boolean(), path: z.string() });
/** Items saved (as each image of a job finishes) or removed (deleted, restored items come back in `added`). */
export const GalleryChangedEventSchema = z.object({ added: z.array(GalleryItemSchema), removed: z.array(IdSchema) });
