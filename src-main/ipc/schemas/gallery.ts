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

/** The kinds of result a gallery can be filtered by (the job kinds). */
export const GalleryKindSchema = z.enum(['txt2img', 'img2img', 'inpaint', 'denoise']);
/**
 * gallery.list: a page of the items that match the filter (all of them without one), newest first.
 * `search` matches prompt and negative prompt, case-insensitive, every word somewhere; `from`/`to`
 * bound `createdAt` (ms, `from` included, `to` not).
 */
export const GalleryListRequestSchema = z
  .object({
    offset: z.int().min(0).default(0),
    limit: z.int().min(1).max(1000).default(200),
    search: z.string().max(1000).optional(),
    model: z.string().max(500).optional(),
    kind: GalleryKindSchema.optional(),
    from: z.number().optional(),
    to: z.number().optional(),
  })
  .strict();
/** `total`: how many match; `models`: every model name in the whole gallery (the model filter's choices) */
export const GalleryListSchema = z.object({ items: z.array(GalleryItemSchema), total: z.int().min(0), models: z.array(z.string()) });
export const GalleryIdRequestSchema = z.object({ id: IdSchema }).strict();
export const GalleryGetSchema = z.object({ item: GalleryItemSchema });
export const GalleryDeleteSchema = z.object({ deleted: z.boolean() });
/** several items at once (the gallery's multi-selection): deleted to the trash and restored together */
export const GalleryIdsRequestSchema = z.object({ ids: z.array(IdSchema).min(1).max(1000) }).strict();
/** the ids that were deleted (ids already gone are left out) */
export const GalleryDeleteManySchema = z.object({ deleted: z.array(IdSchema) });
/** the items brought back (ids no longer in the trash are left out) */
export const GalleryRestoreManySchema = z.object({ items: z.array(GalleryItemSchema) });
/**
 * gallery.export writes copies of the PNGs (parameters inside, as saved) to `folder`, an absolute
 * path; the folder is made when missing, and a file already there is never overwritten (the copy
 * gets " (2)", " (3)", … instead).
 */
export const GalleryExportRequestSchema = z.object({ ids: z.array(IdSchema).min(1).max(1000), folder: z.string().min(1).max(4096) }).strict();
export const GalleryExportSchema = z.object({ folder: z.string(), files: z.array(z.string()) });
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
