/**
 * The process viewers' calls over the real backend (in-process engine, tiny fixture models): a
 * result's recorded steps with x_t / x̂₀ / ε̂ previews, a full decode of one step, exports as
 * animated WebP/GIF and a contact sheet, forward-process frames, schedule curves, ODE vs SDE from
 * one seed, and the anomaly map.
 */
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeToRgb8 } from '../../../src-main/engine/imageio/png.ts';
import type { CallResponse, EditUploadResult, GalleryItem, JobSummary } from '../../../src-main/ipc/contract.ts';
import { until } from '../../helpers/until.ts';
import { SD15, runJob, startBackend, testImage, waitJob } from './edit-harness.ts';
import type { EditHarness } from './edit-harness.ts';

let h: EditHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const png = (url: string): Buffer => Buffer.from(url.replace(/^data:image\/png;base64,/, ''), 'base64');

async function generated(t: EditHarness, steps = 4): Promise<GalleryItem> {
  const done = await runJob(t, { kind: 'txt2img', params: { model: SD15, prompt: 'a red cat', steps, seed: 21, width: 64, height: 64, sampler: 'euler', schedule: 'karras' } });
  return done.items[0];
}

describe('process calls', () => {
  it('process.recording gives every step with its sigma, timestep and three previews', async () => {
    h = await startBackend();
    const item = await generated(h, 5);
    const rec = await h.call<CallResponse<'process.recording'>>('process.recording', { id: item.id });
    expect(rec.item.id).toBe(item.id);
    expect(rec.factors).toBe('model');
    expect(rec.dims).toEqual([1, 4, 8, 8]);
    expect(rec.steps.map((s) => s.i)).toEqual([0, 1, 2, 3, 4]);
    expect(rec.sigmas).toHaveLength(6);
    for (let i = 1; i < rec.steps.length; i++) {
      expect(rec.steps[i].sigma).toBeLessThan(rec.steps[i - 1].sigma);
      expect(rec.steps[i].t).toBeLessThan(rec.steps[i - 1].t);
    }
    expect(rec.steps[0].t).toBeGreaterThan(900); // karras starts at sigma_max, near the last training timestep
    const first = rec.steps[0];
    const sizes = await Promise.all([first.x, first.denoised, first.noise].map(async (u) => (await sharp(png(u)).metadata()).width));
    expect(sizes).toEqual([8, 8, 8]);
    // the three views differ: noisy, clean estimate, noise estimate
    expect(new Set([first.x, first.denoised, first.noise]).size).toBe(3);
    expect(rec.meta).toMatchObject({ kind: 'txt2img', sampler: 'euler', schedule: 'karras', seed: 21 });
  });

  it('process.decodeStep decodes x̂₀ and x_t at image resolution; the last x̂₀ is close to the result', async () => {
    h = await startBackend();
    const item = await generated(h, 4);
    const last = await h.call<CallResponse<'process.decodeStep'>>('process.decodeStep', { id: item.id, step: 3, kind: 'denoised' });
    expect([last.width, last.height]).toEqual([64, 64]);
    const a = await decodeToRgb8(png(last.url));
    const b = await decodeToRgb8(await sharp(item.path).removeAlpha().png().toBuffer());
    let diff = 0;
    for (let i = 0; i < a.data.length; i++) diff += Math.abs(a.data[i] - b.data[i]);
    expect(diff / a.data.length).toBeLessThan(8); // float16 recording, one Euler step from the end
    const noisy = await h.call<CallResponse<'process.decodeStep'>>('process.decodeStep', { id: item.id, step: 0, kind: 'x' });
    expect(noisy.url).not.toBe(last.url);
    await expect(h.call('process.decodeStep', { id: item.id, step: 9, kind: 'x' })).rejects.toMatchObject({ message: expect.stringMatching(/step 9 is not in the recording \(it has steps 0 to 3\)/) });
  });

  it('process.export writes an animated WebP and GIF (every step plus the result) and a contact sheet', async () => {
    h = await startBackend();
    const item = await generated(h, 4);
    const webp = await h.call<CallResponse<'process.export'>>('process.export', { id: item.id, format: 'webp', kind: 'denoised' });
    expect(webp).toMatchObject({ mime: 'image/webp', frames: 5, fileName: `${item.id}-x0.webp` });
    // libwebp's animation encoder merges identical consecutive frames (the fixture's x̂₀ converges early)
    const pages = (await sharp(Buffer.from(webp.data, 'base64'), { animated: true }).metadata()).pages ?? 0;
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(pages).toBeLessThanOrEqual(5);
    const gif = await h.call<CallResponse<'process.export'>>('process.export', { id: item.id, format: 'gif', kind: 'x', quality: 'full' });
    const gifMeta = await sharp(Buffer.from(gif.data, 'base64'), { animated: true }).metadata();
    expect([gifMeta.format, gifMeta.pages, gif.width]).toEqual(['gif', 5, 64]);
    const noise = await h.call<CallResponse<'process.export'>>('process.export', { id: item.id, format: 'gif', kind: 'noise' });
    expect(noise.frames).toBe(4); // ε̂ has no "result" frame
    const sheet = await h.call<CallResponse<'process.export'>>('process.export', { id: item.id, format: 'contact' });
    const meta = await sharp(Buffer.from(sheet.data, 'base64')).metadata();
    expect([meta.format, sheet.frames]).toEqual(['png', 5]);
    expect(meta.width).toBeGreaterThan(3 * 64);
  });

  it('process.forward dissolves an image into noise as t grows', async () => {
    h = await startBackend();
    const { image } = await h.call<EditUploadResult>('edit.upload', { data: await testImage(), name: 'ramp.png' });
    const r = await h.call<CallResponse<'process.forward'>>('process.forward', { model: SD15, image, t: [0, 250, 500, 999], seed: 3 });
    expect(r.frames.map((f) => f.t)).toEqual([0, 250, 500, 999]);
    for (let i = 1; i < 4; i++) {
      expect(r.frames[i].sigma).toBeGreaterThan(r.frames[i - 1].sigma);
      expect(r.frames[i].alphaBar).toBeLessThan(r.frames[i - 1].alphaBar);
      expect(r.frames[i].logSnr ?? Infinity).toBeLessThan(r.frames[i - 1].logSnr ?? Infinity);
    }
    const vae = await h.call<CallResponse<'process.forward'>>('process.forward', { model: SD15, image, sigma: [0], decoder: 'vae' });
    expect(vae.frames[0]).toMatchObject({ t: null, sigma: 0, logSnr: null, width: 64, height: 64 });
    await expect(h.call('process.forward', { model: SD15, image })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/at least one timestep/) });
  });

  it('process.curves gives the training curves and the sigmas a schedule visits', async () => {
    h = await startBackend();
    const c = await h.call<CallResponse<'process.curves'>>('process.curves', { model: SD15, schedule: 'karras', steps: 10 });
    expect(c.t).toHaveLength(1000);
    expect(c.sigma[999]).toBeCloseTo(c.sigmaMax, 10);
    expect(c.logSnr[0]).toBeCloseTo(-2 * Math.log(c.sigma[0]), 8);
    expect(c.visited).toHaveLength(11);
    expect(c.visited[0].sigma).toBeCloseTo(c.sigmaMax, 6);
    expect(c.visited.at(-1)).toMatchObject({ sigma: 0, t: null, alphaBar: 1 });
    const half = await h.call<CallResponse<'process.curves'>>('process.curves', { model: SD15, schedule: 'karras', steps: 10, strength: 0.5 });
    expect(half.visited).toHaveLength(6);
  });

  it('process.trajectories queues ODE and SDE runs from one seed: same start, different paths', async () => {
    h = await startBackend();
    const { jobs } = await h.call<{ jobs: JobSummary[] }>('process.trajectories', { model: SD15, prompt: 'a dog', steps: 4, width: 64, height: 64 });
    expect(jobs.map((j) => j.request.params.sampler)).toEqual(['euler', 'euler_ancestral']);
    expect(jobs[0].request.params.seed).toBe(jobs[1].request.params.seed);
    const [ode, sde] = await Promise.all(jobs.map((j) => waitJob(h as EditHarness, j)));
    const a = await h.call<CallResponse<'process.recording'>>('process.recording', { id: ode.items[0].id });
    const b = await h.call<CallResponse<'process.recording'>>('process.recording', { id: sde.items[0].id });
    expect(a.steps[0].x).toBe(b.steps[0].x); // the same initial noise
    expect(a.steps[3].x).not.toBe(b.steps[3].x); // the stochastic sampler adds fresh noise
  });

  it('process.anomaly returns a heatmap, an overlay and a score', async () => {
    h = await startBackend();
    const { image } = await h.call<EditUploadResult>('edit.upload', { data: await testImage(), name: 'ramp.png' });
    const r = await h.call<CallResponse<'process.anomaly'>>('process.anomaly', { model: SD15, image, samples: 2, steps: 4, seed: 5 });
    expect(r).toMatchObject({ width: 64, height: 64, seeds: [5, 6] });
    expect(r.score).toBeGreaterThan(0);
    expect(r.p99).toBeGreaterThanOrEqual(r.score);
    expect((await sharp(png(r.heatmapUrl)).metadata()).width).toBe(64);
  });

  it('process.cancel stops an anomaly map given a requestId; the call rejects CANCELLED and the id is free again', async () => {
    h = await startBackend();
    const t = h;
    const { image } = await t.call<EditUploadResult>('edit.upload', { data: await testImage(512, 512), name: 'big.png' });
    // 16 rebuilds at 200 steps of the full schedule: far longer than the cancel below
    const running = t.call('process.anomaly', { model: SD15, image, samples: 16, strength: 1, steps: 200, seed: 5, requestId: 'map-1' });
    const outcome = running.then(
      () => 'finished',
      (err: { code?: string }) => err.code ?? 'error',
    );
    await new Promise((r) => setTimeout(r, 300));
    await expect(t.call('process.cancel', { requestId: 'map-1' })).resolves.toEqual({ cancelled: true });
    await expect(outcome).resolves.toBe('CANCELLED');
    await expect(t.call('process.cancel', { requestId: 'map-1' })).resolves.toEqual({ cancelled: false });
    const again = await t.call<CallResponse<'process.anomaly'>>('process.anomaly', { model: SD15, image, samples: 1, steps: 2, seed: 5, requestId: 'map-1' });
    expect(again.score).toBeGreaterThan(0);
  });

  it('a heavy call takes its turn in the queue: an anomaly map asked during a job runs after it, and a job queued meanwhile waits for the map', async () => {
    h = await startBackend();
    const t = h;
    const { image } = await t.call<EditUploadResult>('edit.upload', { data: await testImage(), name: 'ramp.png' });
    const mapRequest = { model: SD15, image, samples: 4, steps: 8, seed: 5 };
    // how long the map takes on its own (the model already loaded)
    await t.call('process.anomaly', mapRequest);
    const t0 = Date.now();
    await t.call('process.anomaly', mapRequest);
    const alone = Date.now() - t0;
    const txt = (steps: number, seed: number) => ({ kind: 'txt2img', params: { model: SD15, prompt: 'a red cat', steps, seed, width: 128, height: 128, sampler: 'euler', schedule: 'karras' } });
    const { job: first } = await t.call<{ job: JobSummary }>('jobs.submit', txt(150, 1));
    await until('the first job to start', () => t.events.some((e) => e.name === 'job.started' && (e.payload as { jobId: string }).jobId === first.id));
    const map = t.call<CallResponse<'process.anomaly'>>('process.anomaly', mapRequest);
    const { job: second } = await t.call<{ job: JobSummary }>('jobs.submit', txt(2, 2));
    expect((await map).score).toBeGreaterThan(0);
    await waitJob(t, second);
    const { jobs } = await t.call<{ jobs: JobSummary[] }>('jobs.list');
    const a = jobs.find((j) => j.id === first.id)!;
    const b = jobs.find((j) => j.id === second.id)!;
    // the map ran between the two jobs: the second started a whole map after the first ended
    // (without the turn it would start at once, beside the map)
    expect(a.finishedAt).toBeDefined();
    expect(b.startedAt! - a.finishedAt!).toBeGreaterThanOrEqual(0.5 * alone);
  });

  it('a heavy call waiting for the running job can be cancelled by its requestId', async () => {
    h = await startBackend();
    const t = h;
    const { image } = await t.call<EditUploadResult>('edit.upload', { data: await testImage(), name: 'ramp.png' });
    const { job } = await t.call<{ job: JobSummary }>('jobs.submit', { kind: 'txt2img', params: { model: SD15, prompt: 'a red cat', steps: 150, seed: 1, width: 128, height: 128, sampler: 'euler', schedule: 'karras' } });
    await until('the first job to start', () => t.events.some((e) => e.name === 'job.started' && (e.payload as { jobId: string }).jobId === job.id));
    const outcome = t.call('process.anomaly', { model: SD15, image, samples: 2, steps: 4, seed: 5, requestId: 'wait-1' }).then(() => 'finished', (err: { code?: string }) => err.code ?? 'error');
    await new Promise((r) => setTimeout(r, 50));
    await expect(t.call('process.cancel', { requestId: 'wait-1' })).resolves.toEqual({ cancelled: true });
    await expect(outcome).resolves.toBe('CANCELLED');
    await waitJob(t, job); // the job itself runs on
  });

  it('a cancel sent right after the call, while it still finds its model and reads its image, stops it before the engine runs', async () => {
    h = await startBackend();
    const t = h;
    const { image } = await t.call<EditUploadResult>('edit.upload', { data: await testImage(512, 512), name: 'big.png' });
    const outcome = t.call('process.forward', { model: SD15, image, t: [0, 500, 999], decoder: 'vae', requestId: 'early-1' }).then(
      () => 'finished',
      (err: { code?: string }) => err.code ?? 'error',
    );
    // no wait: the id is taken when the call begins, not once its inputs are ready
    await expect(t.call('process.cancel', { requestId: 'early-1' })).resolves.toEqual({ cancelled: true });
    await expect(outcome).resolves.toBe('CANCELLED');
    await expect(t.call('process.cancel', { requestId: 'early-1' })).resolves.toEqual({ cancelled: false }); // the id is free again
  });

  it('process.cancel stops a forward-process call given a requestId (200 full VAE decodes at 512²)', async () => {
    h = await startBackend();
    const t = h;
    const { image } = await t.call<EditUploadResult>('edit.upload', { data: await testImage(512, 512), name: 'big.png' });
    const frames = Array.from({ length: 200 }, (_, i) => i * 5);
    const outcome = t.call('process.forward', { model: SD15, image, t: frames, decoder: 'vae', requestId: 'strip-1' }).then(
      () => 'finished',
      (err: { code?: string }) => err.code ?? 'error',
    );
    await new Promise((r) => setTimeout(r, 200));
    await expect(t.call('process.cancel', { requestId: 'strip-1' })).resolves.toEqual({ cancelled: true });
    await expect(outcome).resolves.toBe('CANCELLED');
  });

  it('refuses a result without a recording, and an unknown one, in plain words', async () => {
    h = await startBackend();
    await expect(h.call('process.recording', { id: 'nothing-here' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
