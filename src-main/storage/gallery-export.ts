/**
 * Gallery export: copies of the chosen PNGs (their A1111 parameters inside, as saved) in a folder the
 * user names. The folder is made when missing; a file already there is never overwritten — the copy
 * is named "NAME (2).png", "NAME (3).png", … instead. The gallery's own folders are refused (a copy
 * there would be listed again as a second item).
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fsReason, fsWriteAdvice } from './fs-errors.ts';

/** An export the user can put right (the folder): `message` says what was wrong and what to do. */
export class ExportFolderError extends Error {
  override name = 'ExportFolderError';
}

export interface ExportSource {
  /** absolute path of the gallery PNG */
  path: string;
  fileName: string;
}

/** `name`, or "stem (n).ext" for the n-th try (n ≥ 2). */
export function numberedName(name: string, n: number): string {
  if (n < 2) return name;
  const ext = path.extname(name);
  return `${name.slice(0, name.length - ext.length)} (${n})${ext}`;
}

/** Checks the folder and makes it when missing; returns it resolved. */
export async function exportFolder(folder: string, galleryDirs: readonly string[]): Promise<string> {
  const trimmed = folder.trim();
  if (!path.isAbsolute(trimmed)) {
    throw new ExportFolderError(`"${folder}" is not a full path. Give the whole path of the folder to export to, such as ${path.join(path.parse(process.cwd()).root, 'Users', 'me', 'Pictures', 'reverie')}.`);
  }
  const dir = path.resolve(trimmed);
  if (galleryDirs.some((g) => path.resolve(g) === dir)) {
    throw new ExportFolderError(`${dir} is the gallery's own folder; copies there would be listed twice. Choose another folder.`);
  }
  const s = await stat(dir).catch((err: NodeJS.ErrnoException) => err);
  if (s instanceof Error) {
    if (s.code !== 'ENOENT') throw new ExportFolderError(`The folder ${dir} cannot be read: ${fsReason(s)}; ${fsWriteAdvice(s)}.`);
    await mkdir(dir, { recursive: true }).catch((err: unknown) => {
      throw new ExportFolderError(`The folder ${dir} could not be made: ${fsReason(err)}; ${fsWriteAdvice(err)}.`);
    });
  } else if (!s.isDirectory()) {
    throw new ExportFolderError(`${dir} is a file, not a folder. Give a folder to export to.`);
  }
  return dir;
}

/** Copies each source into `dir` (checked by exportFolder) without overwriting; returns the files written. */
export async function exportCopies(sources: readonly ExportSource[], dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const source of sources) {
    for (let n = 1; ; n++) {
      const to = path.join(dir, numberedName(source.fileName, n));
      try {
        await copyFile(source.path, to, constants.COPYFILE_EXCL);
        written.push(to);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST' && n < 1000) continue;
        const done = written.length > 0 ? ` (${written.length} of ${sources.length} were written before it)` : '';
        throw new ExportFolderError(`Could not copy ${source.fileName} to ${dir}: ${fsReason(err)}; ${fsWriteAdvice(err)}${done}.`);
      }
    }
  }
  return written;
}
