/**
 * Reading only regular files. A named pipe (FIFO) where a model file or an input image should be
 * blocks a plain `readFile` forever (and with it one of libuv's four file threads; four such reads
 * wedge every file operation of the process); a device such as /dev/zero never ends. Here the file
 * is opened non-blocking (opening a FIFO with no writer returns at once), checked with fstat on the
 * open handle (no window between the check and the read), and read only when it is a regular file.
 * Everything in the engine that reads a file the user chose goes through here.
 */
import { constants } from 'node:fs';
import type { Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/** Thrown for a path that exists but is not a regular file; `kind` says what it is, in words. */
export class NotRegularFileError extends Error {
  readonly code = 'ENOTREGULAR';
  constructor(
    readonly file: string,
    readonly kind: string,
  ) {
    super(`${file} is ${kind}, not a regular file`);
    this.name = 'NotRegularFileError';
  }
}

/** What a non-regular file is, in words: 'a named pipe (FIFO)', 'a folder', 'a character device', ... */
export function fileKind(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a file';
}

// O_NONBLOCK is POSIX only (undefined on Windows, where FIFOs in the file system do not exist)
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Reads a regular file whole; throws NotRegularFileError for anything else, fs errors as they are. */
export async function readRegularFile(file: string): Promise<Buffer>;
export async function readRegularFile(file: string, encoding: 'utf8'): Promise<string>;
export async function readRegularFile(file: string, encoding?: 'utf8'): Promise<Buffer | string> {
  let handle;
  try {
    handle = await open(file, READ_FLAGS);
  } catch (err) {
    // a folder cannot always be opened (Windows: EISDIR/EPERM); say it the same way
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new NotRegularFileError(file, 'a folder');
    throw err;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new NotRegularFileError(file, fileKind(stats));
    return encoding ? await handle.readFile({ encoding }) : await handle.readFile();
  } finally {
    await handle.close();
  }
}
