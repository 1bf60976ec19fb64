/**
 * The Generate form's hires fix (A1111's): off by default; on, the result is upscaled by `scale` and
 * refined by a second image-to-image pass at `denoise` strength over `steps` (0: the base steps), with
 * the latents upscaled bilinearly ("latent") or the decoded image with Lanczos. Read back from PNGs.
 */
import type { ImageParameters } from '../api/types.ts';

export type HiresUpscaler = 'latent' | 'lanczos';

export interface HiresRequest {
  scale: number;
  denoise: number;
  steps?: number;
  upscaler: HiresUpscaler;
}

export const HIRES_MAX_SIDE = 4096;

export class HiresSettings {
  #enabled = $state(false);
  #scale = $state(2);
  #denoise = $state(0.7);
  #steps = $state(0);
  #upscaler = $state<HiresUpscaler>('latent');

  get enabled(): boolean {
    return this.#enabled;
  }
  set enabled(v: boolean) {
    this.#enabled = v;
  }
  get scale(): number {
    return this.#scale;
  }
  set scale(v: number) {
    this.#scale = Math.min(4, Math.max(1, Math.round(v * 100) / 100));
  }
  get denoise(): number {
    return this.#denoise;
  }
  set denoise(v: number) {
    this.#denoise = Math.min(1, Math.max(0, Math.round(v * 100) / 100));
  }
  get steps(): number {
    return this.#steps;
  }
  set steps(v: number) {
    this.#steps = Math.min(150, Math.max(0, Math.round(v)));
  }
  get upscaler(): HiresUpscaler {
    return this.#upscaler;
  }
  set upscaler(v: HiresUpscaler) {
    this.#upscaler = v;
  }

  /** what a reload keeps (generate-form's snapshot) */
  snapshot(): { enabled: boolean; scale: number; denoise: number; steps: number; upscaler: HiresUpscaler } {
    return { enabled: this.#enabled, scale: this.#scale, denoise: this.#denoise, steps: this.#steps, upscaler: this.#upscaler };
  }

  /** Takes back a snapshot's fields that are well formed; others keep their value. */
  restore(s: Record<string, unknown>): void {
    if (typeof s.enabled === 'boolean') this.#enabled = s.enabled;
    if (typeof s.scale === 'number') this.scale = s.scale;
    if (typeof s.denoise === 'number') this.denoise = s.denoise;
    if (typeof s.steps === 'number') this.steps = s.steps;
    if (s.upscaler === 'latent' || s.upscaler === 'lanczos') this.#upscaler = s.upscaler;
  }

  /** the size the second pass works at, rounded to the model's size step as the engine does */
  finalSize(width: number, height: number, step: number): { width: number; height: number } {
    const side = (v: number): number => Math.min(HIRES_MAX_SIDE, Math.max(64, Math.round((v * this.#scale) / step) * step));
    return { width: side(width), height: side(height) };
  }

  /** why the form cannot run, or null */
  problem(width: number, height: number): string | null {
    if (!this.#enabled) return null;
    const over = Math.max(width, height) * this.#scale;
    return over > HIRES_MAX_SIDE ? `Hires fix ×${this.#scale} of ${width}×${height} would be over ${HIRES_MAX_SIDE} pixels a side; lower the scale.` : null;
  }

  request(): HiresRequest | undefined {
    if (!this.#enabled) return undefined;
    return { scale: this.#scale, denoise: this.#denoise, upscaler: this.#upscaler, ...(this.#steps > 0 ? { steps: this.#steps } : {}) };
  }

  /** from a PNG's parameters: on with its settings, or off when the image had none */
  apply(p: ImageParameters): void {
    this.#enabled = p.hires !== undefined;
    if (!p.hires) return;
    this.scale = p.hires.scale;
    this.denoise = p.hires.denoise;
    this.steps = p.hires.steps ?? 0;
    this.#upscaler = p.hires.upscaler;
  }
}
