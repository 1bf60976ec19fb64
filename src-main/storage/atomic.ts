/**
 * Atomic file writes: write a temporary file in the same folder, flush it, then rename over the
 * target. A crash leaves either the old file or the new one, never half of each; a failed write
 * (full disk, read-only folder) removes its temporary file and leaves the target as it was.
 * Temporary files are named `.NAME.PID.RANDOM.tmp` (see isAtomicLeftover), so a folder's owner can
 * clean what a killed process left behind.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { FileWriteError } from './fs-errors.ts';

/** `.NAME.PID.RANDOM.tmp` → the pid of the process that was writing NAME; undefined for other names. */
export function atomicLeftoverPid(name: string): number | undefined {
  const m = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Writes `data` to `file` through a temporary file and a rename; errors are FileWriteError naming `file`. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(tmp, 'wx');
  } catch (err) {
    throw new FileWriteError(file, err);
  }
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new FileWriteError(file, err);
  }
  try {
    await handle.close();
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new FileWriteError(file, err);
  }
}
