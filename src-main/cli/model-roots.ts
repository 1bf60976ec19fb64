/**
 * Where the CLI looks for models: the repository's models/ (bundled, where the trained default lands)
 * and the user's models folder (REVERIE_DATA_DIR or the platform data folder, see storage/paths.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanModelFolders } from '../engine/models/folder.ts';
import type { ModelFolderReport } from '../engine/models/folder.ts';
import { dataLayout, resolveDataDir } from '../storage/paths.ts';
import { UsageError } from './usage.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUNDLED_MODELS = path.join(REPO_ROOT, 'models');

export function modelRoots(env: NodeJS.ProcessEnv): string[] {
  return [BUNDLED_MODELS, dataLayout(resolveDataDir({ env })).modelsDir];
}

/** --model DIR as given, or the first valid folder in the repository's models/. */
export async function resolveModelDir(given: string | undefined, cwd: string): Promise<string> {
  if (given !== undefined) {
    if (given.trim() === '') throw new UsageError('--model needs a folder');
    return path.resolve(cwd, given);
  }
  const reports: ModelFolderReport[] = await scanModelFolders([BUNDLED_MODELS]);
  const first = reports.find((r) => r.valid);
  if (!first) throw new UsageError('no default model found in models/; pass --model DIR');
  return first.path;
}
