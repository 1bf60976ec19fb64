/**
 * The edit tabs' state classes against the real backend (in-process engine, fixture models): image
 * to image, inpainting with a painted mask (9-channel model picked automatically), denoising with
 * the estimate, override and demo mode.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { encodePng } from '../../../../src-main/engine/imageio/png.ts';
import { readChunks } from '../../../../src-main/engine/imageio/png-chunks.ts';
import { EditStudio } from '../../../../src-renderer/src/lib/state/edit-studio.svelte.ts';
import { Studio } from '../../../../src-renderer/src/lib/state/studio.svelte.ts';
import { FIXTURE_MODELS, rendererBackend, until } from '../backend.ts';
import type { RendererBackend } from '../backend.ts';

const SD15 = path.join(FIXTURE_MODELS, 'sd15-script');
const INPAINT = path.join(FIXTURE_MODELS, 'sd15-inpaint');
const LOWVAR = path.join(FIXTURE_MODELS, 'sd15-lowvar');

let r: RendererBackend;
let off: () => void = () => undefined;
beforeAll(async () => {
  r = await rendererBackend();
});
afterAll(async () => {
  off();
  await r.close();
});

async function pngSize(blob: Blob): Promise<{ width: number; height: number }> {
  const ihdr = readChunks(new Uint8Array(await blob.arrayBuffer()))[0].data;
  const view = new DataView(ihdr.buffer, ihdr.byteOffset, ihdr.byteLength);
  return { width: view.getUint32(0), height: view.getUint32(4) };
}

async function picture(width = 64, height = 48): Promise<Blob> {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set([(i * 3) % 256, (i >> 4) % 256, 128], i * 3);
  return new Blob([await encodePng({ width, height, data })], { type: 'image/png' });
}

async function setup(): Promise<{ studio: Studio; edit: EditStudio }> {
  let n = 0;
  const input = { decodeSize: pngSize, fetchBlob: () => Promise.reject(new Error('unused')), createUrl: () => `blob:test/${++n}`, revokeUrl: () => undefined };
  const studio = new Studio(r.api, { input });
  const offStudio = studio.connect();
  await studio.start();
  const edit = new EditStudio(studio, { input });
  const offEdit = edit.connect();
  off = () => {
    offStudio();
    offEdit();
  };
  studio.form.steps = 4;
  studio.form.seedText = '7';
  return { studio, edit };
}

describe('Img2ImgState', () => {
  it('says what is missing, then runs with the form parameters and follows its job to the result', async () => {
    const { studio, edit } = await setup();
    const s = edit.img2img;
    studio.form.modelId = SD15;
    studio.form.prompt = 'a red cat';
    expect(s.problems).toEqual(['Choose an input image: drop one here, paste it, or send one from a result.']);
    expect(await s.run()).toBe(false);
    expect(s.job.error).toMatch(/Choose an input image/);
    await s.input.setFile(await picture(96, 64), 'cat.png', 'file');
    expect(s.job.problem).toBeNull(); // it no longer applies once there is an image
    // the size the run will use, shown before it: the image's shape at the model's area (not scaled up)
    expect([s.imageSize, s.outputSize]).toEqual([{ width: 96, height: 64 }, { width: 96, height: 64 }]);
    s.strength = 0.5;
    expect(s.stepsToRun).toBe(2);
    s.strength = 7;
    expect(s.strength).toBe(1);
    s.strength = 0.5;
    expect(await s.run()).toBe(true);
    expect(s.job.error).toBeNull();
    await until('the img2img result', () => s.job.result !== null);
    expect(s.job.result).toMatchObject({ width: 96, height: 64, seed: 7, recording: true });
    await until('the job report', () => s.job.output !== null);
    expect(s.job.output).toMatchObject({ kind: 'img2img', stepsRun: 2, strength: 0.5 });
    expect(s.job.job?.request).toMatchObject({ kind: 'img2img', params: { prompt: 'a red cat', steps: 4, strength: 0.5, fit: 'resize' } });
    expect(s.job.active).toBe(false);

    // a new input image clears the old result, its report and its status (the image stays in the gallery)
    await s.input.setFile(await picture(64, 64), 'dog.png', 'file');
    expect([s.job.result, s.job.output, s.job.job]).toEqual([null, null, null]);
    // Image to image's own input: the other tabs' stay empty
    expect([edit.inpaint.input.image, edit.denoise.input.image]).toEqual([null, null]);
  });
});

describe('SDXL size conditioning on the edit tabs', () => {
  it('an image-to-image job on an SDXL model carries the shared form\'s sizes; one on SD 1.x does not', async () => {
    const { studio, edit } = await setup();
    const s = edit.img2img;
    studio.form.prompt = 'a red cat';
    studio.form.sdxlSize.originalWidth = 1024;
    studio.form.sdxlSize.cropY = 16;
    await s.input.setFile(await picture(64, 64), 'cat.png', 'file');
    studio.form.modelId = SD15;
    expect(await s.run()).toBe(true);
    expect(s.job.job?.request.params).not.toHaveProperty('sizeConditioning');
    await until('the SD 1.x result', () => s.job.result !== null);
    studio.form.modelId = path.join(FIXTURE_MODELS, 'sdxl-tiny');
    expect(await s.run()).toBe(true);
    expect(s.job.job?.request.params).toMatchObject({ sizeConditioning: { originalSize: { width: 1024 }, cropTopLeft: { x: 0, y: 16 } } });
    await until('the SDXL result', () => s.job.result !== null);
  });
});

describe('InpaintState', () => {
  it('paints, undoes and measures the mask; picks the inpainting model; sends the mask as a grayscale PNG', async () => {
    const { studio, edit } = await setup();
    const s = edit.inpaint;
    studio.form.modelId = SD15;
    expect(s.layer).toBeNull();
    await s.input.setFile(await picture(64, 64), 'room.png', 'file');
    expect(s.layer).toMatchObject({ width: 64, height: 64 });
    expect(s.problems).toContain('Paint over the part of the image to repaint.');
    // a 9-channel model of the same family stands in for the form's model while Auto is on
    expect(s.model?.id).toBe(INPAINT);
    s.autoModel = false;
    expect(s.model?.id).toBe(SD15);
    s.autoModel = true;

    s.size = 20; // 20% of 64 px: radius 6.4
    expect(s.radius).toBeCloseTo(6.4, 10);
    s.hardness = 1;
    const v0 = s.version;
    s.strokeStart({ x: 16, y: 32 });
    s.strokeMove({ x: 48, y: 32 });
    s.strokeEnd();
    expect(s.version).toBeGreaterThan(v0);
    expect(s.takeDirty()).toMatchObject({ y: 25 });
    expect(s.takeDirty()).toBeNull();
    // a 32 px stroke of a 12.8 px brush: about 32·12.8 + π·6.4² = 538 of 4096 pixels
    expect(s.coverage).toBeGreaterThan(0.11);
    expect(s.coverage).toBeLessThan(0.15);
    expect(s.canUndo).toBe(true);
    s.undo();
    expect(s.coverage).toBe(0);
    s.redo();
    const painted = s.coverage;
    s.tool = 'eraser';
    s.strokeStart({ x: 32, y: 32 });
    s.strokeEnd();
    expect(s.coverage).toBeLessThan(painted);
    const before = s.coverage;
    s.invert();
    expect(s.coverage).toBeCloseTo(1 - before, 10);
    s.invert();
    expect(s.problems).toEqual([]);

    const png = await s.maskPng();
    const meta = await sharp(Buffer.from(png ?? [])).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([64, 64, 1]);

    studio.form.prompt = 'a window';
    expect(await s.run()).toBe(true);
    await until('the inpaint report', () => s.job.output !== null);
    expect(s.job.output).toMatchObject({ kind: 'inpaint', nineChannel: true, mode: 'blend' });
    expect(s.job.job?.request.params.model).toBe(INPAINT);
    await until('the inpaint result', () => s.job.result !== null);
  });

  it('zooms about a point and fits the image to a viewport', async () => {
    const { edit } = await setup();
    const s = edit.inpaint;
    await s.input.setFile(await picture(200, 100), 'wide.png', 'file');
    s.fitView({ width: 448, height: 448 });
    expect(s.view).toEqual({ scale: 2, x: 24, y: 124 });
    s.zoom(2, { x: 24, y: 124 });
    expect(s.view).toEqual({ scale: 4, x: 24, y: 124 });
    s.pan(10, -4);
    expect(s.view).toEqual({ scale: 4, x: 34, y: 120 });
  });
});

describe('DenoiseState', () => {
  it('estimates the noise once the photo is in, takes an override, and runs the demo with quality numbers', async () => {
    const { studio, edit } = await setup();
    const s = edit.denoise;
    studio.form.modelId = LOWVAR;
    expect(s.problems).toContain('Choose a noisy photo to denoise.');
    await s.input.setFile(await picture(), 'photo.png', 'file');
    expect(s.estimate).toBeNull();
    await until('the noise estimate', () => s.estimate !== null);
    expect(s.noiseSigma).toBe(s.estimate);
    s.override = 12.34;
    expect(s.noiseSigma).toBe(12.3);
    s.override = null;
    s.mode = 'demo';
    s.addNoise = 30;
    s.steps = 5;
    expect(await s.run()).toBe(true);
    await until('the denoise report', () => s.output !== null);
    expect(s.output?.quality?.input.psnr).toBeLessThan(30);
    expect(s.output?.noisyUrl).toMatch(/^data:image\/png;base64,/);
    expect(s.job.job?.request).toMatchObject({ kind: 'denoise', params: { addNoise: 30, steps: 5 } });
    s.split = 150;
    expect(s.split).toBe(100);
  });

  it('refuses a reference of another size', async () => {
    const { edit } = await setup();
    const s = edit.denoise;
    await s.input.setFile(await picture(64, 64), 'photo.png', 'file');
    await s.reference.setFile(await picture(32, 32), 'clean.png', 'file');
    expect(s.problems).toContain('The reference is 32 × 32 but the photo is 64 × 64; they must be the same size.');
  });
});
