// The dependency rules of `npm run deps` (src-main/build/dependency-rules.cjs) on small trees written
// for the test: each rule fires on the import it forbids, and a clean tree passes.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const run = promisify(execFile);
let dir = '';

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

/** Writes the files into a fresh folder (with a tsconfig like the repo's), cruises it, returns the rules that fired. */
async function violations(files: Record<string, string>): Promise<string[]> {
  dir = await mkdtemp(path.join(tmpdir(), 'reverie-deps-'));
  const all = { 'tsconfig.json': '{ "compilerOptions": { "allowImportingTsExtensions": true, "module": "NodeNext", "noEmit": true } }', ...files };
  for (const [rel, text] of Object.entries(all)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  const bin = path.join(repo, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  const config = path.join(repo, 'src-main', 'build', 'dependency-rules.cjs');
  const roots = ['src-main', 'src-renderer'].filter((r) => Object.keys(files).some((f) => f.startsWith(r)));
  const { stdout } = await run(process.execPath, [bin, '--config', config, '--output-type', 'json', ...roots], { cwd: dir }).catch(
    (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
  );
  const report = JSON.parse(stdout) as { summary: { violations: { rule: { name: string } }[] } };
  return [...new Set(report.summary.violations.map((v) => v.rule.name))].sort();
}

describe('dependency rules (npm run deps)', () => {
  it('passes a tree that only imports downwards', async () => {
    expect(
      await violations({
        'src-main/engine/pipelines/a.ts': "import { b } from '../samplers/b.ts';\nexport const a = b;\n",
        'src-main/engine/samplers/b.ts': 'export const b = 1;\n',
      }),
    ).toEqual([]);
  }, 30_000);

  it('finds an import circle, type-only imports included', async () => {
    expect(
      await violations({
        'src-main/engine/jobs/a.ts': "import type { B } from './b.ts';\nexport interface A { b?: B }\n",
        'src-main/engine/jobs/b.ts': "import type { A } from './a.ts';\nexport interface B { a?: A }\n",
      }),
    ).toEqual(['no-circular']);
  }, 30_000);

  it('keeps the engine below the IPC layer and hosting above the rest of the engine', async () => {
    expect(
      await violations({
        'src-main/engine/pipelines/a.ts': "import { h } from '../hosting/h.ts';\nimport { c } from '../../ipc/c.ts';\nexport const a = [h, c];\n",
        'src-main/engine/hosting/h.ts': 'export const h = 1;\n',
        'src-main/ipc/c.ts': 'export const c = 1;\n',
      }),
    ).toEqual(['engine-stays-engine', 'hosting-is-the-top-floor']);
  }, 30_000);

  it('lets the renderer reach the main side only through the contract', async () => {
    expect(
      await violations({
        'src-renderer/src/lib/api/a.ts': "import type { C } from '../../../../src-main/ipc/contract.ts';\nimport { s } from '../../../../src-main/storage/s.ts';\nexport const a: C | number = s;\n",
        'src-main/ipc/contract.ts': 'export type C = string;\n',
        'src-main/storage/s.ts': 'export const s = 1;\n',
      }),
    ).toEqual(['renderer-through-the-contract']);
  }, 30_000);
});
