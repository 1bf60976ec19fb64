/** playground.run over the real backend and dispatcher (in-process engine): defaults, the response contract, bad requests. */
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessHost } from '../../../src-main/engine/hosting/host.ts';
import { createEngineService } from '../../../src-main/engine/service.ts';
import type { PlaygroundRun } from '../../../src-main/ipc/contract.ts';
import { makeTestBackend } from '../../integration/host/helpers.ts';
import type { TestBackend } from '../../integration/host/helpers.ts';

let tb: TestBackend | null = null;
afterEach(async () => {
  await tb?.close();
  tb = null;
});

describe('playground.run', () => {
  it('answers with frames, two runs, paths and (on request) the quality sweep, within the contract', async () => {
    tb = await makeTestBackend(new InProcessHost(createEngineService({ isolated: false })));
    const r = (await tb.call('playground.run', { data: 'moons', process: 'flow', sampler: 'dpmpp_2m', steps: 6, count: 120, trace: 40, seed: 2, sweep: true })) as PlaygroundRun;
    expect(r.process).toBe('flow');
    expect(r.fieldKind).toBe('velocity');
    expect(r.runs.map((x) => x.sampler)).toEqual(['dpmpp_2m', 'euler_maruyama']);
    expect(r.runs[0].points).toHaveLength(120);
    expect(r.runs[0].frames[0]).toHaveLength(40);
    expect(r.quality?.curves.length).toBeGreaterThan(0);
    expect(r.samplers.map((s) => s.id)).toContain('ddpm');
    const d = (await tb.call('playground.run')) as PlaygroundRun;
    expect([d.data, d.process, d.runs[0].sampler, d.runs[0].points.length, d.quality]).toEqual(['two', 'vp', 'euler', 500, null]);
  });

  it('user points become the data; bad requests are refused with what to fix', async () => {
    tb = await makeTestBackend(new InProcessHost(createEngineService({ isolated: false })));
    const r = (await tb.call('playground.run', { data: 'points', userPoints: [[0, 0], [2, 1]], steps: 4, count: 20, trace: 5 })) as PlaygroundRun;
    expect(r.components.map((c) => c.mean)).toEqual([[0, 0], [2, 1]]);
    await expect(tb.call('playground.run', { data: 'points' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/at least one point/) });
    await expect(tb.call('playground.run', { process: 'edm' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(tb.call('playground.run', { sampler: 'plms' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/unknown sampler "plms"/) });
  });
});
