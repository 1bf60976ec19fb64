/**
 * The images one job made (a batch), from the gallery's list, in the order of their seeds: image i of
 * a run has the run's seed + i, and each run of a batch count the next seeds (A1111's rule), while
 * the images of one run can be saved in any order.
 */
import type { GalleryItem } from '../api/types.ts';

export function jobImages(items: readonly GalleryItem[], jobId: string | undefined): GalleryItem[] {
  if (jobId === undefined) return [];
  return items.filter((i) => i.jobId === jobId).toSorted((a, b) => a.seed - b.seed || a.createdAt - b.createdAt);
}

/** Columns for n cells that keep the grid close to square (2 → 2, 4 → 2, 6 → 3, 9 → 3). */
export function gridColumns(n: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(n)));
}
