/**
 * The model list the studio shows: every folder's report plus, for valid folders, the defaults the
 * Generate form needs before a model is loaded — its default image size and whether it is
 * guidance-distilled (turbo: CFG 1, one step). Reads only configs and ONNX signatures (cheap); the
 * size is the folder check's (folder.ts), the one LoadedModel applies: the "reverie" default_size, else
 * unet/config.json's sample_size × the VAE factor, else the family's size (SD 2.x-base at 512). Also, for any folder, whether it has
 * a card (README.md) and, for valid folders, the words the model knows (vocabulary.json, optional; a
 * broken one is a warning, not a problem: the model stays usable).
 */
import path from 'node:path';
import { FAMILIES } from './families.ts';
import { hasModelCard } from './card.ts';
import { modelSubfolders, readModelFolder } from './folder.ts';
import type { FolderFacts, ModelFolderReport } from './folder.ts';
import { readVocabulary } from './vocabulary.ts';
import type { ModelVocabulary } from './vocabulary.ts';

export interface ModelListEntry extends ModelFolderReport {
  defaultWidth?: number;
  defaultHeight?: number;
  guidanceFree?: boolean;
  /** image sides are multiples of this (the VAE's downsampling factor times 2 per UNet downsampling) */
  sizeStep?: number;
  /** the folder has a README.md (models.card shows it) */
  hasCard?: boolean;
  /** valid folders with a readable vocabulary.json: what to offer as completions */
  vocabulary?: ModelVocabulary;
}

export function folderDefaults(facts: FolderFacts): Required<Pick<ModelListEntry, 'defaultWidth' | 'defaultHeight' | 'guidanceFree' | 'sizeStep'>> {
  const [defaultWidth, defaultHeight] = facts.defaultSize;
  return { defaultWidth, defaultHeight, guidanceFree: FAMILIES[facts.family].guidanceFree, sizeStep: Math.max(8, facts.sizeStep) };
}

/** Each immediate subfolder of each root, in order (roots that do not exist are skipped). */
export async function listModelFolders(roots: readonly string[]): Promise<ModelListEntry[]> {
  const entries: ModelListEntry[] = [];
  for (const root of roots) {
    for (const name of (await modelSubfolders(root)) ?? []) {
      const dir = path.join(root, name);
      const { report, facts } = await readModelFolder(dir);
      const hasCard = await hasModelCard(report.path);
      if (!facts) {
        entries.push({ ...report, hasCard });
        continue;
      }
      const { vocabulary, problem } = await readVocabulary(report.path);
      const warnings = problem === undefined ? report.warnings : [...(report.warnings ?? []), `${problem}; the model works, without prompt completions or word hints`];
      entries.push({ ...report, ...(warnings ? { warnings } : {}), ...folderDefaults(facts), hasCard, ...(vocabulary ? { vocabulary } : {}) });
    }
  }
  return entries;
}
