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
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, okDetail, runChildScript } from './child-script.ts';
import type { ChildRun } from './child-script.ts';
import { scriptBeside } from './script-beside.ts';

/** ONNX model: graph "probe", input x float32 [2], output y = Mul(x, x), opset 13. */
export const PROBE_MODEL_BASE64 =
  'CAcSB3JldmVyaWU6OQoOCgF4CgF4EgF5IgNNdWwSBXByb2JlWg8KAXgSCgoICAESBAoCCAJiDwoBeRIKCggIARIECgIIAkIECgAQDQ==';

const MARKER = 'REVERIE_PROBE ';

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

/** The probe's verdict from the child's answer: {ok, detail}, or why the answer is unusable. */
function verdictOf(run: ChildRun): { ok: boolean; detail: string } | undefined {
  if (run.answer === undefined) return undefined;
  return okDetail(run) ?? { ok: false, detail: `the probe process answered something unreadable: ${run.answerLine.slice(MARKER.length, MARKER.length + 120)}` };
}

/** The child's environment: under Electron, process.execPath is the Electron binary, so make it behave as Node. */
export const probeChildEnv = childEnv;

/** Runs the probe script for one provider; never rejects. */
export async function runProbe(opts: ProbeOptions): Promise<ProbeVerdict> {
  const env = opts.env ?? process.env;
  const script = opts.script ?? probeScriptPath(env);
  const run = await runChildScript({ script, args: [opts.ortEntry, opts.provider, PROBE_MODEL_BASE64], marker: MARKER, timeoutMs: opts.timeoutMs, env });
  const answer =
    run.startError !== undefined
      ? { ok: false, detail: `the probe process could not start (${process.execPath} ${script}): ${run.startError}` }
      : (verdictOf(run) ?? noAnswer(run.code, run.signal, run.timedOut ? opts.timeoutMs : undefined));
  return { ...answer, stderrLine: firstMeaningfulLine(run.stderr), stderr: run.stderr, timedOut: run.timedOut, ms: run.ms };
}

/** Why there is no verdict: killed after `timeoutMs` (when given), killed by a signal, or exited. */
function noAnswer(code: number | null, signal: NodeJS.Signals | null, timeoutMs: number | undefined): { ok: boolean; detail: string } {
  if (timeoutMs !== undefined) return { ok: false, detail: `no answer within ${timeoutMs} ms, so the probe process was killed (the driver may be hanging)` };
  if (signal !== null) return { ok: false, detail: `the probe process was killed by ${signal} (a crash in the provider or its driver)` };
  return { ok: false, detail: `the probe process exited with code ${code ?? 'unknown'} without an answer` };
}
