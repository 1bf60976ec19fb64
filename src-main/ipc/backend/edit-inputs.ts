/**
 * Input images of the edit tabs on the main side. The renderer sends an image's bytes once
 * (edit.upload); they are checked here (size, a known image signature), stored under their content
 * hash in <data>/inputs, and checked again by the engine process, which decodes them the way the
 * pipelines will (pixel budget, corrupt files) and estimates their noise. Jobs name them by
 * reference ({ upload } or { gallery }), resolved to file paths only when a job runs.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { EngineHost } from '../../engine/hosting/host.ts';
import type { GalleryStore } from '../../storage/gallery.ts';
import { writeFileAtomic } from '../../storage/atomic.ts';
import { MAX_IMAGE_BYTES } from '../contract.ts';
import type { CallResponse, ImageRef, JobRequest } from '../contract.ts';
import { ApiCallError } from '../errors.ts';

export type UploadPurpose = 'image' | 'mask' | 'reference';

const PURPOSE_NAME: Record<UploadPurpose, string> = { image: 'image', mask: 'mask', reference: 'reference image' };

/** The container an image's first bytes announce, or null (checked before anything decodes it). */
export function sniffImage(b: Uint8Array): string | null {
  const ascii = (from: number, to: number): string => (b.length >= to ? String.fromCharCode(...b.subarray(from, to)) : '');
  if (b.length >= 8 && b[0] === 0x89 && ascii(1, 4) === 'PNG') return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(0, 4) === 'GIF8') return 'gif';
  if (ascii(0, 4) === 'II*\u0000' || ascii(0, 4) === 'MM\u0000*') return 'tiff';
  if (ascii(4, 8) === 'ftyp' && /^(avif|avis|heic|heix|mif1|msf1)$/.test(ascii(8, 12))) return 'heif';
  return null;
}

/** The request with some params replaced, keeping its kind (spreading a union loses the pairing). */
export function withParams<R extends JobRequest>(request: R, patch: { model?: string; seed?: number }): R {
  return { ...request, params: { ...request.params, ...patch } } as R;
}

export class InputStore {
  constructor(
    readonly dir: string,
    private readonly host: EngineHost,
    private readonly gallery: GalleryStore,
  ) {}

  /** Checks and stores uploaded bytes; the engine decodes them once to be sure they are usable. */
  async upload(bytes: Uint8Array, purpose: UploadPurpose, name?: string): Promise<CallResponse<'edit.upload'>> {
    const what = name ? `"${name}"` : `The ${PURPOSE_NAME[purpose]}`;
    if (bytes.length > MAX_IMAGE_BYTES) {
      throw new ApiCallError('IMAGE_TOO_LARGE', `${what} is ${(bytes.length / 1048576).toFixed(1)} MiB; images up to ${MAX_IMAGE_BYTES / 1048576} MiB can be used. Save it smaller (or as JPEG) and try again.`);
    }
    const kind = sniffImage(bytes);
    if (!kind) {
      const head = Buffer.from(bytes.subarray(0, 8)).toString('hex');
      throw new ApiCallError('IMAGE_INVALID', `${what} is not an image Reverie can read (PNG, JPEG, WebP, AVIF, TIFF or GIF); its first bytes are ${head || 'missing'}. Choose an image file.`);
    }
    await mkdir(this.dir, { recursive: true });
    const id = `up-${createHash('sha256').update(bytes).digest('hex').slice(0, 40)}`;
    const file = path.join(this.dir, id);
    if (!(await exists(file))) await writeFileAtomic(file, bytes);
    try {
      const info = await this.host.invoke('inspectImage', { file, what: name ? `${PURPOSE_NAME[purpose]} "${name}"` : PURPOSE_NAME[purpose] });
      return { image: { upload: id }, ...info };
    } catch (err) {
      await rm(file, { force: true });
      throw err;
    }
  }

  /** The file behind a reference; NOT_FOUND (in plain words) when it is gone. */
  async resolve(ref: ImageRef, what: string): Promise<string> {
    if ('upload' in ref) {
      const file = path.join(this.dir, ref.upload);
      if (!(await exists(file))) throw new ApiCallError('NOT_FOUND', `The ${what} (${ref.upload}) is no longer on this computer; choose the image again.`);
      return file;
    }
    const item = await this.gallery.get(ref.gallery);
    if (!item) throw new ApiCallError('NOT_FOUND', `The ${what} was gallery item "${ref.gallery}", which has been deleted; choose another image.`);
    return item.path;
  }

  /** Resolves every image a job names (before queueing, so a missing image fails at once). */
  async paths(request: JobRequest): Promise<JobImages> {
    if (request.kind === 'txt2img') return {};
    const p = request.params;
    const image = await this.resolve(p.image, 'input image');
    if (request.kind === 'inpaint') return { image, mask: await this.resolve(request.params.mask, 'mask') };
    if (request.kind === 'denoise' && request.params.reference) return { image, reference: await this.resolve(request.params.reference, 'reference image') };
    return { image };
  }
}

export interface JobImages {
  image?: string;
  mask?: string;
  reference?: string;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
