/**
 * An engine process killed by SIGKILL — what the system does when memory runs out — is reported as
 * running out of memory, with what to change, instead of "signal SIGKILL" (issue 18, item 6). A real
 * engine child process is killed with SIGKILL in the middle of a job.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CrashReport } from '../../../src-main/engine/hosting/host.ts';
import type { ProcessHost } from '../../../src-main/engine/hosting/process-host.ts';
import { EngineCallError } from '../../../src-main/engine/hosting/protocol.ts';
import { TINY_MODEL, tsxChildHost } from './helpers.ts';

let host: ProcessHost | null = null;
afterEach(async () => {
  await host?.dispose();
  host = null;
});

describe('engine process killed by the system', () => {
  it('SIGKILL during txt2img: ENGINE_CRASHED saying the engine ran out of memory, with advice; a fresh engine starts', async () => {
    host = tsxChildHost();
    const pid = (await host.invoke('info', {})).pid;
    const crashes: CrashReport[] = [];
    host.onCrash((r) => crashes.push(r));
    let killed = false;
    const run = host.invoke(
      'txt2img',
      { modelDir: TINY_MODEL, prompt: 'a small red square', negativePrompt: '', steps: 500, seed: 7, batchSize: 1, batchCount: 1, provider: 'cpu', previewEvery: 0 },
      {
        onEvent: (e) => {
          if (e.type === 'step' && !killed) {
            killed = true;
            process.kill(pid, 'SIGKILL');
          }
        },
      },
    );
    const err = await run.catch((e: unknown) => e);
    expect(killed).toBe(true);
    expect(err).toBeInstanceOf(EngineCallError);
    const e = err as EngineCallError;
    expect(e.code).toBe('ENGINE_CRASHED');
    expect(e.message).toBe(
      `The engine ran out of memory (killed by the system: signal SIGKILL, pid ${pid}) while running "txt2img". ` +
        'Use a smaller image size or batch size (a batch count makes more images one after another without more memory), ' +
        'or close other programs to free memory. A fresh engine process has been started; try again.',
    );
    expect(e.details).toMatchObject({ pid, signal: 'SIGKILL', outOfMemory: true });
    expect(crashes).toHaveLength(1);
    expect(crashes[0]).toMatchObject({ pid, restarted: true, error: { code: 'ENGINE_CRASHED' } });
    expect((await host.invoke('info', {})).pid).not.toBe(pid);
  });
});
