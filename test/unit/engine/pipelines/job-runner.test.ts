import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../../src-main/engine/jobs/events.ts';
import { JobRunner, toJobError } from '../../../../src-main/engine/jobs/runner.ts';
import { CancelledError, EngineError } from '../../../../src-main/engine/types.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Work that reports 3 steps, waiting on `gate` before finishing, and honours its signal. */
function steppingWork(gate: Promise<void>, log: string[], name: string) {
  return async (ctx: { signal: AbortSignal; progress: (s: number, t: number, eta?: number | null) => void; step: (p: { i: number }) => void }) => {
    log.push(`${name}:start`);
    for (let i = 0; i < 3; i++) {
      if (ctx.signal.aborted) throw new CancelledError();
      ctx.step({ i });
      ctx.progress(i + 1, 3, (2 - i) * 10);
      if (i === 1) await gate;
    }
    log.push(`${name}:end`);
    return `${name}-result`;
  };
}

describe('JobRunner', () => {
  it('runs jobs one at a time in order with typed events', async () => {
    const runner = new JobRunner();
    const log: string[] = [];
    const events: JobEvent<string, { i: number }>[] = [];
    const g1 = deferred();
    const a = runner.submit(steppingWork(g1.promise, log, 'a'), (e) => events.push(e));
    const b = runner.submit(steppingWork(Promise.resolve(), log, 'b'), (e) => events.push(e));
    expect(runner.pending).toBe(1);
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual(['a:start']); // b waits for a
    g1.resolve();
    expect(await a.result).toBe('a-result');
    expect(await b.result).toBe('b-result');
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end']);
    const forA = events.filter((e) => e.jobId === a.id).map((e) => e.type);
    expect(forA).toEqual(['queued', 'started', 'step', 'progress', 'step', 'progress', 'step', 'progress', 'done']);
    expect(events.find((e) => e.jobId === b.id && e.type === 'queued')).toEqual({ type: 'queued', jobId: b.id, position: 1 });
    expect(events.find((e) => e.type === 'progress')).toEqual({ type: 'progress', jobId: a.id, step: 1, total: 3, etaMs: 20 });
    expect(events.find((e) => e.type === 'done' && e.jobId === b.id)).toEqual({ type: 'done', jobId: b.id, result: 'b-result' });
  });

  it('cancelling the running job aborts its signal and ends it with a CANCELLED error event', async () => {
    const runner = new JobRunner();
    const gate = deferred();
    const events: JobEvent[] = [];
    const job = runner.submit(steppingWork(gate.promise, [], 'a'), (e) => events.push(e));
    await new Promise((r) => setTimeout(r, 5));
    job.cancel();
    gate.resolve();
    await expect(job.result).rejects.toBeInstanceOf(CancelledError);
    expect(events.at(-1)).toEqual({ type: 'error', jobId: job.id, error: { code: 'CANCELLED', message: 'cancelled' } });
    expect(events.filter((e) => e.type === 'step')).toHaveLength(2);
  });

  it('cancelling a queued job removes it without starting it; the next one still runs', async () => {
    const runner = new JobRunner();
    const gate = deferred();
    const log: string[] = [];
    const a = runner.submit(steppingWork(gate.promise, log, 'a'));
    const b = runner.submit(steppingWork(Promise.resolve(), log, 'b'));
    const c = runner.submit(steppingWork(Promise.resolve(), log, 'c'));
    expect(runner.cancel(b.id)).toBe(true);
    expect(runner.cancel('nope')).toBe(false);
    gate.resolve();
    await a.result;
    await expect(b.result).rejects.toBeInstanceOf(CancelledError);
    await c.result;
    expect(log).toEqual(['a:start', 'a:end', 'c:start', 'c:end']);
  });

  it('a failing job reports its EngineError code and message, and the queue goes on', async () => {
    const runner = new JobRunner();
    const events: JobEvent[] = [];
    const bad = runner.submit(() => Promise.reject(new EngineError('BAD_INPUT', 'steps must be a whole number from 1 to 1000, got 0')), (e) => events.push(e));
    const good = runner.submit(() => Promise.resolve(42));
    await expect(bad.result).rejects.toThrow(/steps must be/);
    expect(await good.result).toBe(42);
    expect(events.at(-1)).toEqual({ type: 'error', jobId: bad.id, error: { code: 'BAD_INPUT', message: 'steps must be a whole number from 1 to 1000, got 0' } });
  });

  it('toJobError maps unknown errors to INTERNAL', () => {
    expect(toJobError(new TypeError('x is undefined'))).toEqual({ code: 'INTERNAL', message: 'x is undefined' });
    expect(toJobError('plain')).toEqual({ code: 'INTERNAL', message: 'plain' });
  });
});
