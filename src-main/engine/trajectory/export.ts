/**
 * Exports of a recorded reverse process: an animated WebP or GIF (sharp joins the frames:
 * `sharp(frames, { join: { animated: true } })`) and a contact-sheet PNG (a grid of every step,
 * each labelled with its step, sigma and timestep). Frames are the cheap linear previews scaled up
 * to the image size, or full VAE decodes of x_t / x̂₀ ('full'; ε̂ always uses previews: it is noise,
 * not an image the VAE was trained to decode). The finished image, when given, ends the sequence.
 */
import sharp from 'sharp';
import type { OverlayOptions, Sharp } from 'sharp';
import type { Rgb8Image } from '../imageio/convert.ts';
import type { PipelineCache } from '../pipelines/cache.ts';
import { decodeStep } from '../pipelines/preview.ts';
import type { ProviderPreference } from '../runtime/ort.ts';
import { EngineError } from '../types.ts';
import { folderPreviewFactors, stepPreview } from './recording-view.ts';
import type { RecordingStore, StepKind } from './recording-view.ts';

/** the VAE factor of recordings that do not state theirs (all made before v2 models existed were ×8) */
const RECORDING_DEFAULT_VAE_FACTOR = 8;

export type ExportFormat = 'webp' | 'gif' | 'contact';

export interface ExportInput {
  file: string;
  modelDir: string | null;
  provider: ProviderPreference;
  kind: StepKind;
  format: ExportFormat;
  quality: 'preview' | 'full';
  /** milliseconds per frame (animations) */
  frameMs: number;
  /** the finished image (gallery PNG path), appended as the last frame */
  finalImage?: string;
  /** output file name stem */
  name: string;
}

/** How far an export is: frames made of all, then the one step that joins them (animation or sheet). */
export interface ExportProgress {
  type: 'export';
  stage: 'frames' | 'joining';
  done: number;
  total: number;
}

export interface ExportResult {
  /** base64 of the file */
  data: string;
  mime: string;
  fileName: string;
  frames: number;
  width: number;
  height: number;
}

/** Animations are kept to this long side (a 1024² GIF of 30 frames is tens of MB). */
const MAX_ANIMATION_SIDE = 512;
const TILE = 224;
const LABEL_H = 34;
const GAP = 10;
const BACKGROUND = { r: 16, g: 18, b: 22 };
const KIND_LABEL: Record<StepKind, string> = { x: 'noisy image x_t', denoised: 'predicted clean image x̂₀', noise: 'predicted noise ε̂' };

interface Frame {
  png: Buffer;
  label: string;
}

const toSharp = (rgb: Rgb8Image): Sharp => sharp(Buffer.from(rgb.data.buffer, rgb.data.byteOffset, rgb.data.length), { raw: { width: rgb.width, height: rgb.height, channels: 3 } });

function fitSide(width: number, height: number, max: number): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

type OnProgress = (p: ExportProgress) => void;

async function frames(input: ExportInput, store: RecordingStore, cache: PipelineCache, size: { width: number; height: number }, signal?: AbortSignal, onProgress?: OnProgress): Promise<Frame[]> {
  const rec = await store.load(input.file);
  if (rec.steps.length === 0) throw new EngineError('BAD_INPUT', 'the recording has no steps to export');
  const channels = rec.dims[1] ?? 4;
  const full = input.quality === 'full' && input.kind !== 'noise';
  const model = full ? await cache.model(input.modelDir ?? '', input.provider, signal) : null;
  const { factors } = full ? { factors: null } : await folderPreviewFactors(input.modelDir, channels);
  const out: Frame[] = [];
  const withResult = input.finalImage !== undefined && input.kind !== 'noise';
  const total = rec.steps.length + (withResult ? 1 : 0);
  onProgress?.({ type: 'export', stage: 'frames', done: 0, total });
  for (const [k, s] of rec.steps.entries()) {
    if (signal?.aborted) throw new EngineError('CANCELLED', 'the export was cancelled');
    const rgb = model && input.kind !== 'noise' ? await decodeStep(model, rec, k, input.kind) : stepPreview(rec, k, input.kind, factors ?? { weights: [], bias: [] });
    const kernel = full ? 'lanczos3' : 'cubic';
    const png = await toSharp(rgb).resize(size.width, size.height, { fit: 'fill', kernel }).png().toBuffer();
    out.push({ png, label: `step ${k + 1}/${rec.steps.length} · σ ${s.sigma.toFixed(3)} · t ${Math.round(s.t)}` });
    onProgress?.({ type: 'export', stage: 'frames', done: k + 1, total });
  }
  if (input.finalImage && input.kind !== 'noise' && (await sameAspect(input.finalImage, size))) {
    out.push({ png: await sharp(input.finalImage).resize(size.width, size.height, { fit: 'fill' }).removeAlpha().png().toBuffer(), label: 'result' });
  }
  onProgress?.({ type: 'export', stage: 'joining', done: total, total });
  return out;
}

/** The result matches the recording's frame (not so for only-masked inpainting, which samples a crop). */
async function sameAspect(file: string, size: { width: number; height: number }): Promise<boolean> {
  const { width, height } = await sharp(file).metadata();
  return width !== undefined && height !== undefined && Math.abs(width / height - size.width / size.height) < 0.01;
}

const escapeXml = (text: string): string => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function labelSvg(text: string, width: number): Buffer {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${LABEL_H}"><text x="${width / 2}" y="${LABEL_H - 12}" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#9aa2af" text-anchor="middle">${escapeXml(text)}</text></svg>`;
  return Buffer.from(svg);
}

async function contactSheet(list: Frame[], tile: { width: number; height: number }, title: string): Promise<Buffer> {
  const cols = Math.min(list.length, Math.max(3, Math.ceil(Math.sqrt(list.length * 1.4))));
  const rows = Math.ceil(list.length / cols);
  const head = 44;
  const width = GAP + cols * (tile.width + GAP);
  const height = head + rows * (tile.height + LABEL_H + GAP);
  const composites: OverlayOptions[] = [
    { input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${head}"><text x="${GAP}" y="28" font-family="DejaVu Sans, sans-serif" font-size="17" fill="#dde1e8">${escapeXml(title)}</text></svg>`), left: 0, top: 0 },
  ];
  list.forEach((f, k) => {
    const left = GAP + (k % cols) * (tile.width + GAP);
    const top = head + Math.floor(k / cols) * (tile.height + LABEL_H + GAP);
    composites.push({ input: f.png, left, top }, { input: labelSvg(f.label, tile.width), left, top: top + tile.height });
  });
  return sharp({ create: { width, height, channels: 3, background: BACKGROUND } }).composite(composites).png().toBuffer();
}

export async function exportRecording(input: ExportInput, store: RecordingStore, cache: PipelineCache, signal?: AbortSignal, onProgress?: OnProgress): Promise<ExportResult> {
  if (!(input.frameMs >= 20 && input.frameMs <= 10_000)) throw new EngineError('BAD_INPUT', `frame time must be from 20 to 10000 ms, got ${input.frameMs}`);
  const rec = await store.load(input.file);
  const [, , h, w] = rec.dims;
  // recordings carry their model's VAE factor; those made before it was recorded are SD-shaped (×8)
  const factor = typeof rec.meta.vaeFactor === 'number' ? rec.meta.vaeFactor : RECORDING_DEFAULT_VAE_FACTOR;
  const image = { width: (w ?? 1) * factor, height: (h ?? 1) * factor };
  const kindName = input.kind === 'denoised' ? 'x0' : input.kind === 'x' ? 'xt' : 'noise';
  if (input.format === 'contact') {
    const tile = fitSide(image.width, image.height, TILE);
    const list = await frames(input, store, cache, tile, signal, onProgress);
    const png = await contactSheet(list, tile, `Reverse process — ${KIND_LABEL[input.kind]} — ${String(rec.meta.sampler ?? '')} ${String(rec.meta.schedule ?? '')}`.trim());
    const meta = await sharp(png).metadata();
    return { data: png.toString('base64'), mime: 'image/png', fileName: `${input.name}-${kindName}-contact-sheet.png`, frames: list.length, width: meta.width ?? 0, height: meta.height ?? 0 };
  }
  const size = fitSide(image.width, image.height, MAX_ANIMATION_SIDE);
  const list = await frames(input, store, cache, size, signal, onProgress);
  // hold the first and last frames a little longer, so the loop reads as start → end
  const delay = list.map((_, k) => (k === list.length - 1 ? input.frameMs * 6 : k === 0 ? input.frameMs * 3 : input.frameMs));
  const joined = sharp(list.map((f) => f.png), { join: { animated: true } });
  const bytes = input.format === 'webp' ? await joined.webp({ loop: 0, delay, quality: 90 }).toBuffer() : await joined.gif({ loop: 0, delay }).toBuffer();
  return {
    data: bytes.toString('base64'),
    mime: input.format === 'webp' ? 'image/webp' : 'image/gif',
    fileName: `${input.name}-${kindName}.${input.format}`,
    frames: list.length,
    width: size.width,
    height: size.height,
  };
}
