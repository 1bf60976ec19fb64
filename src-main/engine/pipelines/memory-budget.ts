/**
 * How much memory a job may use on this machine (issue 18, item 6): the system's available memory
 * (os.freemem(), which is MemAvailable on Linux: free plus reclaimable caches), lowered by a cgroup
 * limit when the process runs in one (containers, systemd slices) and by REVERIE_MEMORY_LIMIT when set:
 * the most a job may add to what the process already uses ("8G", "512M", "1.5GiB" or bytes; for running
 * beside other work, and for tests that need a small budget on any machine).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { EngineError } from '../types.ts';

export interface MemoryBudget {
  /** bytes a job can still take */
  available: number;
  /** bytes of memory in all (the machine, the cgroup or REVERIE_MEMORY_LIMIT, the least of them) */
  total: number;
  /** where the numbers come from, in words ("free memory", "the container's memory limit", ...) */
  source: string;
}

export const MEMORY_LIMIT_ENV = 'REVERIE_MEMORY_LIMIT';

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "8G", "512M", "1.5GiB", "2gb", "1048576" → bytes; undefined for anything else. */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const bytes = Number(m[1]) * UNITS[m[2].toLowerCase()];
  return Number.isFinite(bytes) && bytes > 0 ? Math.floor(bytes) : undefined;
}

/**
 * A number from a cgroup file. Read synchronously: these are kernel pseudo-files answered from memory in
 * microseconds, while fs/promises' readFile takes four trips through libuv's thread pool per file (open,
 * stat, read, close), 3–11 ms before each job here while ONNX Runtime's threads were still busy.
 */
function readNumber(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const n = Number(text.trim());
  // cgroup v2 writes "max" for no limit; v1 writes a huge number (2^63 rounded to a page)
  return Number.isFinite(n) && n > 0 && n < 2 ** 60 ? n : undefined;
}

/** The cgroup's limit and usage (v2 unified hierarchy, else v1's memory controller); undefined when unlimited. */
function cgroupMemory(root: string): { limit: number; usage: number } | undefined {
  for (const [limitFile, usageFile] of [
    ['memory.max', 'memory.current'],
    ['memory/memory.limit_in_bytes', 'memory/memory.usage_in_bytes'],
  ]) {
    const limit = readNumber(`${root}/${limitFile}`);
    if (limit === undefined) continue;
    return { limit, usage: readNumber(`${root}/${usageFile}`) ?? 0 };
  }
  return undefined;
}

export interface BudgetSources {
  env?: NodeJS.ProcessEnv;
  /** default /sys/fs/cgroup */
  cgroupRoot?: string;
  freemem?: () => number;
  totalmem?: () => number;
}

export async function readMemoryBudget(src: BudgetSources = {}): Promise<MemoryBudget> {
  const env = src.env ?? process.env;
  let available = (src.freemem ?? os.freemem)();
  let total = (src.totalmem ?? os.totalmem)();
  let source = 'free memory';
  const cgroup = cgroupMemory(src.cgroupRoot ?? '/sys/fs/cgroup');
  if (cgroup && cgroup.limit < total) {
    total = cgroup.limit;
    available = Math.min(available, Math.max(0, cgroup.limit - cgroup.usage));
    source = "free memory under this container's memory limit";
  }
  const setting = env[MEMORY_LIMIT_ENV];
  if (setting !== undefined && setting.trim() !== '') {
    const limit = parseByteSize(setting);
    if (limit === undefined) {
      throw new EngineError('BAD_INPUT', `${MEMORY_LIMIT_ENV} is ${JSON.stringify(setting)}; write a size such as 8G, 512M or a number of bytes (or unset it)`);
    }
    if (limit < available) {
      available = limit;
      source = `${MEMORY_LIMIT_ENV}=${setting.trim()}`;
    }
    total = Math.min(total, limit);
  }
  return { available, total, source };
}
