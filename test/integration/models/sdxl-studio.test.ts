/**
 * The studio's side of SDXL (issue 14): the backend lists the SDXL fixtures as valid models with their
 * family and defaults (through the contract's schemas), and a studio job on one ends in the gallery.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload, JobSummary, ModelReport } from '../../../src-main/ipc/contract.ts';
import { copyFixture } from '../../helpers/model-copies.ts';
import { startBackend } from '../../unit/ipc/backend-harness.ts';

let tmp = '';
let root = '';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-sdxl-studio-'));
  root = path.join(tmp, 'models');
  await copyFixture('sdxl-tiny', path.join(root, 'sdxl-tiny'));
  await copyFixture('sdxl-turbo-tiny', path.join(root, 'sdxl-turbo-tiny'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('SDXL in the studio', () => {
  it('models.list shows both folders as valid with their defaults; a txt2img job on sdxl-tiny lands in the gallery', async () => {
    const h = await startBackend({ prefix: 'reverie-sdxl-backend-', settings: { modelsDirs: [root], provider: 'cpu' } });
    try {
      const { models } = await h.call<{ models: ModelReport[] }>('models.list');
      const byName = new Map(models.map((m) => [m.name, m]));
      expect(byName.get('sdxl-tiny')).toMatchObject({ valid: true, family: 'sdxl', defaultWidth: 1024, defaultHeight: 1024, guidanceFree: false, problems: [] });
      expect(byName.get('sdxl-turbo-tiny')).toMatchObject({ valid: true, family: 'sdxl-turbo', defaultWidth: 512, defaultHeight: 512, guidanceFree: true });
      const model = byName.get('sdxl-tiny');
      const { job } = await h.call<{ job: JobSummary }>('jobs.submit', { kind: 'txt2img', params: { model: model?.id, prompt: 'a red cat', steps: 3, seed: 1, width: 128, height: 64 } });
      let end: { name: string; payload: unknown } | undefined;
      for (let i = 0; i < 1200 && !end; i++) {
        end = h.events.find((e) => (e.name === 'job.done' || e.name === 'job.error') && (e.payload as { jobId: string }).jobId === job.id);
        if (!end) await new Promise((r) => setTimeout(r, 25));
      }
      expect(end?.name, JSON.stringify((end?.payload as EventPayload<'job.error'> | undefined)?.error)).toBe('job.done');
      expect((await h.call<{ total: number }>('gallery.list')).total).toBe(1);
    } finally {
      await h.close();
    }
  });
});
