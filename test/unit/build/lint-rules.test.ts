import { ESLint } from 'eslint';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: repo });
});

/** Lints a snippet as if it lived at `file` (relative to the repo) and returns the layering rules that fired. */
async function layering(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repo, file) });
  const fatal = result.messages.filter((m) => m.fatal);
  if (fatal.length > 0) throw new Error(`could not parse the snippet: ${fatal[0].message}`);
  return result.messages
    .map((m) => m.ruleId ?? '')
    .filter((id) => id === '@typescript-eslint/no-restricted-imports' || id === 'no-restricted-syntax');
}

const IMPORTS = '@typescript-eslint/no-restricted-imports';

describe('import layering (eslint.config.js)', () => {
  it('keeps electron out of the engine, browser mode and storage', async () => {
    const code = "import { app } from 'electron';\nexport const n = app.name;\n";
    expect(await layering('src-main/engine/pipelines/x.ts', code)).toEqual([IMPORTS]);
    expect(await layering('src-main/server/x.ts', code)).toEqual([IMPORTS]);
    expect(await layering('src-main/storage/x.ts', code)).toEqual([IMPORTS]);
    expect(await layering('src-main/engine/hosting/x.ts', "import type { App } from 'electron';\nexport type A = App;\n")).toEqual([IMPORTS]);
    expect(await layering('src-main/app/x.ts', code)).toEqual([]);
    expect(await layering('src-main/preload/x.ts', code)).toEqual([]);
    expect(await layering('src-main/ipc/x.ts', code)).toEqual([]);
  });

  it('keeps the engine independent of app, ipc, server and preload', async () => {
    const code = "import { CALLS } from '../../ipc/contract.ts';\nexport const c = CALLS;\n";
    expect(await layering('src-main/engine/jobs/x.ts', code)).toEqual([IMPORTS]);
    expect(await layering('src-main/engine/hosting/x.ts', "import { startServer } from '../../server/http.ts';\nexport const s = startServer;\n")).toEqual([IMPORTS]);
    expect(await layering('src-main/engine/hosting/x.ts', "import { ProcessHost } from './process-host.ts';\nexport const p = ProcessHost;\n")).toEqual([]);
    expect(await layering('src-main/server/x.ts', code.replace('../../', '../'))).toEqual([]);
  });

  it('lets only engine/runtime/ort.ts import onnxruntime-node', async () => {
    const code = "import { InferenceSession } from 'onnxruntime-node';\nexport const s = InferenceSession;\n";
    expect(await layering('src-main/engine/runtime/ort.ts', code)).toEqual([]);
    expect(await layering('src-main/engine/runtime/session.ts', code)).toEqual([IMPORTS]);
    expect(await layering('src-main/engine/models/unet.ts', code)).toEqual([IMPORTS]);
    expect(await layering('src-main/app/x.ts', code)).toEqual([IMPORTS]);
  });

  it('lets the renderer reach main only through lib/api and type imports of the contract', async () => {
    const typeImport = "import type { SystemInfo } from '../../../../src-main/ipc/contract.ts';\nexport type S = SystemInfo;\n";
    const valueImport = "import { CALLS } from '../../../../src-main/ipc/contract.ts';\nexport const c = CALLS;\n";
    const engineImport = "import { SAMPLERS } from '../../../src-main/engine/samplers/registry.ts';\nexport const s = SAMPLERS;\n";
    const names = "import { CALL_NAMES } from '../../../../src-main/ipc/names.ts';\nexport const n = CALL_NAMES;\n";
    expect(await layering('src-renderer/src/lib/api/types.ts', typeImport)).toEqual([]);
    expect(await layering('src-renderer/src/lib/api/types.ts', valueImport)).toEqual([IMPORTS]);
    expect(await layering('src-renderer/src/features/x.ts', engineImport)).toEqual([IMPORTS]);
    expect(await layering('src-renderer/src/lib/api/client.ts', names)).toEqual([]);
    expect(await layering('src-renderer/src/lib/state/x.svelte.ts', names)).toEqual([IMPORTS]);
    expect(await layering('src-renderer/src/lib/x.ts', "import { readFile } from 'node:fs';\nexport const r = readFile;\n")).toEqual([IMPORTS]);
    expect(await layering('src-renderer/src/lib/x.ts', "import { ipcRenderer } from 'electron';\nexport const i = ipcRenderer;\n")).toEqual([IMPORTS]);
  });

  it('lets only lib/api touch window.reverie, in .ts and .svelte files', async () => {
    const code = 'export const bridge = window.reverie;\n';
    expect(await layering('src-renderer/src/lib/api/electron.ts', code)).toEqual([]);
    expect(await layering('src-renderer/src/features/gallery/x.ts', code)).toEqual(['no-restricted-syntax']);
    expect(await layering('src-renderer/src/lib/state/x.svelte.ts', 'export const b = globalThis.reverie;\n')).toEqual(['no-restricted-syntax']);
    const svelteFile = '<script lang="ts">\n  const bridge = window.reverie;\n  console.log(bridge);\n</script>\n';
    expect(await layering('src-renderer/src/features/x/X.svelte', svelteFile)).toEqual(['no-restricted-syntax']);
  });
});
