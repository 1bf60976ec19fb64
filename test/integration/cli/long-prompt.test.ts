/**
 * Long prompts on the command line (issue 18, item 7). ONNX Runtime's Linux telemetry client ran a
 * recursive std::regex over /proc/self/cmdline when it started, so ~29 000 bytes of arguments crashed
 * the CLI with SIGSEGV (exit 139) at model load; engine/runtime/ort-env.ts turns that client off.
 * Prompts longer than MAX_PROMPT_CHARS are refused before any model loads, with the limit.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PROMPT_CHARS } from '../../../src-main/engine/pipelines/prompt-limit.ts';
import { REPO, runCli } from '../../helpers/cli.ts';
import type { CliRun } from '../../helpers/cli.ts';

const TINY = path.join(REPO, 'test', 'fixtures', 'models', 'reverie-tiny');
const reverie = (args: string[]): Promise<CliRun> => runCli(args, { cwd: tmp });

/** "a cat a cat ..." cut to exactly n characters */
function text(n: number): string {
  return 'a cat '.repeat(Math.ceil(n / 6)).slice(0, n);
}

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-long-prompt-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('reverie generate with long prompts', () => {
  it('a 30 000-character prompt is refused with the limit and what to do (exit 2), not a crash', async () => {
    const r = await reverie(['generate', '--model', TINY, '--prompt', text(30_000), '--steps', '1', '--width', '64', '--height', '64', '--provider', 'cpu', '--out', 'never.png']);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: the prompt is 30 000 characters; Reverie takes at most 20 000\. .*shorten the prompt/m);
    await expect(stat(path.join(tmp, 'never.png'))).rejects.toThrow();
  });

  it('a prompt and a negative prompt at the limit (~40 KB of arguments) run to a PNG', async () => {
    const r = await reverie(['generate', '--model', TINY, '--prompt', text(MAX_PROMPT_CHARS), '--negative-prompt', text(MAX_PROMPT_CHARS), '--steps', '1', '--width', '64', '--height', '64', '--provider', 'cpu', '--out', 'long.png']);
    expect(r.signal).toBeNull();
    expect(r.stderr).toMatch(/the prompt is \d+ tokens, longer than/);
    expect(r.code).toBe(0);
    expect((await stat(path.join(tmp, 'long.png'))).size).toBeGreaterThan(0);
  });
});
