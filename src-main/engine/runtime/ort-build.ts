/**
 * Builds an optimized-model cache entry (ort-cache.ts) in a short-lived child process
 * (ort-build-script.mjs, run by child-script.ts) instead of in the engine's own process. ONNX Runtime's
 * graph optimization of a full-size SD 1.5 UNet frees more than a gigabyte that glibc keeps in the
 * process's heap: a process that built its cache itself peaked 0.3–0.4 GiB higher at 512² than one that
 * only opened the cache (5315–5361 against 4976 MiB with the text encoder kept apart, models/apart.ts),
 * depending on which later allocations happened to reuse that memory. In a child it goes with the child.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { okDetail, runChildScript } from './child-script.ts';
import { scriptBeside } from './script-beside.ts';
import { firstMeaningfulLine } from './probe.ts';

const MARKER = 'REVERIE_ORT_BUILD ';
/** a build of SDXL's UNet takes minutes; this long means the child is stuck */
const BUILD_TIMEOUT_MS = 30 * 60_000;

/** The build script next to a module file: the .mjs beside the TS sources, or the .cjs beside a bundle. */
export function ortBuildScriptBeside(moduleFile: string): string {
  return scriptBeside(moduleFile, 'ort-build-script.cjs', 'ort-build-script.mjs');
}

/** The build script for this build; REVERIE_ORT_BUILD_SCRIPT names another (tests stand in a failing one). */
export function ortBuildScriptPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.REVERIE_ORT_BUILD_SCRIPT;
  return override !== undefined && override !== '' ? path.resolve(override) : ortBuildScriptBeside(fileURLToPath(import.meta.url));
}

/**
 * Creates a session for `modelPath` with `options` (ONNX Runtime's session options, as JSON) in a child process, which writes the optimized graph
 * to `outModel` (and its weights beside it, as `options` say); ok false with ONNX Runtime's words or
 * why the child gave no answer.
 */
export async function buildInChild(modelPath: string, outModel: string, options: object, script = ortBuildScriptPath()): Promise<{ ok: boolean; detail: string }> {
  const ortEntry = createRequire(import.meta.url).resolve('onnxruntime-node');
  const run = await runChildScript({ script, args: [ortEntry, modelPath, outModel, JSON.stringify(options)], marker: MARKER, timeoutMs: BUILD_TIMEOUT_MS });
  const answer = okDetail(run);
  if (answer) return answer;
  if (run.startError !== undefined) return { ok: false, detail: `the build process could not start: ${run.startError}` };
  const why = run.timedOut ? `no answer within ${BUILD_TIMEOUT_MS / 60_000} min` : run.signal !== null ? `killed by ${run.signal}` : `exited with code ${run.code ?? 'unknown'}`;
  const said = firstMeaningfulLine(run.stderr);
  return { ok: false, detail: `the build process ${why} without an answer${said ? `: ${said}` : ''}` };
}
