/**
 * A job too big for memory is refused before it starts, with the numbers and what to do, instead of
 * being killed by the system halfway (exit 137, silently) (issue 18, item 6). REVERIE_MEMORY_LIMIT
 * gives the CLI a small budget, so the test does not depend on this machine's memory.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../../helpers/cli.ts';

const TINY = path.join(REPO, 'test', 'fixtures', 'models', 'reverie-tiny');
const env = { REVERIE_MEMORY_LIMIT: '512M' };

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-memory-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('reverie generate and memory', () => {
  it('4096² batch 16 in a 512 MiB budget: refused before loading (exit 2) with estimate, budget and advice', async () => {
    const r = await runCli(['generate', '--model', TINY, '--prompt', 'a cat', '--width', '4096', '--height', '4096', '--batch-size', '16', '--steps', '1', '--provider', 'cpu', '--out', 'big.png'], { cwd: tmp, env });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: This job needs about 431\.8 GiB of memory \(.*\), but 512 MiB is available \(REVERIE_MEMORY_LIMIT=512M; 512 MiB in all\), so it was not started: it would run out of memory and be killed by the system\. Try batch size 1 and a smaller size such as 448×448 \(about \d+ MiB\); or raise REVERIE_MEMORY_LIMIT\./);
    expect(r.stderr).not.toMatch(/loading model/);
    await expect(stat(path.join(tmp, 'big.png'))).rejects.toThrow();
  });

  it('a normal job in the same budget runs', async () => {
    const r = await runCli(['generate', '--model', TINY, '--prompt', 'a cat', '--width', '64', '--height', '64', '--batch-size', '2', '--steps', '1', '--provider', 'cpu', '--out', 'small.png'], { cwd: tmp, env });
    expect(r.code).toBe(0);
    expect((await stat(path.join(tmp, 'small-1.png'))).size).toBeGreaterThan(0);
  });
});
