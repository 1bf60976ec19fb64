/**
 * The `reverie` command as users run it, for tests: a child process of src-main/cli/bin.mjs under
 * this Node, in a working folder whose `data/` subfolder is its data folder (REVERIE_DATA_DIR).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '..', '..');
export const BIN = path.join(REPO, 'src-main', 'cli', 'bin.mjs');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** the working folder; relative paths in `args` resolve against it and the data folder is `cwd/data` */
  cwd: string;
  /** extra environment over this process's */
  env?: NodeJS.ProcessEnv;
  /** called with all stderr so far each time more arrives (to react to progress, e.g. send SIGINT) */
  onStderr?: (text: string, child: ChildProcess) => void;
}

/** Runs `reverie ...args` to the end and resolves with its exit code, signal and output. */
export function runCli(args: string[], opts: CliOptions): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, REVERIE_DATA_DIR: path.join(opts.cwd, 'data'), ...opts.env };
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      opts.onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
