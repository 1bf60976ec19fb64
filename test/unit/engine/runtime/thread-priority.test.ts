/**
 * runtime/thread-priority.ts: the noise thread lowers its own priority, not the process's. Read back from
 * /proc/<pid>/task/<tid>/stat (field 19 is the nice value) on Linux, where it applies.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { HELPER_NICE, currentThreadId } from '../../../../src-main/engine/runtime/thread-priority.ts';

/** a thread's nice value from its stat line (fields after the parenthesised name: state is field 3) */
function niceOf(tid: number): number {
  const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[19 - 3]);
}

describe.skipIf(process.platform !== 'linux')('thread priority (Linux)', () => {
  it('lowers the calling thread alone: a worker runs at HELPER_NICE, the JavaScript thread keeps its own', async () => {
    const mine = currentThreadId();
    expect(mine).toBe(process.pid); // the main thread's id is the process id
    const before = niceOf(process.pid);
    const url = new URL('../../../../src-main/engine/runtime/thread-priority.ts', import.meta.url).href;
    // the worker lowers itself and reports its thread id; tsx compiles the module inside it
    const worker = new Worker(
      `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); }).then((m) => {
         const ok = m.lowerThreadPriority();
         require('node:worker_threads').parentPort.postMessage({ ok, tid: m.currentThreadId() });
       });`,
      { eval: true },
    );
    try {
      const reply = await new Promise<{ ok: boolean; tid: number }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(reply.ok).toBe(true);
      expect(reply.tid).not.toBe(process.pid);
      expect(niceOf(reply.tid)).toBe(Math.max(before, HELPER_NICE));
      expect(niceOf(process.pid)).toBe(before);
    } finally {
      await worker.terminate();
    }
  });
});
