import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** repo root, from test/unit/engine/tokenizer/ */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** `../shared/reference/clip`: SD 1.x CLIP vocab.json + merges.txt and reference tokenizations */
export const CLIP_DIR = path.resolve(repoRoot, '..', 'shared', 'reference', 'clip');

let vocab: Record<string, number> | undefined;
let merges: string | undefined;

export function clipVocab(): Record<string, number> {
  vocab ??= JSON.parse(readFileSync(path.join(CLIP_DIR, 'vocab.json'), 'utf8')) as Record<string, number>;
  return vocab;
}

export function clipMerges(): string {
  merges ??= readFileSync(path.join(CLIP_DIR, 'merges.txt'), 'utf8');
  return merges;
}

/** id of a token string in the reference vocabulary; throws if absent so a typo cannot pass silently */
export function vocabId(token: string): number {
  const table = clipVocab();
  const id = Object.hasOwn(table, token) ? table[token] : undefined;
  if (id === undefined) throw new Error(`test expectation names ${JSON.stringify(token)}, which is not in vocab.json`);
  return id;
}

export interface ReferenceCase {
  text: string;
  ids: number[];
}

export function referenceCases(): ReferenceCase[] {
  const file = JSON.parse(readFileSync(path.join(CLIP_DIR, 'tokenizations.json'), 'utf8')) as { cases: ReferenceCase[] };
  return file.cases;
}
