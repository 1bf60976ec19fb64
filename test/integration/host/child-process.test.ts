import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { CrashReport } from '../../../src-main/engine/hosting/host.ts';
import type { ProcessHost } from '../../../src-main/engine/hosting/process-host.ts';
import { WORKER_V8_FLAGS } from '../../../src-main/engine/hosting/process-host.ts';
import type { EngineEvent } from '../../../src-main/engine/hosting/protocol.ts';
import { EngineCallError } from '../../../src-main/engine/hosting/protocol.ts';
import { TINY_MODEL, tsxChildHost } from './helpers.ts';

let host: ProcessHost | null = null;
afterEach(async () => {
  await host?.dispose();
  host = null;
});

function txt2imgInput(over: Record<string, unknown> = {}) {
  return {
    modelDir: TINY_MODEL,
    prompt: 'a small red square',
    negativePrompt: '',
    steps: 3,
    seed: 7,
    batchSize: 1,
    batchCount: 1,
    provider: 'cpu' as const,
    previewEvery: 1,
    ...over,
  };
}

describe('engine in a Node child process', () => {
  it('answers calls from another process', async () => {
    host = tsxChildHost();
    const info = await host.invoke('info', {});
    expect(info.pid).not.toBe(process.pid);
    expect(info.pid).toBe(host.pid());
    expect(info.providers.find((p) => p.id === 'cpu')).toMatchObject({ bundled: true, works: true });
    const registry = await host.invoke('registry', {});
    expect(registry.samplers.map((s) => s.id)).toContain('euler');
  });

  it.runIf(process.platform === 'linux')('starts the engine with the young-generation cap (a flat RSS over many images)', async () => {
    host = tsxChildHost();
    const { pid } = await host.invoke('info', {});
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    for (const flag of WORKER_V8_FLAGS) expect(argv).toContain(flag);
  });

  it('keeps error codes across the process boundary', async () => {
    host = tsxChildHost();
    const err = await host.invoke('txt2img', txt2imgInput({ sampler: 'no-such-sampler' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineCallError);
    expect((err as EngineCallError).code).toBe('BAD_INPUT');
    expect((err as EngineCallError).message).toMatch(/no-such-sampler/);
  });

  it('runs txt2img with step events, previews and PNG bytes crossing intact', async () => {
    host = tsxChildHost();
    const events: EngineEvent[] = [];
    const out = await host.invoke('txt2img', txt2imgInput(), { onEvent: (e) => events.push(e) });
    expect(out.images).toBe(1);
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.map((s) => s.step).sort()).toEqual([1, 2, 3]);
    expect(steps.every((s) => s.previewDataUrl?.startsWith('data:image/png;base64,'))).toBe(true);
    const image = events.find((e) => e.type === 'image');
    expect(image?.type === 'image' && image.png).toBeInstanceOf(Uint8Array);
    if (image?.type !== 'image') throw new Error('no image event');
    expect([...image.png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(image.parameters).toMatch(/Seed: 7/);
  });

  it('cancels a running call when its signal aborts', async () => {
    host = tsxChildHost();
    const controller = new AbortController();
    let seen = 0;
    const run = host.invoke('txt2img', txt2imgInput({ steps: 200, previewEvery: 0 }), {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'step' && ++seen === 2) controller.abort();
      },
    });
    const err = await run.catch((e: unknown) => e);
    expect((err as EngineCallError).code).toBe('CANCELLED');
    expect(seen).toBeLessThan(10);
    // the engine is still there for the next call
    expect((await host.invoke('info', {})).pid).toBe(host.pid());
  });

  it('cancel wins even inside a call that cannot be interrupted: the engine is stopped after the grace, a fresh one starts, no crash is reported', async () => {
    host = tsxChildHost();
    const first = (await host.invoke('info', {})).pid;
    const crashes: CrashReport[] = [];
    host.onCrash((r) => crashes.push(r));
    const controller = new AbortController();
    // holds the engine's thread for a minute, reading no messages: a long native model call
    const busy = host.invoke('debugBusy', { ms: 60_000 }, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    controller.abort();
    const err = (await busy.catch((e: unknown) => e)) as EngineCallError;
    expect(err.code).toBe('CANCELLED');
    expect(err.message).toMatch(/^cancelled: the engine was inside a model call that cannot be interrupted, so after 1 s it was stopped and a fresh one started/);
    // not the minute the call would have taken (a loose bound: a busy machine is slow to start processes)
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(crashes).toEqual([]);
    const second = (await host.invoke('info', {})).pid;
    expect(second).not.toBe(first);
    expect(second).toBe(host.pid());
  });

  it('survives the engine process dying: pending calls fail, a fresh process starts', async () => {
    host = tsxChildHost();
    const first = (await host.invoke('info', {})).pid;
    const crashes: CrashReport[] = [];
    host.onCrash((r) => crashes.push(r));
    const pending = host.invoke('txt2img', txt2imgInput({ steps: 500, previewEvery: 0 }));
    await host.invoke('debugExit', { code: 70 });
    const err = await pending.catch((e: unknown) => e);
    expect((err as EngineCallError).code).toBe('ENGINE_CRASHED');
    expect((err as EngineCallError).message).toMatch(/exit code 70/);
    expect(crashes).toHaveLength(1);
    expect(crashes[0]).toMatchObject({ pid: first, restarted: true });
    const second = (await host.invoke('info', {})).pid;
    expect(second).not.toBe(first);
    expect(second).toBe(host.pid());
  });

  it('refuses the debug exit without REVERIE_DEBUG_CALLS=1', async () => {
    host = tsxChildHost({ REVERIE_DEBUG_CALLS: '0' });
    const err = await host.invoke('debugExit', { code: 1 }).catch((e: unknown) => e);
    expect((err as EngineCallError).code).toBe('BAD_INPUT');
    expect((await host.invoke('info', {})).pid).toBe(host.pid());
  });
});
