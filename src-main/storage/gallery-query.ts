/**
 * Which gallery items a search and filter keep (gallery.list's query): every word of the search
 * somewhere in the prompt or negative prompt (case-insensitive), the model by its name, the kind of
 * job, and the time it was made (`from` included, `to` not). Pure, for the store and its tests.
 */
import type { z } from 'zod';
import type { GalleryKindSchema } from '../ipc/schemas/gallery.ts';
import type { Sidecar } from './sidecar.ts';

export interface GalleryQuery {
  search?: string;
  model?: string;
  kind?: z.infer<typeof GalleryKindSchema>;
  from?: number;
  to?: number;
}

/** The search's words, lower-cased; quotes keep a phrase together ("red hat"). */
export function searchTerms(search: string | undefined): string[] {
  if (!search) return [];
  const terms: string[] = [];
  for (const m of search.toLowerCase().matchAll(/"([^"]*)"|(\S+)/g)) {
    const term = (m[1] ?? m[2] ?? '').trim();
    if (term) terms.push(term);
  }
  return terms;
}

/** A predicate for the query; items without a filter all pass. */
export function galleryMatcher(query: GalleryQuery): (item: Pick<Sidecar, 'createdAt' | 'modelName' | 'request'>) => boolean {
  const terms = searchTerms(query.search);
  return (item) => {
    if (query.model !== undefined && item.modelName !== query.model) return false;
    if (query.kind !== undefined && item.request.kind !== query.kind) return false;
    if (query.from !== undefined && item.createdAt < query.from) return false;
    if (query.to !== undefined && item.createdAt >= query.to) return false;
    if (terms.length === 0) return true;
    const p = item.request.params;
    const text = `${p.prompt}\n${p.negativePrompt ?? ''}`.toLowerCase();
    return terms.every((t) => text.includes(t));
  };
}

/** The model names of these items, each once, sorted (the model filter's choices). */
export function modelNames(items: Iterable<Pick<Sidecar, 'modelName'>>): string[] {
  return [...new Set([...items].map((i) => i.modelName))].sort((a, b) => a.localeCompare(b));
}
