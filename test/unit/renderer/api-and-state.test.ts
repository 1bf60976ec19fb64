import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessHost } from '../../../src-main/engine/hosting/host.ts';
import { createEngineService } from '../../../src-main/engine/service.ts';
import { CALL_NAMES } from '../../../src-main/ipc/names.ts';
import type { EventName } from '../../../src-main/ipc/names.ts';
import { ApiClientError, createApi } from '../../../src-renderer/src/lib/api/client.ts';
import type { Transport } from '../../../src-renderer/src/lib/api/client.ts';
import { SystemState } from '../../../src-renderer/src/lib/state/system.svelte.ts';
import { TINY_MODEL, makeTestBackend } from '../../integration/host/helpers.ts';
import type { TestBackend } from '../../integration/host/helpers.ts';

let t: TestBackend;

/** The same Transport the renderer uses, over the real dispatcher and event bus instead of IPC/HTTP. */
function directTransport(tb: TestBackend): Transport {
  return {
    call: async (name, request) => {
      const envelope = await tb.dispatch(name, request);
      if (envelope.ok) return envelope.result;
      throw new ApiClientError(envelope.error);
    },
    subscribe: (listener) => tb.backend.events.subscribe((name: EventName, payload) => listener(name, payload)),
  };
}

beforeAll(async () => {
  t = await makeTestBackend(new InProcessHost(createEngineService({ isolated: false })));
});
afterAll(async () => {
  await t.close();
});

describe('renderer API client', () => {
  it('has one function per contract call, grouped by namespace', () => {
    const api = createApi(directTransport(t), 'browser');
    for (const name of CALL_NAMES) {
      const [ns, method] = name.split('.');
      expect(typeof (api as unknown as Record<string, Record<string, unknown>>)[ns][method], name).toBe('function');
    }
    expect(api.mode).toBe('browser');
  });

  it('returns results, throws ApiClientError with the contract code, and delivers events', async () => {
    const api = createApi(directTransport(t), 'browser');
    expect((await api.settings.get()).provider).toBe('cpu');
    const err = await api.gallery.get({ id: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiClientError);
    expect((err as ApiClientError).code).toBe('NOT_FOUND');
    const seen: number[] = [];
    const off = api.on('settings.changed', (p) => seen.push(p.settings.previewEvery));
    await api.settings.set({ patch: { previewEvery: 4 } });
    off();
    await api.settings.set({ patch: { previewEvery: 5 } });
    expect(seen).toEqual([4]);
  });
});

describe('SystemState', () => {
  it('loads system info and models, derives working providers and valid models', async () => {
    const state = new SystemState(createApi(directTransport(t), 'browser'));
    expect(state.infoStatus).toBe('idle');
    const loading = state.load();
    expect(state.infoStatus).toBe('loading');
    await loading;
    expect(state.infoStatus).toBe('ready');
    expect(state.workingProviders.map((p) => p.id)).toContain('cpu');
    expect(state.workingProviders.every((p) => p.works)).toBe(true);
    expect(state.validModels.map((m) => m.id)).toContain(TINY_MODEL);
    expect(state.models.some((m) => !m.valid && m.problems.length > 0)).toBe(true);
    expect(state.modelRoots.length).toBeGreaterThanOrEqual(2);
  });

  it('reports failures in plain words instead of throwing', async () => {
    const broken: Transport = { call: () => Promise.reject(new ApiClientError({ code: 'NETWORK', message: 'Reverie is not reachable' })), subscribe: () => () => undefined };
    const state = new SystemState(createApi(broken, 'browser'));
    await state.load();
    expect(state.infoStatus).toBe('error');
    expect(state.infoError).toBe('Reverie is not reachable');
    expect(state.modelsError).toBe('Reverie is not reachable');
  });
});
