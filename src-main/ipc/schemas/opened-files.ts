import { z } from 'zod';
import { ImageUploadSchema } from './images.ts';

/** At most this many opened files wait for the renderer (the newest are kept). */
export const MAX_OPENED_FILES = 4;

/**
 * What app.openedFiles hands the renderer: the PNGs the operating system asked the app to open
 * ("Open in Reverie"), each as base64 with its file name, and a sentence for each file that could
 * not be opened. Taking them empties the list.
 */
export const OpenedFilesSchema = z
  .object({
    files: z.array(ImageUploadSchema.extend({ name: z.string().max(500) })).max(MAX_OPENED_FILES),
    problems: z.array(z.string()),
  })
  .strict();

/** Sent when files were opened while the studio runs: the renderer then calls app.openedFiles. */
export const FileOpenedEventSchema = z.object({ pending: z.int().min(0) }).strict();
