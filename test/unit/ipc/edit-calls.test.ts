/**
 * The edit jobs and edit.upload over the real backend (in-process engine, tiny fixture models):
 * uploads checked on both sides, img2img / inpaint / denoise jobs with live previews, their
 * job.output report, and a recording saved beside every result (txt2img included).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deserializeRecording } from '../../../src-main/engine/pipelines/record.ts';
import type { EditUploadResult, EventPayload, JobOutput } from '../../../src-main/ipc/contract.ts';
import { readFileSync } from 'node:fs';
import { INPAINT, LOWVAR, SD15, runJob, startBackend, testImage, testMask } from './edit-harness.ts';
import type { EditHarness } from './edit-harness.ts';

let h: EditHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const outputOf = (events: { name: string; payload: unknown }[]): JobOutput => {
  const e = events.find((x) => x.name === 'job.output');
  if (!e) throw new Error(`no job.output among ${events.map((x) => x.name).join(', ')}`);
  return (e.payload as EventPayload<'job.output'>).output;
};

async function upload(t: EditHarness, data: string, purpose = 'image', name = 'test.png'): Promise<EditUploadResult> {
  return t.call<EditUploadResult>('edit.upload', { data, name, purpose });
}

describe('edit.upload', () => {
  it('stores an image under its content hash and reports its size, format and noise', async () => {
    h = await startBackend();
    const data = await testImage(96, 64);
    const a = await upload(h, data);
    expect(a.image.upload).toMatch(/^up-[0-9a-f]{40}$/);
    expect(a).toMatchObject({ width: 96, height: 64, format: 'png', hasAlpha: false });
    expect(a.noiseSigma).toBeGreaterThanOrEqual(0);
    expect(a.noiseSigma).toBeLessThan(5); // a smooth synthetic picture has almost no noise
    expect((await upload(h, data)).image).toEqual(a.image);
    expect(existsSync(path.join(h.dataDir, 'inputs', a.image.upload))).toBe(true);
  });

  it('refuses bytes that are not an image, and a broken image, in plain words', async () => {
    h = await startBackend();
    await expect(upload(h, Buffer.from('hello, not an image').toString('base64'), 'image', 'notes.txt')).rejects.toMatchObject({
      code: 'IMAGE_INVALID',
      message: expect.stringMatching(/"notes.txt" is not an image Reverie can read.*first bytes are 68656c6c/),
    });
    const png = Buffer.from(await testImage(), 'base64');
    const truncated = png.subarray(0, 60).toString('base64');
    await expect(upload(h, truncated, 'mask', 'cut.png')).rejects.toMatchObject({ code: 'IMAGE_INVALID', message: expect.stringMatching(/mask "cut.png"/) });
    await expect(h.call('edit.upload', { data: 'data:image/png;base64,AAAA' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('a job naming an image that is gone fails before it is queued', async () => {
    h = await startBackend();
    const request = { kind: 'img2img', params: { model: SD15, prompt: 'a cat', image: { upload: `up-${'0'.repeat(40)}` } } };
    await expect(h.call('jobs.submit', request)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/input image .* choose the image again/) });
    const gallery = { kind: 'img2img', params: { model: SD15, prompt: 'a cat', image: { gallery: 'nope' } } };
    await expect(h.call('jobs.submit', gallery)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/gallery item "nope"/) });
  });
});

describe('edit jobs', () => {
  it('img2img runs the tail of the schedule, streams previews and saves a recording of the steps it ran', async () => {
    h = await startBackend();
    const { image } = await upload(h, await testImage());
    const done = await runJob(h, { kind: 'img2img', params: { model: SD15, prompt: 'a red cat', steps: 8, strength: 0.5, seed: 11, image } });
    const out = outputOf(done.events);
    expect(out).toMatchObject({ kind: 'img2img', strength: 0.5, stepsRun: 4, input: { width: 64, height: 64, format: 'png' } });
    const steps = done.events.filter((e) => e.name === 'job.step').map((e) => e.payload as EventPayload<'job.step'>);
    expect(new Set(steps.map((s) => s.step))).toEqual(new Set([1, 2, 3, 4]));
    expect(steps.every((s) => s.steps === 4)).toBe(true);
    expect(steps.some((s) => s.previewUrl?.startsWith('data:image/png;base64,'))).toBe(true);
    const [item] = done.items;
    expect(item).toMatchObject({ recording: true, width: 64, height: 64, seed: 11 });
    expect(item.request).toMatchObject({ kind: 'img2img', params: { image, strength: 0.5 } });
    const rec = deserializeRecording(readFileSync(path.join(h.dataDir, 'gallery', `${item.id}.rvrec`)));
    expect(rec.steps).toHaveLength(4);
    expect(rec.dims).toEqual([1, 4, 8, 8]);
    expect(rec.sigmas).toHaveLength(5);
    expect(rec.sigmas.at(-1)).toBe(0);
    for (let i = 1; i < rec.sigmas.length; i++) expect(rec.sigmas[i]).toBeLessThan(rec.sigmas[i - 1]);
    expect(rec.meta).toMatchObject({ kind: 'img2img', seed: 11 });
  });

  it('img2img at strength 0 returns the input and records nothing', async () => {
    h = await startBackend();
    const { image } = await upload(h, await testImage());
    const done = await runJob(h, { kind: 'img2img', params: { model: SD15, prompt: '', strength: 0, image, seed: 1 } });
    expect(outputOf(done.events)).toMatchObject({ stepsRun: 0 });
    expect(done.items[0].recording).toBeUndefined();
    await expect(h.call('process.recording', { id: done.items[0].id })).rejects.toMatchObject({ code: 'NO_RECORDING' });
  });

  it('inpaint uses the 9-channel path on an inpainting model and latent blending elsewhere', async () => {
    h = await startBackend();
    const { image } = await upload(h, await testImage());
    const { image: mask } = await upload(h, await testMask(), 'mask');
    const nine = await runJob(h, { kind: 'inpaint', params: { model: INPAINT, prompt: 'a blue dog', steps: 3, seed: 2, image, mask } });
    expect(outputOf(nine.events)).toMatchObject({ kind: 'inpaint', nineChannel: true, mode: 'blend', stepsRun: 3 });
    expect(nine.items[0].recording).toBe(true);
    const blend = await runJob(h, { kind: 'inpaint', params: { model: SD15, prompt: 'a blue dog', steps: 3, seed: 2, image, mask, mode: 'only-masked', padding: 4 } });
    const out = outputOf(blend.events);
    expect(out).toMatchObject({ kind: 'inpaint', nineChannel: false, mode: 'only-masked' });
    expect(out.kind === 'inpaint' && out.box).toBeTruthy();
  });

  it('denoise in the add-noise demo reports the noise, PSNR/SSIM and the baseline, and improves on the noisy input', async () => {
    h = await startBackend();
    const { image } = await upload(h, await testImage());
    const done = await runJob(h, { kind: 'denoise', params: { model: LOWVAR, image, addNoise: 30, seed: 4, steps: 6 } });
    const out = outputOf(done.events);
    if (out.kind !== 'denoise') throw new Error(`expected a denoise output, got ${out.kind}`);
    expect(out.noisyUrl).toMatch(/^data:image\/png;base64,/);
    expect(out.baselineUrl).toMatch(/^data:image\/png;base64,/);
    expect(out.noiseSigma).toBeGreaterThan(20);
    expect(out.quality?.input.psnr).toBeLessThan(25);
    expect(out.quality?.baseline.psnr ?? 0).toBeGreaterThan(out.quality?.input.psnr ?? 0);
    expect(done.items[0]).toMatchObject({ recording: true, width: 64, height: 64 });
    expect(done.items[0].request).toMatchObject({ kind: 'denoise', params: { addNoise: 30, prompt: '' } });
  });

  it('denoise refuses a reference together with added noise', async () => {
    h = await startBackend();
    const { image } = await upload(h, await testImage());
    await expect(h.call('jobs.submit', { kind: 'denoise', params: { model: LOWVAR, image, reference: image, addNoise: 10 } })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/either a reference image or addNoise/),
    });
  });

  it('text to image results are recorded too', async () => {
    h = await startBackend();
    const done = await runJob(h, { kind: 'txt2img', params: { model: SD15, prompt: 'a green cat', steps: 3, seed: 9, width: 64, height: 64, batchSize: 2 } });
    expect(done.items).toHaveLength(2);
    for (const item of done.items) {
      expect(item.recording).toBe(true);
      const rec = deserializeRecording(readFileSync(path.join(h.dataDir, 'gallery', `${item.id}.rvrec`)));
      expect(rec.dims[0]).toBe(1);
      expect(rec.meta.seed).toBe(item.seed);
      expect(rec.steps).toHaveLength(3);
    }
    // one batch, two images: each recording holds its own image's latents
    const [a, b] = done.items.map((i) => deserializeRecording(readFileSync(path.join(h?.dataDir ?? '', 'gallery', `${i.id}.rvrec`))));
    expect(a.steps[0].x.data).not.toEqual(b.steps[0].x.data);
  });
});
