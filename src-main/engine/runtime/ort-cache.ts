/**
 * ONNX Runtime's optimized-model cache. Creating a CPU session with every graph optimization spends
 * most of its time rewriting the graph (a full-size SD 1.5 UNet: about 40 s of a 41 s load on two cores;
 * the same graph already optimized loads in about 4 s with optimizations off). The first load writes
 * the optimized graph (SessionOptions.optimizedModelFilePath, large initializers in an external file)
 * into `<cache>/<key>/`; later loads read it with optimizations disabled.
 *
 * The key covers everything the optimized graph depends on: ONNX Runtime's version, the CPU model and
 * architecture (level "all" lays data out for this CPU: ORT warns such a model "should only be used in
 * the same environment"), the provider, and the source graph's folder: each file's name, size and
 * modification time (external weights beside model.onnx change without model.onnx changing). A changed
 * model gets a new key, and entries not used for the longest time go once the cache passes its budget.
 * Only the CPU provider is cached: GPU providers compile their own kernels at load.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** the marker written last: an entry without it is incomplete (a build was killed) */
const COMPLETE = 'complete.json';
/** total bytes kept before the least recently used entries go (a few SD-sized models) */
export const ORT_CACHE_BUDGET = 12 * 2 ** 30;

export interface OrtCacheEntry {
  /** the folder of this graph's entry */
  readonly dir: string;
  /** the optimized graph, when the entry is complete */
  readonly ready: boolean;
  readonly model: string;
}

/** The cache key of a graph: ORT version, CPU, provider and the graph folder's files (name, size, mtime). */
export async function ortCacheKey(modelPath: string, provider: string, ortVersion: string): Promise<string> {
  const folder = path.dirname(path.resolve(modelPath));
  const files: string[] = [];
  for (const name of (await readdir(folder)).sort()) {
    const s = await stat(path.join(folder, name)).catch(() => null);
    if (s?.isFile()) files.push(`${name}:${s.size}:${Math.round(s.mtimeMs)}`);
  }
  const cpu = `${os.cpus()[0]?.model ?? 'cpu'}|${process.arch}|${process.platform}`;
  const text = JSON.stringify([ortVersion, cpu, provider, path.resolve(modelPath), files]);
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

export async function ortCacheEntry(cacheDir: string, key: string): Promise<OrtCacheEntry> {
  const dir = path.join(cacheDir, key);
  const ready = await stat(path.join(dir, COMPLETE)).then(
    (s) => s.isFile(),
    () => false,
  );
  if (ready) {
    // used now: last to be evicted
    const now = new Date();
    await utimes(dir, now, now).catch(() => undefined);
  }
  return { dir, ready, model: path.join(dir, 'model.onnx') };
}

/** A private folder to build an entry in; `commit` moves it into place (or drops it if another process won). */
export async function ortCacheBuild(entry: OrtCacheEntry): Promise<{ model: string; weights: string; commit: (source: string) => Promise<void>; abandon: () => Promise<void> }> {
  const tmp = `${entry.dir}.${process.pid}.${Date.now().toString(36)}.tmp`;
  await mkdir(tmp, { recursive: true });
  return {
    model: path.join(tmp, 'model.onnx'),
    weights: 'weights.bin',
    commit: async (source) => {
      await writeFile(path.join(tmp, COMPLETE), `${JSON.stringify({ source, made: new Date().toISOString() })}\n`);
      try {
        await rename(tmp, entry.dir);
      } catch {
        // another process finished the same entry first
        await rm(tmp, { recursive: true, force: true });
      }
    },
    abandon: () => rm(tmp, { recursive: true, force: true }),
  };
}

/** Removes a broken entry (it failed to load), so the next load rebuilds it. */
export function dropOrtCacheEntry(entry: OrtCacheEntry): Promise<void> {
  return rm(entry.dir, { recursive: true, force: true });
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const s = await stat(path.join(dir, name)).catch(() => null);
    if (s?.isFile()) total += s.size;
  }
  return total;
}

/**
 * Keeps the cache within `budget` bytes: removes the least recently used complete entries, and
 * unfinished builds of processes that are gone (older than an hour), never `keep`.
 */
export async function trimOrtCache(cacheDir: string, keep: string, budget = ORT_CACHE_BUDGET): Promise<string[]> {
  const removed: string[] = [];
  const entries: { dir: string; used: number; bytes: number }[] = [];
  for (const name of await readdir(cacheDir).catch(() => [] as string[])) {
    const dir = path.join(cacheDir, name);
    const s = await stat(dir).catch(() => null);
    if (!s?.isDirectory()) continue;
    if (name.endsWith('.tmp')) {
      if (Date.now() - s.mtimeMs > 3600_000) {
        await rm(dir, { recursive: true, force: true });
        removed.push(name);
      }
      continue;
    }
    entries.push({ dir, used: s.mtimeMs, bytes: await folderBytes(dir) });
  }
  let total = entries.reduce((a, e) => a + e.bytes, 0);
  for (const e of entries.sort((a, b) => a.used - b.used)) {
    if (total <= budget) break;
    if (path.resolve(e.dir) === path.resolve(keep)) continue;
    await rm(e.dir, { recursive: true, force: true });
    total -= e.bytes;
    removed.push(path.basename(e.dir));
  }
  return removed;
}
