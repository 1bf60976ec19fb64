/**
 * Temporary files of atomic writes (`.NAME.PID.RANDOM.tmp`, atomic.ts) that a killed process left:
 * removed when their writer is gone, that is when no process has that pid, or when they are older
 * than STALE_TEMP_MS (the pid may belong to a new process by now; no write takes an hour). Not
 * "every .tmp from before this process started": the app, browser mode and the CLI share one data
 * folder, and another live one may be writing right now.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { atomicLeftoverPid } from './atomic.ts';

export const STALE_TEMP_MS = 3600 * 1000;

export interface LeftoverOptions {
  now?: number;
  /** whether a process with this pid runs; default: signal 0 */
  isAlive?: (pid: number) => boolean;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Removes the stale temporary files among `names` in `dir` (all of the folder's when not given); returns their names. */
export async function removeStaleTemps(dir: string, names?: readonly string[], opts: LeftoverOptions = {}): Promise<string[]> {
  const now = opts.now ?? Date.now();
  const alive = opts.isAlive ?? processAlive;
  let list = names;
  if (!list) {
    try {
      list = await readdir(dir);
    } catch {
      return []; // no such folder yet
    }
  }
  const removed: string[] = [];
  for (const name of list) {
    const pid = atomicLeftoverPid(name);
    if (pid === undefined) continue;
    const file = path.join(dir, name);
    try {
      const writerGone = pid !== process.pid && !alive(pid);
      if (writerGone || now - (await stat(file)).mtimeMs > STALE_TEMP_MS) {
        await rm(file, { force: true });
        removed.push(name);
      }
    } catch {
      // gone meanwhile (its writer renamed it)
    }
  }
  return removed;
}
