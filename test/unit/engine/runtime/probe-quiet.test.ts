/**
 * `reverie generate` with the default `--provider auto` as users run it (a child process of bin.mjs):
 * the provider probe's native noise (Dawn's "Couldn't load Vulkan" on machines without Vulkan) must not
 * reach the terminal, and a machine without a working GPU provider gets one plain note.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeProviders } from '../../../../src-main/engine/runtime/ort.ts';
import { REPO, runCli } from '../../../helpers/cli.ts';
import type { CliRun } from '../../../helpers/cli.ts';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'models', 'sd15-script');

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-probe-cli-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

const reverie = (args: string[]): Promise<CliRun> => runCli(args, { cwd: tmp });

describe('reverie generate --provider auto', () => {
  it('keeps the probe’s native stderr out of the terminal and says plainly when it uses the CPU', async () => {
    const r = await reverie(['generate', '--model', FIXTURE, '--prompt', 'a red cat', '--steps', '2', '--seed', '1', '--width', '64', '--height', '64', '--out', 'auto.png']);
    expect(r.code).toBe(0);
    expect((await stat(path.join(tmp, 'auto.png'))).size).toBeGreaterThan(0);
    expect(r.stderr).not.toMatch(/Couldn't load Vulkan|libvulkan|BackendVk|dawn/i);
    const statuses = await probeProviders();
    const gpuWorks = statuses.some((s) => s.id !== 'cpu' && s.works);
    const gpuBundled = statuses.some((s) => s.id !== 'cpu' && s.bundled);
    if (!gpuWorks && gpuBundled) {
      // progress lines, then one note; no native warnings
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines.filter((l) => l.startsWith('note:'))).toHaveLength(1);
      expect(lines.at(-1)).toMatch(/^note: no GPU provider is available on this machine \(\w+: [^)]+\); using CPU$/);
      expect(lines.filter((l) => /warning/i.test(l))).toEqual([]);
      if (statuses.find((s) => s.id === 'webgpu')?.detail.includes('No supported adapters')) expect(r.stderr).toContain('webgpu: no adapter');
    }
  });
});
