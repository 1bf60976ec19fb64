/**
 * The execution-provider probe in a child process: the real probe script (from the sources and as
 * esbuild bundles it), stderr captured instead of printed, and stand-in scripts for a driver that
 * hangs, crashes or exits without an answer.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN_ENTRIES, MAIN_EXTERNALS } from '../../../../src-main/build/build.mjs';
import { plainReason, probeProviders } from '../../../../src-main/engine/runtime/ort.ts';
import { firstMeaningfulLine, probeChildEnv, probeScriptBeside, probeScriptPath, runProbe } from '../../../../src-main/engine/runtime/probe.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const ORT_ENTRY = createRequire(import.meta.url).resolve('onnxruntime-node');

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-probe-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** A stand-in probe script: writes its pid to `<name>.pid`, then runs `body`. */
async function script(name: string, body: string): Promise<string> {
  const file = path.join(tmp, `${name}.mjs`);
  await writeFile(file, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(`${file}.pid`)}, String(process.pid));\n${body}\n`);
  return file;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether the dynamic loader knows a Vulkan loader (Linux): without one Dawn prints "Couldn't load Vulkan". */
function hasVulkanLoader(): boolean {
  try {
    return /libvulkan\.so\.1/.test(execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }));
  } catch {
    return true; // cannot tell: assume it might be there
  }
}

describe('firstMeaningfulLine', () => {
  it("keeps Dawn's message without the Warning prefix and skips blank lines and stack frames", () => {
    const dawn = "\n  Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory\n    at operator() (/build/Release/_deps/dawn-src/src/dawn/native/vulkan/BackendVk.cpp:368)\n\n";
    expect(firstMeaningfulLine(dawn)).toBe("Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory");
    expect(firstMeaningfulLine('    at x (y.cc:1)\n-----\n2025-03-01 10:00:00.123 [W:onnxruntime:, session_state.cc:1168 VerifyEachNodeIsAssignedToAnEp] Some nodes were not assigned')).toBe(
      'Some nodes were not assigned',
    );
    expect(firstMeaningfulLine('')).toBe('');
    const thrown = "node:internal/modules/cjs/loader:1210\n  throw err;\n  ^\n\nError: Cannot find module '/x/probe.mjs'\n    at Module._resolveFilename (node:internal/modules/cjs/loader:1207:15)\n";
    expect(firstMeaningfulLine(thrown)).toBe("Cannot find module '/x/probe.mjs'");
    expect(firstMeaningfulLine('file:///x/probe.mjs:3\nfoo(\n^\n\nTypeError [ERR_X]: bad thing\n')).toBe('TypeError [ERR_X]: bad thing');
    expect(firstMeaningfulLine(`x${'y'.repeat(400)}`)).toHaveLength(200);
  });
});

describe('where the probe script is', () => {
  it('is probe-script.mjs beside the sources and probe-script.cjs beside a bundle; REVERIE_PROBE_SCRIPT overrides', () => {
    expect(probeScriptPath({})).toBe(path.join(REPO, 'src-main', 'engine', 'runtime', 'probe-script.mjs'));
    expect(probeScriptBeside('/opt/reverie/dist/main/engine-worker.cjs')).toBe(path.join('/opt/reverie/dist/main', 'probe-script.cjs'));
    expect(MAIN_ENTRIES['probe-script']).toBe('src-main/engine/runtime/probe-script.mjs');
    expect(probeScriptPath({ REVERIE_PROBE_SCRIPT: 'x/hang.mjs' })).toBe(path.resolve('x/hang.mjs'));
  });

  it('runs the child as Node under Electron (ELECTRON_RUN_AS_NODE), unchanged under Node', () => {
    expect(probeChildEnv({ A: '1' }, true)).toEqual({ A: '1', ELECTRON_RUN_AS_NODE: '1' });
    expect(probeChildEnv({ A: '1' }, false)).toEqual({ A: '1' });
  });
});

describe('runProbe with the real probe script', () => {
  it('runs a CPU session in a child process', async () => {
    const v = await runProbe({ ortEntry: ORT_ENTRY, provider: 'cpu', timeoutMs: 20_000 });
    expect(v).toMatchObject({ ok: true, detail: 'a test session ran', timedOut: false });
    expect(v.ms).toBeGreaterThan(0);
  });

  it('reports an unknown provider with ONNX Runtime’s own message', async () => {
    const v = await runProbe({ ortEntry: ORT_ENTRY, provider: 'no-such-ep', timeoutMs: 20_000 });
    expect(v.ok).toBe(false);
    expect(v.detail).toMatch(/no-such-ep/);
  });

  it('works the same when esbuild has turned it into CommonJS (dist/main/probe-script.cjs)', async () => {
    const esbuild = await import('esbuild');
    const outdir = path.join(tmp, 'dist-main');
    await esbuild.build({
      absWorkingDir: REPO,
      entryPoints: { 'probe-script': MAIN_ENTRIES['probe-script'] },
      outdir,
      outExtension: { '.js': '.cjs' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: [...MAIN_EXTERNALS],
      logLevel: 'silent',
    });
    const v = await runProbe({ ortEntry: ORT_ENTRY, provider: 'cpu', timeoutMs: 20_000, script: path.join(outdir, 'probe-script.cjs') });
    expect(v).toMatchObject({ ok: true, detail: 'a test session ran' });
  });
});

describe('runProbe with a misbehaving driver', () => {
  it('kills a probe that hangs (even one ignoring SIGTERM) within the timeout and reports it with its stderr', async () => {
    const hang = await script('hang', "process.on('SIGTERM', () => {});\nprocess.stderr.write('\\nWarning: stuck in the driver\\n    at wait (gpu.cc:1)\\n');\nsetInterval(() => {}, 1000);");
    const started = Date.now();
    const v = await runProbe({ ortEntry: ORT_ENTRY, provider: 'webgpu', timeoutMs: 1500, script: hang });
    const elapsed = Date.now() - started;
    expect(v.ok).toBe(false);
    expect(v.timedOut).toBe(true);
    expect(v.detail).toBe('no answer within 1500 ms, so the probe process was killed (the driver may be hanging)');
    expect(v.stderrLine).toBe('stuck in the driver');
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(1500 + 1000 + 2000); // timeout + kill grace + a loaded machine
    const pid = Number(await readFile(`${hang}.pid`, 'utf8'));
    expect(alive(pid)).toBe(false);
  });

  it('reports a crash by its signal and an exit without an answer by its code', async () => {
    const crash = await script('crash', "process.stderr.write('driver assertion failed: queue lost\\n');\nprocess.kill(process.pid, 'SIGKILL');");
    const v = await runProbe({ ortEntry: ORT_ENTRY, provider: 'webgpu', timeoutMs: 20_000, script: crash });
    expect(v).toMatchObject({ ok: false, timedOut: false, stderrLine: 'driver assertion failed: queue lost' });
    expect(v.detail).toBe('the probe process was killed by SIGKILL (a crash in the provider or its driver)');
    const quit = await script('quit', 'process.exit(3);');
    const q = await runProbe({ ortEntry: ORT_ENTRY, provider: 'webgpu', timeoutMs: 20_000, script: quit });
    expect(q.detail).toBe('the probe process exited with code 3 without an answer');
    const missing = await runProbe({ ortEntry: ORT_ENTRY, provider: 'webgpu', timeoutMs: 20_000, script: path.join(tmp, 'no-such-script.mjs') });
    expect(missing.ok).toBe(false);
    expect(missing.stderrLine).toMatch(/Cannot find module/);
  });
});

describe('probeProviders on this machine', () => {
  it('CPU works; a bundled GPU provider that fails keeps its native stderr in the detail, not the terminal', async () => {
    const statuses = await probeProviders({ refresh: true });
    expect(statuses.find((s) => s.id === 'cpu')).toMatchObject({ bundled: true, works: true, detail: 'a test session ran' });
    const webgpu = statuses.find((s) => s.id === 'webgpu');
    if (process.platform === 'linux' && webgpu?.bundled && !hasVulkanLoader()) {
      // this development machine: no GPU, no Vulkan loader
      expect(webgpu.works).toBe(false);
      expect(webgpu.detail).toBe(
        "Failed to get a WebGPU adapter: No supported adapters; stderr: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory",
      );
      expect(plainReason(webgpu)).toBe('no adapter');
    }
  });

  it('a hanging GPU probe (REVERIE_PROBE_SCRIPT) is killed and reported; the CPU verdict is unaffected', async () => {
    const gpu = (await probeProviders()).filter((s) => s.bundled && s.id !== 'cpu');
    if (gpu.length === 0) return; // no GPU provider bundled on this platform: nothing is probed in a child
    const hang = await script('hang-all', "process.stderr.write('stuck\\n');\nsetInterval(() => {}, 1000);");
    process.env.REVERIE_PROBE_SCRIPT = hang;
    try {
      const started = Date.now();
      const statuses = await probeProviders({ refresh: true, timeoutMs: 1000 });
      // killed at the 1 s timeout, not left to hang (the margin is for a busy machine; a hang would never end)
      expect(Date.now() - started).toBeLessThan(1000 + 10_000);
      expect(statuses.find((s) => s.id === 'cpu')?.works).toBe(true);
      for (const g of gpu) {
        const s = statuses.find((x) => x.id === g.id);
        expect(s).toMatchObject({ works: false, detail: 'no answer within 1000 ms, so the probe process was killed (the driver may be hanging); stderr: stuck' });
        expect(plainReason(s ?? g)).toBe('the probe timed out');
      }
    } finally {
      delete process.env.REVERIE_PROBE_SCRIPT;
      await probeProviders({ refresh: true });
    }
  });
});
