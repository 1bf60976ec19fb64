/** Small formatting helpers for the studio's labels. */
import type { JobRequest } from '../api/types.ts';

export type JobKind = JobRequest['kind'];

/** What each kind of job is called in lists (the tab names), and what its failure is called. */
export const JOB_KINDS: Readonly<Record<JobKind, { label: string; failed: string }>> = {
  txt2img: { label: 'Text to image', failed: 'The generation failed' },
  img2img: { label: 'Image to image', failed: 'Image to image failed' },
  inpaint: { label: 'Inpaint', failed: 'Inpainting failed' },
  denoise: { label: 'Denoise', failed: 'Denoising failed' },
};

/** "1:05", "12 s", "< 1 s" */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 1) return '< 1 s';
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}:${String(s % 60).padStart(2, '0')}`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Local date and time of a gallery item. */
export function formatDate(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

interface Size {
  width: number;
  height: number;
}

/**
 * A job's size for lists: the image it made, else the size its request asks for, else (text to
 * image) the model's own size, else (an edit job at the input's shape) "from" the input's size;
 * empty when none is known yet — never "?×?".
 */
export function jobSizeText(kind: JobKind, params: { width?: number; height?: number }, known: { result: Size | null; input: Size | null; modelDefault: Size | null }): string {
  const size = (s: Size): string => `${s.width} × ${s.height}`;
  if (known.result) return size(known.result);
  if (params.width !== undefined && params.height !== undefined) return size({ width: params.width, height: params.height });
  if (kind === 'txt2img' && known.modelDefault) return size(known.modelDefault);
  return known.input ? `from ${size(known.input)}` : '';
}

/** The first line of a prompt, shortened for lists. */
export function promptSummary(prompt: string, max = 80): string {
  const line = prompt.trim().split('\n')[0] ?? '';
  if (line === '') return '(empty prompt)';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export const STAGE_LABELS = {
  loading: 'Loading the model',
  encoding: 'Reading the prompt',
  sampling: 'Sampling',
  decoding: 'Decoding the image',
  saving: 'Saving',
} as const;
