/**
 * "Open in Reverie": PNGs the operating system asks the app to open — macOS's `open-file` event,
 * the command line on Windows and Linux (the installers register Reverie for .png, see
 * electron-builder.yml), also when a second instance forwards its command line. The app side hands
 * over what it got; this reads each file (a regular .png file up to MAX_IMAGE_BYTES that starts
 * with the PNG signature), keeps it until the renderer takes it with `app.openedFiles`, and tells
 * the renderer with an `app.fileOpened` event. The renderer treats each file like a dropped PNG.
 * Browser mode never has any.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_IMAGE_BYTES, MAX_OPENED_FILES } from '../contract.ts';
import type { CallResponse } from '../contract.ts';
import type { EventBus } from '../events.ts';

export type OpenedFilesResult = CallResponse<'app.openedFiles'>;
type OpenedFile = OpenedFilesResult['files'][number];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The .png files named on a command line (argv without the executable), as absolute paths:
 * switches are skipped, relative paths resolve against `cwd` (a second instance's working folder),
 * and `file://` URLs (Linux desktop files pass %U) become paths.
 */
export function openablePaths(args: readonly string[], cwd: string): string[] {
  const found: string[] = [];
  for (const arg of args) {
    if (arg.startsWith('-')) continue;
    let file = arg;
    if (/^file:\/\//i.test(arg)) {
      try {
        file = fileURLToPath(arg);
      } catch {
        continue;
      }
    }
    if (path.extname(file).toLowerCase() !== '.png') continue;
    found.push(path.resolve(cwd, file));
  }
  return [...new Set(found)];
}

/** One opened file read, or a sentence saying why it cannot be opened. */
export async function readOpenedPng(file: string): Promise<OpenedFile | string> {
  const name = path.basename(file);
  try {
    // stat before open: a FIFO or device named like a PNG is refused, not waited on
    const info = await stat(file);
    if (!info.isFile()) return `Could not open "${file}": it is not a regular file.`;
    if (info.size > MAX_IMAGE_BYTES) {
      return `Could not open "${name}": it is ${(info.size / 1048576).toFixed(1)} MiB; images up to ${MAX_IMAGE_BYTES / 1048576} MiB can be opened.`;
    }
    const handle = await open(file, 'r');
    let bytes: Buffer;
    try {
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
    if (bytes.length > MAX_IMAGE_BYTES) return `Could not open "${name}": it grew past ${MAX_IMAGE_BYTES / 1048576} MiB while being read.`;
    if (!bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
      return `Could not open "${name}": it does not start with the PNG signature, so it is not a PNG file (Reverie opens .png files).`;
    }
    return { name, data: bytes.toString('base64') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return `Could not open "${file}": ${code === 'ENOENT' ? 'there is no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : String(err)}.`;
  }
}

export class OpenedFiles {
  readonly #events: EventBus;
  #files: OpenedFile[] = [];
  #problems: string[] = [];

  constructor(events: EventBus) {
    this.#events = events;
  }

  /** Reads the files and tells the renderer; the newest MAX_OPENED_FILES files wait to be taken. */
  async open(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    for (const file of paths) {
      const read = await readOpenedPng(file);
      if (typeof read === 'string') this.#problems.push(read);
      else this.#files.push(read);
    }
    const dropped = this.#files.length - MAX_OPENED_FILES;
    if (dropped > 0) {
      this.#problems.push(`Only the last ${MAX_OPENED_FILES} opened images are shown; ${dropped} earlier one(s) were left out: ${this.#files.slice(0, dropped).map((f) => f.name).join(', ')}.`);
      this.#files = this.#files.slice(dropped);
    }
    this.#events.emit('app.fileOpened', { pending: this.#files.length + this.#problems.length });
  }

  /** What is waiting, once: taking it empties the list. */
  take(): OpenedFilesResult {
    const taken = { files: this.#files, problems: this.#problems };
    this.#files = [];
    this.#problems = [];
    return taken;
  }
}
