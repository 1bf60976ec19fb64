import { build } from 'esbuild';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CALL_NAMES, IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../../src-main/ipc/names.ts';
import type { ReverieBridge } from '../../../src-main/ipc/contract.ts';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');

/** Bundles the preload as the build does and runs it in a VM with a recording stand-in for 'electron'. */
async function runPreload() {
  const out = await build({ entryPoints: [path.join(repo, 'src-main/preload/index.ts')], bundle: true, platform: 'node', format: 'cjs', external: ['electron'], write: false, logLevel: 'silent' });
  const code = out.outputFiles[0].text;
  const required: string[] = [];
  const exposed = new Map<string, unknown>();
  const invoked: unknown[][] = [];
  const listeners = new Map<string, (...args: unknown[]) => void>();
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
    ipcRenderer: {
      invoke: (...args: unknown[]) => (invoked.push(args), Promise.resolve({ ok: true, result: 'r' })),
      on: (channel: string, fn: (...args: unknown[]) => void) => listeners.set(channel, fn),
      removeListener: (channel: string) => listeners.delete(channel),
    },
    webUtils: { getPathForFile: (file: { name?: string }) => (file.name === 'on-disk.safetensors' ? '/home/ana/on-disk.safetensors' : '') },
  };
  const module = { exports: {} };
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`the sandboxed preload cannot require ${name}`);
  };
  vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports });
  return { code, required, exposed, invoked, listeners };
}

describe('preload', () => {
  it('needs nothing but electron (it runs sandboxed)', async () => {
    const { required } = await runPreload();
    expect([...new Set(required)]).toEqual(['electron']);
  });

  it('exposes one function per call as window.reverie, and never ipcRenderer', async () => {
    const { exposed, invoked, code } = await runPreload();
    expect([...exposed.keys()]).toEqual(['reverie']);
    const bridge = exposed.get('reverie') as ReverieBridge;
    expect(Object.keys(bridge).sort()).toEqual(['calls', 'pathForFile', 'subscribe', 'version']);
    expect(Object.keys(bridge.calls).sort()).toEqual([...CALL_NAMES].sort());
    for (const name of CALL_NAMES) expect(typeof bridge.calls[name]).toBe('function');
    expect(await bridge.calls['models.list']({ refresh: true })).toEqual({ ok: true, result: 'r' });
    expect(invoked).toEqual([[IPC_CALL_CHANNEL, 'models.list', { refresh: true }]]);
    expect(JSON.stringify(Object.values(bridge))).not.toMatch(/ipcRenderer|invoke/);
    expect(code).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/);
  });

  it('tells a dropped file\'s path through webUtils.getPathForFile, and nothing else about the file', async () => {
    const { exposed } = await runPreload();
    const bridge = exposed.get('reverie') as ReverieBridge;
    expect(bridge.pathForFile?.({ name: 'on-disk.safetensors' })).toBe('/home/ana/on-disk.safetensors');
    expect(bridge.pathForFile?.({ name: 'made-in-memory.png' })).toBe('');
  });

  it('forwards only known events and unsubscribes', async () => {
    const { exposed, listeners } = await runPreload();
    const bridge = exposed.get('reverie') as ReverieBridge;
    const got: unknown[] = [];
    const off = bridge.subscribe((name, payload) => got.push([name, payload]));
    const forward = listeners.get(IPC_EVENT_CHANNEL);
    forward?.({}, 'job.started', { jobId: 'j' });
    forward?.({}, 'not.an.event', {});
    expect(got).toEqual([['job.started', { jobId: 'j' }]]);
    off();
    expect(listeners.has(IPC_EVENT_CHANNEL)).toBe(false);
  });
});
