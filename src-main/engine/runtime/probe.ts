/**
 * Probes one execution provider in a short-lived child process: create a session for a one-node model
 * (y = x·x, float32 [2], 76 bytes, built with onnx.helper and embedded below), run it, check the
 * numbers (probe-script.mjs does that part).
 *
 * Why a process and not a worker thread: GPU runtimes print to the native stderr (Dawn writes
 * "Warning: Couldn't load Vulkan: libvulkan.so.1 ..." to fd 2 on machines without Vulkan), which a
 * worker cannot capture; and a driver that hangs in native code cannot be stopped in a worker, but a
 * process can be killed. So the child's stdout and stderr are piped (never the user's terminal), the
 * first meaningful stderr line is kept for the provider's detail, and a child that does not answer
 * within the timeout is killed with SIGKILL.
 *
 * Where the script is: beside this module. From the sources (tsx, vitest) that is
 * src-main/engine/runtime/probe-script.mjs; inside the esbuild bundles (dist/main/*.cjs, where
 * import.meta.url is the bundle's own file) it is dist/main/probe-script.cjs, a bundle entry of its
 * own (build.mjs). In Electron (utilityProcess or main) process.execPath is the Electron binary, which
 * runs the script as plain Node with ELECTRON_RUN_AS_NODE=1. REVERIE_PROBE_SCRIPT names another
 * script (tests use it to stand in a hanging or crashing driver).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scriptBeside } from './script-beside.ts';

/** ONNX model: graph "probe", input x float32 [2], output y = Mul(x, x), opset 13. */
export const PROBE_MODEL_BASE64 =
  'CAcSB3JldmVyaWU6OQoOCgF4CgF4EgF5IgNNdWwSBXByb2JlWg8KAXgSCgoICAESBAoCCAJiDwoBeRIKCggIARIECgIIAkIECgAQDQ==';

const MARKER = 'REVERIE_PROBE ';
/** how much of the child's stdout and stderr is kept (a chatty driver cannot grow the engine's memory) */
const MAX_CAPTURE = 64 * 1024;
/** after SIGKILL, how long to wait for the exit before giving the verdict anyway (a process stuck in the kernel) */
const KILL_GRACE_MS = 1000;

export interface ProbeVerdict {
  ok: boolean;
  /** the probe's own words: 'a test session ran', ONNX Runtime's error, or why the child gave no answer */
  detail: string;
  /** the first meaningful line the child printed on stderr, '' if none */
  stderrLine: string;
  /** everything the child printed on stderr (up to 64 KiB), for diagnostics */
  stderr: string;
  /** the child did not answer in time and was killed */
  timedOut: boolean;
  ms: number;
}

export interface ProbeOptions {
  /** the resolved onnxruntime-node entry file (ort.ts resolves it; the child loads ORT by this path) */
  ortEntry: string;
  provider: string;
  timeoutMs: number;
  /** the child script; default: REVERIE_PROBE_SCRIPT, else probe-script beside this module */
  script?: string;
  env?: NodeJS.ProcessEnv;
}

/** The probe script for this build: the .mjs beside the TS sources, or the .cjs beside a bundle. */
export function probeScriptPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.REVERIE_PROBE_SCRIPT;
  if (override !== undefined && override !== '') return path.resolve(override);
  return probeScriptBeside(fileURLToPath(import.meta.url));
}

/** The probe script next to a module file: probe-script.cjs beside a .cjs bundle, probe-script.mjs beside a source file. */
export function probeScriptBeside(moduleFile: string): string {
  return scriptBeside(moduleFile, 'probe-script.cjs', 'probe-script.mjs');
}

/** Log prefixes that say nothing to a person: Dawn's "Warning: ", ORT's "2025-01-01 10:00:00.0 [W:onnxruntime:, file.cc:12 Fn] ". */
const PREFIXES = [/^(warning|error|info)\s*:\s*/i, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \[[A-Z]:onnxruntime:[^\]]*\]\s*/];

/** A thrown JavaScript error as Node prints it when a script dies: "Error: Cannot find module ...". */
const JS_ERROR = /^\w*Error( \[[A-Z_]+\])?: \S/;

/**
 * The first line of a native log worth showing: Node's error line when the script died of a JavaScript
 * error, else the first line that is not blank, a stack frame, a source location, a caret or a rule;
 * log prefixes removed, at most 200 characters.
 */
export function firstMeaningfulLine(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const thrown = lines.find((l) => JS_ERROR.test(l));
  for (const raw of thrown === undefined ? lines : [thrown]) {
    if (raw === '' || /^at\s/.test(raw) || /^[-=*#^\s]+$/.test(raw) || /^\S+:\d+(:\d+)?$/.test(raw)) continue;
    let line = raw;
    for (const prefix of PREFIXES) line = line.replace(prefix, '');
    line = line.replace(/\s+/g, ' ').trim();
    if (line === '') continue;
    return line.length > 200 ? `${line.slice(0, 197)}...` : line;
  }
  return '';
}

function parseAnswer(stdout: string): { ok: boolean; detail: string } | undefined {
  const line = stdout.split(/\r?\n/).reverse().find((l) => l.startsWith(MARKER));
  if (line === undefined) return undefined;
  try {
    const msg: unknown = JSON.parse(line.slice(MARKER.length));
    if (typeof msg === 'object' && msg !== null && 'ok' in msg && 'detail' in msg) return { ok: msg.ok === true, detail: String(msg.detail) };
  } catch {
    // fall through: an unreadable answer is no answer
  }
  return { ok: false, detail: `the probe process answered something unreadable: ${line.slice(0, 120)}` };
}

/** The child's environment: under Electron, process.execPath is the Electron binary, so make it behave as Node. */
export function probeChildEnv(base: NodeJS.ProcessEnv, electron = process.versions.electron !== undefined): NodeJS.ProcessEnv {
  return electron ? { ...base, ELECTRON_RUN_AS_NODE: '1' } : base;
}

/** Runs the probe script for one provider; never rejects. */
export function runProbe(opts: ProbeOptions): Promise<ProbeVerdict> {
  const env = opts.env ?? process.env;
  const script = opts.script ?? probeScriptPath(env);
  const started = performance.now();
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const child = spawn(process.execPath, [script, opts.ortEntry, opts.provider, PROBE_MODEL_BASE64], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: probeChildEnv(env),
      windowsHide: true,
    });
    const finish = (answer: { ok: boolean; detail: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      // a child stuck in the kernel after SIGKILL must not keep this process alive
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref();
      resolve({ ...answer, stderrLine: firstMeaningfulLine(stderr), stderr, timedOut, ms: performance.now() - started });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      graceTimer = setTimeout(() => finish(noAnswer(null, 'SIGKILL', opts.timeoutMs)), KILL_GRACE_MS);
    }, opts.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < MAX_CAPTURE) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < MAX_CAPTURE) stderr += d;
    });
    child.on('error', (err) => finish({ ok: false, detail: `the probe process could not start (${process.execPath} ${script}): ${err.message}` }));
    child.on('close', (code, signal) => finish(parseAnswer(stdout) ?? noAnswer(code, signal, timedOut ? opts.timeoutMs : undefined)));
  });
}

/** Why there is no verdict: killed after `timeoutMs` (when given), killed by a signal, or exited. */
function noAnswer(code: number | null, signal: NodeJS.Signals | null, timeoutMs: number | undefined): { ok: boolean; detail: string } {
  if (timeoutMs !== undefined) return { ok: false, detail: `no answer within ${timeoutMs} ms, so the probe process was killed (the driver may be hanging)` };
  if (signal !== null) return { ok: false, detail: `the probe process was killed by ${signal} (a crash in the provider or its driver)` };
  return { ok: false, detail: `the probe process exited with code ${code ?? 'unknown'} without an answer` };
}
