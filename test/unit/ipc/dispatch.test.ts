import { describe, expect, it } from 'vitest';
import type { CallName } from '../../../src-main/ipc/contract.ts';
import { createDispatcher } from '../../../src-main/ipc/dispatch.ts';
import type { Handlers } from '../../../src-main/ipc/dispatch.ts';
import { ApiCallError } from '../../../src-main/ipc/errors.ts';
import { EngineError } from '../../../src-main/engine/types.ts';
import { CALL_NAMES } from '../../../src-main/ipc/names.ts';

const unexpected = (name: CallName) => () => Promise.reject(new Error(`${name} was not expected to run`));

function handlers(over: Partial<Record<CallName, (req: never) => Promise<unknown>>>): Handlers {
  const all = Object.fromEntries(CALL_NAMES.map((n) => [n, over[n] ?? unexpected(n)]));
  return all as unknown as Handlers;
}

describe('dispatcher', () => {
  it('answers unknown calls with UNKNOWN_CALL', async () => {
    const dispatch = createDispatcher(handlers({}));
    expect(await dispatch('system.shutdown', {})).toEqual({ ok: false, error: { code: 'UNKNOWN_CALL', message: 'There is no call named "system.shutdown".' } });
  });

  it('validates requests before any handler runs, naming the field', async () => {
    const dispatch = createDispatcher(handlers({}));
    const res = await dispatch('jobs.cancel', { jobId: '../../etc/passwd' });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe('BAD_REQUEST');
    expect(res.error.message).toMatch(/jobs\.cancel.*jobId/s);
  });

  it('passes the parsed request (defaults applied) and returns the validated result', async () => {
    let seen: unknown;
    const dispatch = createDispatcher(handlers({ 'gallery.list': (req) => ((seen = req), Promise.resolve({ items: [], total: 0, models: [] })) }));
    expect(await dispatch('gallery.list', undefined)).toEqual({ ok: true, result: { items: [], total: 0, models: [] } });
    expect(seen).toEqual({ offset: 0, limit: 200 });
  });

  it('keeps error codes of handler and engine errors', async () => {
    const dispatch = createDispatcher(
      handlers({
        'gallery.get': () => Promise.reject(new ApiCallError('NOT_FOUND', 'no such item', { id: 'x' })),
        'engine.samplers': () => Promise.reject(new EngineError('MODEL_INVALID', 'bad model')),
        'jobs.list': () => Promise.reject(new TypeError('boom')),
      }),
    );
    expect(await dispatch('gallery.get', { id: 'x' })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'no such item', details: { id: 'x' } } });
    expect(await dispatch('engine.samplers', {})).toEqual({ ok: false, error: { code: 'MODEL_INVALID', message: 'bad model' } });
    expect(await dispatch('jobs.list', {})).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'TypeError: boom' } });
  });

  it('refuses to send a response that breaks the contract', async () => {
    const dispatch = createDispatcher(handlers({ 'jobs.remove': () => Promise.resolve({ removed: 'yes' }) }));
    const res = await dispatch('jobs.remove', { jobId: 'job-1' });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/breaks the contract/) });
  });
});
