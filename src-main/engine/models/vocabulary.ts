/**
 * A model folder's `vocabulary.json`: the words a small model was trained on (reverie-mini writes it
 * from recipe/vocabulary.py), which the studio offers as prompt completions and checks prompts
 * against. Optional: SD folders have none. A broken file never makes the model unusable; the reader
 * says what is wrong and the model simply gets no completions.
 */
import { isRecord, readJsonFile } from './files.ts';

export interface VocabularyObject {
  name: string;
  synonyms: string[];
}

export interface ModelVocabulary {
  about?: string;
  objects: VocabularyObject[];
  colours: string[];
  sizes: string[];
  positions: string[];
  styles: string[];
  /** how the model's captions were phrased, e.g. "a {object} on a {colour} background" */
  template?: string;
  /** common words the model does not know → the known objects closest to them */
  related: Record<string, string[]>;
}

export type VocabularyResult = { vocabulary?: ModelVocabulary; problem?: string };

const FILE = 'vocabulary.json';
const WORD_LISTS = ['colours', 'sizes', 'positions', 'styles'] as const;

const isWordList = (v: unknown): v is string[] => Array.isArray(v) && v.every((w) => typeof w === 'string' && w.trim() !== '');

/** Reads `dir/vocabulary.json`; nothing when the folder has none, a problem when the file is unusable. */
export async function readVocabulary(dir: string): Promise<VocabularyResult> {
  const file = await readJsonFile(dir, FILE);
  if (!file.ok) return file.missing ? {} : { problem: file.problem };
  return parseVocabulary(file.value);
}

export function parseVocabulary(value: unknown): VocabularyResult {
  if (!isRecord(value)) return { problem: `${FILE} must hold a JSON object with objects, colours, sizes, positions and styles` };
  const fail = (what: string, got: unknown): VocabularyResult => ({ problem: `${FILE}: ${what}, got ${JSON.stringify(got)?.slice(0, 80)}` });
  if (!Array.isArray(value.objects) || value.objects.length === 0) return fail('"objects" must be a non-empty list of {name, synonyms}', value.objects);
  const objects: VocabularyObject[] = [];
  for (const [i, o] of value.objects.entries()) {
    if (!isRecord(o) || typeof o.name !== 'string' || o.name.trim() === '') return fail(`objects[${i}] must have a "name"`, o);
    const synonyms = o.synonyms ?? [];
    if (!isWordList(synonyms)) return fail(`objects[${i}].synonyms ("${o.name}") must be a list of words`, synonyms);
    objects.push({ name: o.name, synonyms });
  }
  const lists: Partial<Record<(typeof WORD_LISTS)[number], string[]>> = {};
  for (const key of WORD_LISTS) {
    const list = value[key] ?? [];
    if (!isWordList(list)) return fail(`"${key}" must be a list of words`, list);
    lists[key] = list;
  }
  const names = new Set(objects.map((o) => o.name));
  const related: Record<string, string[]> = {};
  if (value.related !== undefined) {
    if (!isRecord(value.related)) return fail('"related" must map words to lists of object names', value.related);
    for (const [word, targets] of Object.entries(value.related)) {
      if (!isWordList(targets)) return fail(`related["${word}"] must be a list of object names`, targets);
      const unknown = targets.find((t) => !names.has(t));
      if (unknown !== undefined) return fail(`related["${word}"] names "${unknown}", which is not one of the objects`, targets);
      related[word] = targets;
    }
  }
  for (const key of ['about', 'template'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'string') return fail(`"${key}" must be text`, value[key]);
  }
  return {
    vocabulary: {
      ...(typeof value.about === 'string' ? { about: value.about } : {}),
      objects,
      colours: lists.colours ?? [],
      sizes: lists.sizes ?? [],
      positions: lists.positions ?? [],
      styles: lists.styles ?? [],
      ...(typeof value.template === 'string' ? { template: value.template } : {}),
      related,
    },
  };
}
