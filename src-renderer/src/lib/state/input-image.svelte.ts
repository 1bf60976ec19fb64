/**
 * The image one tab works on (each edit tab and Process view has its own, EditInputs holds them):
 * "send to …" from a result or gallery item, a dropped or pasted file, or the file picker. Holds the original bytes (a Blob, `$state.raw`) for the contract calls and
 * an object URL for display; the previous URL is revoked when the image changes.
 *
 * Extension point for the edit tabs: read `image`, call `base64()` when submitting a job, and
 * `setFile()` / `setFromGallery()` from their own drop zones (lib/components/ImageInput.svelte).
 */
import type { GalleryItem } from '../api/types.ts';
import { errorText } from './system.svelte.ts';

export type InputSource = 'file' | 'drop' | 'paste' | 'gallery';

export interface InputImage {
  /** object URL of the bytes, for <img> and canvases */
  readonly url: string;
  readonly blob: Blob;
  readonly name: string;
  readonly type: string;
  readonly width: number;
  readonly height: number;
  readonly source: InputSource;
  /** set when it came from the gallery */
  readonly galleryId: string | null;
}

export interface InputImageDeps {
  /** pixel size of an encoded image (default: createImageBitmap) */
  decodeSize?: (blob: Blob) => Promise<{ width: number; height: number }>;
  /** loads a same-origin URL (default: fetch) */
  fetchBlob?: (url: string) => Promise<Blob>;
  createUrl?: (blob: Blob) => string;
  revokeUrl?: (url: string) => void;
}

/** Files above this size are refused here, before any upload (the contract's limit). */
export const MAX_INPUT_BYTES = 32 * 1024 * 1024;

/** The browser's decoder, looked up at run time (the class is also unit-tested in Node, with an injected decoder). */
type BitmapDecoder = (blob: Blob) => Promise<{ width: number; height: number; close(): void }>;

async function bitmapSize(blob: Blob): Promise<{ width: number; height: number }> {
  const decode = (globalThis as { createImageBitmap?: BitmapDecoder }).createImageBitmap;
  if (!decode) throw new Error('this environment cannot decode images');
  const bitmap = await decode(blob);
  const size = { width: bitmap.width, height: bitmap.height };
  bitmap.close();
  return size;
}

async function fetchSameOrigin(url: string): Promise<Blob> {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`could not load ${url} (HTTP ${response.status})`);
  return response.blob();
}

/** Base64 of a Blob's bytes, without a data: prefix (what the contract's image fields take). */
export async function blobToBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

export class InputImageState {
  #image = $state.raw<InputImage | null>(null);
  #loading = $state(false);
  #error = $state<string | null>(null);
  readonly #deps: Required<InputImageDeps>;

  constructor(deps: InputImageDeps = {}) {
    this.#deps = {
      decodeSize: deps.decodeSize ?? bitmapSize,
      fetchBlob: deps.fetchBlob ?? fetchSameOrigin,
      createUrl: deps.createUrl ?? ((b) => URL.createObjectURL(b)),
      revokeUrl: deps.revokeUrl ?? ((u) => URL.revokeObjectURL(u)),
    };
  }

  get image(): InputImage | null {
    return this.#image;
  }
  get loading(): boolean {
    return this.#loading;
  }
  /** why the last image could not be used, in plain words */
  get error(): string | null {
    return this.#error;
  }

  /** Uses a file (picker, drop, paste); false with `error` set when it is not a usable image. */
  async setFile(blob: Blob, name: string, source: InputSource, galleryId: string | null = null): Promise<boolean> {
    if (blob.type !== '' && !blob.type.startsWith('image/')) {
      this.#error = `"${name}" is not an image (${blob.type}); use a PNG, JPEG or WebP file.`;
      return false;
    }
    if (blob.size > MAX_INPUT_BYTES) {
      this.#error = `"${name}" is ${(blob.size / 1048576).toFixed(1)} MiB; images up to ${MAX_INPUT_BYTES / 1048576} MiB can be used.`;
      return false;
    }
    this.#loading = true;
    try {
      const { width, height } = await this.#deps.decodeSize(blob);
      const previous = this.#image;
      this.#image = { url: this.#deps.createUrl(blob), blob, name, type: blob.type, width, height, source, galleryId };
      if (previous) this.#deps.revokeUrl(previous.url);
      this.#error = null;
      return true;
    } catch (err) {
      this.#error = `"${name}" could not be read as an image (${errorText(err)}).`;
      return false;
    } finally {
      this.#loading = false;
    }
  }

  /** "Use the image from …": the same bytes another tab's input holds, under a URL of its own. */
  adopt(image: InputImage): void {
    const previous = this.#image;
    this.#image = { ...image, url: this.#deps.createUrl(image.blob) };
    if (previous) this.#deps.revokeUrl(previous.url);
    this.#error = null;
  }

  /** "Send to …" from a result or the gallery. */
  async setFromGallery(item: GalleryItem): Promise<boolean> {
    try {
      const blob = await this.#deps.fetchBlob(item.url);
      return await this.setFile(blob, item.fileName, 'gallery', item.id);
    } catch (err) {
      this.#error = `The image ${item.fileName} could not be loaded (${errorText(err)}).`;
      return false;
    }
  }

  clear(): void {
    if (this.#image) this.#deps.revokeUrl(this.#image.url);
    this.#image = null;
    this.#error = null;
  }

  /** The bytes as base64, for a job request; null when there is no image. */
  async base64(): Promise<string | null> {
    return this.#image ? blobToBase64(this.#image.blob) : null;
  }
}
