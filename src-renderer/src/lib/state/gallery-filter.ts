/**
 * The gallery's search and filter as the form holds them (text, a model name, a job kind, two
 * dates as yyyy-mm-dd) and as gallery.list takes them (times in ms: a day runs from local midnight to
 * the next). Pure, for GalleryState and its tests.
 */
import type { CallRequest } from '../api/types.ts';

export type GalleryKind = NonNullable<CallRequest<'gallery.list'>['kind']>;

export interface GalleryFilter {
  search: string;
  /** '' = every model */
  model: string;
  /** '' = every kind */
  kind: GalleryKind | '';
  /** yyyy-mm-dd (a date input's value) or '' */
  from: string;
  to: string;
}

export const NO_FILTER: GalleryFilter = { search: '', model: '', kind: '', from: '', to: '' };

export const GALLERY_KINDS: readonly { id: GalleryKind; label: string }[] = [
  { id: 'txt2img', label: 'Text to image' },
  { id: 'img2img', label: 'Image to image' },
  { id: 'inpaint', label: 'Inpaint' },
  { id: 'denoise', label: 'Denoise' },
];

/** Local midnight at the start of a yyyy-mm-dd day (`days` later), or undefined for '' or a malformed value. */
export function dayStart(date: string, days = 0): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days).getTime();
}

/** The local day of a time as yyyy-mm-dd (what a date input shows). */
export function dayOf(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** gallery.list's query for the filter: only what is set; "to" includes its whole day. */
export function listQuery(f: GalleryFilter): Omit<CallRequest<'gallery.list'>, 'offset' | 'limit'> {
  const from = dayStart(f.from);
  const to = dayStart(f.to, 1);
  const search = f.search.trim();
  return {
    ...(search ? { search } : {}),
    ...(f.model ? { model: f.model } : {}),
    ...(f.kind ? { kind: f.kind } : {}),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
}

export function isFiltered(f: GalleryFilter): boolean {
  return Object.keys(listQuery(f)).length > 0;
}
