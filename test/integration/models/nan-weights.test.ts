/**
 * A damaged model (issue 18, item 10): weights rewritten to NaN in a copy of a tiny fixture. Before,
 * such a model gave solid black images and exit 0; now the run stops at the first NaN with NAN_OUTPUT,
 * naming the network and what to do — in the engine, the `reverie` command (exit 1, no PNG written)
 * and a studio job (job error with the code).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineCache } from '../../../src-main/engine/pipelines/cache.ts';
import { txt2img } from '../../../src-main/engine/pipelines/txt2img.ts';
import type { EventPayload, JobSummary, ModelReport } from '../../../src-main/ipc/contract.ts';
import { runCli } from '../../helpers/cli.ts';
import { copyFixture, poisonWeights } from '../../helpers/model-copies.ts';
import { startBackend } from '../../unit/ipc/backend-harness.ts';

let tmp = '';
let root = '';
const dirs: Record<'unet' | 'vae' | 'text', string> = { unet: '', vae: '', text: '' };

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-nan-'));
  root = path.join(tmp, 'models');
  dirs.unet = await copyFixture('sd15-script', path.join(root, 'nan-unet'));
  await poisonWeights(dirs.unet, 'unet', (name) => name === 'log_sigmas');
  dirs.vae = await copyFixture('sd15-script', path.join(root, 'nan-vae'));
  await poisonWeights(dirs.vae, 'vae_decoder', (_name, dims) => dims.length === 4); // the 1×1 conv's weight
  dirs.text = await copyFixture('sd15-script', path.join(root, 'nan-text'));
  await poisonWeights(dirs.text, 'text_encoder', (_name, dims) => dims.length === 2 && dims[1] === 4); // the word rows
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

const ARGS_PARAMS = { prompt: 'a red cat', steps: 3, seed: 1, width: 64, height: 64, provider: 'cpu' as const };
const ARGS = ['--prompt', 'a red cat', '--steps', '3', '--seed', '1', '--width', '64', '--height', '64', '--provider', 'cpu'];

describe('NaN weights', () => {
  it('fail the first run with NAN_OUTPUT, naming the network that produced them', async () => {
    const cache = new PipelineCache();
    try {
      const run = (modelDir: string) => txt2img({ modelDir, ...ARGS_PARAMS }, { cache });
      await expect(run(dirs.unet)).rejects.toMatchObject({
        code: 'NAN_OUTPUT',
        message: expect.stringMatching(/^unet\/model\.onnx produced NaN or infinite values at sigma [\d.]+ \(out_sample \[2, 4, 8, 8\]: all 512 values are NaN\).*re-download or re-export the model, or try a float32 export/),
      });
      await expect(run(dirs.vae)).rejects.toMatchObject({
        code: 'NAN_OUTPUT',
        message: expect.stringMatching(/^vae_decoder\/model\.onnx produced NaN .*\(sample \[1, 3, 64, 64\]: all 12288 values are NaN\).*use a float32 VAE export/),
      });
      await expect(run(dirs.text)).rejects.toMatchObject({ code: 'NAN_OUTPUT', message: expect.stringMatching(/^text_encoder\/model\.onnx produced NaN .*last_hidden_state/) });
    } finally {
      await cache.dispose();
    }
  });

  for (const which of ['unet', 'vae'] as const) {
    it(`reverie generate with NaN ${which} weights: exit 1, one error line, no PNG`, async () => {
      const r = await runCli(['generate', '--model', dirs[which], ...ARGS, '--out', `out-${which}.png`], { cwd: tmp });
      expect(r.code).toBe(1);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect(errors).toEqual([expect.stringMatching(which === 'unet' ? /^error: unet\/model\.onnx produced NaN/ : /^error: vae_decoder\/model\.onnx produced NaN/)]);
      expect(existsSync(path.join(tmp, `out-${which}.png`))).toBe(false);
    });
  }

  it('a studio job on the model ends with job error NAN_OUTPUT and saves nothing', async () => {
    const h = await startBackend({ prefix: 'reverie-nan-backend-', settings: { modelsDirs: [root], provider: 'cpu' } });
    try {
      const { models } = await h.call<{ models: ModelReport[] }>('models.list');
      const model = models.find((m) => m.name === 'nan-unet');
      expect(model?.valid).toBe(true);
      const { job } = await h.call<{ job: JobSummary }>('jobs.submit', { kind: 'txt2img', params: { model: model?.id, prompt: 'a red cat', steps: 3, seed: 1, width: 64, height: 64 } });
      let end: { name: string; payload: unknown } | undefined;
      for (let i = 0; i < 1200 && !end; i++) {
        end = h.events.find((e) => (e.name === 'job.done' || e.name === 'job.error') && (e.payload as { jobId: string }).jobId === job.id);
        if (!end) await new Promise((r) => setTimeout(r, 25));
      }
      expect(end?.name).toBe('job.error');
      const payload = end?.payload as EventPayload<'job.error'>;
      expect(payload).toMatchObject({ cancelled: false, error: { code: 'NAN_OUTPUT', message: expect.stringMatching(/^unet\/model\.onnx produced NaN/) } });
      expect((await h.call<{ total: number }>('gallery.list')).total).toBe(0);
    } finally {
      await h.close();
    }
  });
});
