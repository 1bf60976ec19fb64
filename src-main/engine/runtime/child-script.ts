/**
 * Runs one of the engine's helper scripts in a short-lived child process (the provider probe, probe.ts;
 * the optimized-model cache's builds, ort-build.ts): `process.execPath SCRIPT ARGS...`, stdout and stderr
 * piped (never the user's terminal) and kept up to MAX_CAPTURE, the answer the last stdout line that
 * starts with `marker` (JSON after it), and a child that does not answer within the timeout killed with
 * SIGKILL. In Electron process.execPath is the Electron binary, which runs the script as plain Node with
 * ELECTRON_RUN_AS_NODE=1.
 */
import { spawn } from 'node:child_process';

/** how much of the child's stdout and stderr is kept (a chatty driver cannot grow the engine's memory) */
const MAX_CAPTURE = 64 * 1024;
/** after SIGKILL, how long to wait for the exit before giving the verdict anyway (a process stuck in the kernel) */
const KILL_GRACE_MS = 1000;

export interface ChildRun {
  /** the JSON after the last marker line; undefined when there is none, null when it was unreadable */
  answer: unknown;
  /** the marker line as printed (for an unreadable answer's message), '' when there is none */
  answerLine: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stderr: string;
  /** a failure to start the process at all */
  startError?: string;
  ms: number;
}

export interface ChildScript {
  script: string;
  args: readonly string[];
  /** the prefix of the answer line, e.g. 'REVERIE_PROBE ' */
  marker: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/** The child's environment: under Electron, process.execPath is the Electron binary, so make it behave as Node. */
export function childEnv(base: NodeJS.ProcessEnv, electron = process.versions.electron !== undefined): NodeJS.ProcessEnv {
  return electron ? { ...base, ELECTRON_RUN_AS_NODE: '1' } : base;
}

function lastAnswer(stdout: string, marker: string): { answer: unknown; answerLine: string } {
  const line = stdout.split(/\r?\n/).reverse().find((l) => l.startsWith(marker));
  if (line === undefined) return { answer: undefined, answerLine: '' };
  try {
    return { answer: JSON.parse(line.slice(marker.length)) as unknown, answerLine: line };
  } catch {
    return { answer: null, answerLine: line };
  }
}

/** The helper scripts' answer, {ok, detail}, when the child printed one of that shape. */
export function okDetail(run: ChildRun): { ok: boolean; detail: string } | undefined {
  const msg = run.answer;
  return typeof msg === 'object' && msg !== null && 'ok' in msg && 'detail' in msg ? { ok: msg.ok === true, detail: String(msg.detail) } : undefined;
}

/** Runs the script; never rejects. */
export function runChildScript(opts: ChildScript): Promise<ChildRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const child = spawn(process.execPath, [opts.script, ...opts.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv(opts.env ?? process.env),
      windowsHide: true,
    });
    const finish = (code: number | null, signal: NodeJS.Signals | null, startError?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      // a child stuck in the kernel after SIGKILL must not keep this process alive
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref();
      resolve({ ...lastAnswer(stdout, opts.marker), code, signal, timedOut, stderr, ...(startError === undefined ? {} : { startError }), ms: performance.now() - started });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      graceTimer = setTimeout(() => finish(null, 'SIGKILL'), KILL_GRACE_MS);
    }, opts.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < MAX_CAPTURE) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < MAX_CAPTURE) stderr += d;
    });
    child.on('error', (err) => finish(null, null, err.message));
    child.on('close', (code, signal) => finish(code, signal));
  });
}
