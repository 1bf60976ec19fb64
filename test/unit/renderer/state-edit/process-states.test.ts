/**
 * The process viewers' state classes against the real backend: open a recorded result, scrub and
 * play, decode a step, export, ODE vs SDE from one seed; the forward viewer's frames, slider and
 * full-quality frame after the slider rests.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../../../src-main/engine/imageio/png.ts';
import { readChunks } from '../../../../src-main/engine/imageio/png-chunks.ts';
import { ForwardState, FRAME_COUNT } from '../../../../src-renderer/src/lib/state/forward.svelte.ts';
import { Uploads } from '../../../../src-renderer/src/lib/state/edit.svelte.ts';
import { ProcessState } from '../../../../src-renderer/src/lib/state/process.svelte.ts';
import { Studio } from '../../../../src-renderer/src/lib/state/studio.svelte.ts';
import { FIXTURE_MODELS, rendererBackend, until } from '../backend.ts';
import type { RendererBackend } from '../backend.ts';

const SD15 = path.join(FIXTURE_MODELS, 'sd15-script');

let r: RendererBackend;
const offs: (() => void)[] = [];
beforeAll(async () => {
  r = await rendererBackend();
});
afterAll(async () => {
  offs.forEach((off) => off());
  await r.close();
});

async function pngSize(blob: Blob): Promise<{ width: number; height: number }> {
  const ihdr = readChunks(new Uint8Array(await blob.arrayBuffer()))[0].data;
  const view = new DataView(ihdr.buffer, ihdr.byteOffset, ihdr.byteLength);
  return { width: view.getUint32(0), height: view.getUint32(4) };
}

async function studioWithModel(): Promise<Studio> {
  const studio = new Studio(r.api, { input: { decodeSize: pngSize, fetchBlob: () => Promise.reject(new Error('unused')), createUrl: () => 'blob:test/1', revokeUrl: () => undefined } });
  offs.push(studio.connect());
  await studio.start();
  studio.form.modelId = SD15;
  studio.form.prompt = 'a red cat';
  studio.form.steps = 5;
  studio.form.seedText = '3';
  studio.form.setSize({ kind: 'custom', width: 64, height: 64 });
  return studio;
}

describe('ProcessState', () => {
  it('opens a recorded result, scrubs, plays to the end, decodes a step and exports', async () => {
    const studio = await studioWithModel();
    expect(await studio.generate()).toBe(true);
    await until('a recorded result in the gallery', () => studio.gallery.items.some((i) => i.recording === true));
    const p = new ProcessState(studio);
    const item = p.recorded[0];
    expect(await p.open(item.id)).toBe(true);
    expect(p.count).toBe(5);
    expect(p.current).toMatchObject({ number: 1, count: 5 });
    p.step = 99;
    expect(p.step).toBe(4);
    p.step = -3;
    expect(p.step).toBe(0);
    const first = p.current?.step.sigma ?? 0;
    p.step = 3;
    expect(p.current?.step.sigma).toBeLessThan(first);
    expect(p.current?.logSnr).toBeCloseTo(-2 * Math.log(p.current?.step.sigma ?? 1), 10);

    p.play();
    expect(p.playing).toBe(true);
    p.advance();
    expect(p.step).toBe(4);
    p.advance();
    expect(p.playing).toBe(false);
    p.play(); // from the end, play starts over
    expect(p.step).toBe(0);
    p.pause();

    p.kind = 'denoised';
    expect(p.decoded).toBeNull();
    await p.decode();
    expect(p.decodeError).toBeNull();
    expect(p.decoded).toMatch(/^data:image\/png;base64,/);
    p.kind = 'x';
    expect(p.decoded).toBeNull(); // decodes are per step and kind

    const saved: string[] = [];
    const seen: string[] = [];
    const offProgress = r.api.on('process.exportProgress', (e) => seen.push(`${e.stage} ${e.done}/${e.total}`));
    const exporting = p.export('gif', 'preview', (_data, mime, name) => void saved.push(`${mime} ${name}`));
    expect(await exporting).toBe(true);
    offProgress();
    expect(saved).toEqual([`image/gif ${item.id}-xt.gif`]);
    // one report per frame (5 steps + the result), then the joining; the state forgets it when done
    expect(seen).toEqual(['frames 0/6', 'frames 1/6', 'frames 2/6', 'frames 3/6', 'frames 4/6', 'frames 5/6', 'joining 6/6']);
    expect(p.exportProgress).toBeNull();

    expect(await p.open('no-such-item')).toBe(false);
    expect(p.main.error).toMatch(/no gallery item "no-such-item"/);
  });

  it('compares ODE and SDE runs from one seed side by side', async () => {
    const studio = await studioWithModel();
    const p = new ProcessState(studio);
    expect(await p.compare()).toBe(true);
    expect(p.comparison.map((j) => j.request.params.sampler)).toEqual(['euler', 'euler_ancestral']);
    await until('both runs finished', () => p.comparisonSettled);
    expect(await p.settleComparison()).toBe(true);
    expect(p.main.recording?.meta.sampler).toBe('euler');
    expect(p.other.recording?.meta.sampler).toBe('euler_ancestral');
    expect(p.main.recording?.steps[0].x).toBe(p.other.recording?.steps[0].x);
  });

  it('ODE vs SDE on an SDXL model sends the form\'s SDXL size conditioning with both runs', async () => {
    const studio = await studioWithModel();
    studio.form.modelId = path.join(FIXTURE_MODELS, 'sdxl-tiny');
    studio.form.sdxlSize.originalWidth = 512;
    studio.form.sdxlSize.cropY = 8;
    const p = new ProcessState(studio);
    expect(await p.compare(), p.compareError ?? '').toBe(true);
    expect(p.comparison).toHaveLength(2);
    for (const job of p.comparison) expect(job.request.params.sizeConditioning).toEqual(studio.form.sizeConditioning());
    expect(studio.form.sizeConditioning()).toMatchObject({ originalSize: { width: 512, height: 64 }, cropTopLeft: { x: 0, y: 8 } });
    await until('both runs finished', () => p.comparisonSettled);
  });
});

describe('ForwardState', () => {
  it('fetches a strip of preview frames, follows the slider and decodes the exact t once it rests', async () => {
    const studio = await studioWithModel();
    const data = new Uint8Array(64 * 64 * 3).map((_, i) => (i * 5) % 256);
    await studio.inputs.of('forward').setFile(new Blob([await encodePng({ width: 64, height: 64, data })], { type: 'image/png' }), 'ramp.png', 'file');
    const pending: (() => void)[] = [];
    const f = new ForwardState(studio, new Uploads(r.api), { setTimeout: (fn) => pending.push(fn), clearTimeout: () => undefined });
    await f.show(studio.inputs.of('forward').image, studio.form.model ?? null);
    expect(f.error).toBeNull();
    expect(f.frames).toHaveLength(FRAME_COUNT);
    expect(f.tMax).toBe(999);
    expect(f.frames.at(-1)?.t).toBe(999);
    await until('the full frame at t = 0', () => f.full !== null);
    f.t = 612.4;
    expect(f.t).toBe(612);
    expect(f.frame?.t).toBe(624); // the nearest of 0, 25, 50, …
    expect(f.facts?.sigma).toBeGreaterThan(1);
    expect(f.full).toBeNull();
    pending.at(-1)?.();
    await until('the full frame at t = 612', () => f.full?.t === 612);
    expect(f.full?.width).toBe(64);
    // the same image and model again: nothing is fetched anew
    const frames = f.frames;
    await f.show(studio.inputs.of('forward').image, studio.form.model ?? null);
    expect(f.frames).toBe(frames);
  });
});
