/**
 * Where a sampling command's images go, written as each one is done: FILE.png for one image,
 * FILE-1.png, FILE-2.png, ... for several. Each file is written atomically (temp + rename), so an
 * interrupted or failed run keeps every image finished before it, and never leaves half a PNG.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../storage/atomic.ts';
import { FileWriteError, describeWriteError } from '../../storage/fs-errors.ts';

/** FILE.png for one image; FILE-1.png, FILE-2.png, ... for several. */
export function outputPaths(out: string, count: number): string[] {
  if (count === 1) return [out];
  const ext = path.extname(out);
  const stem = out.slice(0, out.length - ext.length);
  return Array.from({ length: count }, (_, i) => `${stem}-${i + 1}${ext}`);
}

/** Creates the file's folder, then writes it atomically; errors name `file` (FileWriteError). */
export async function writeOut(file: string, bytes: Uint8Array): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
  } catch (err) {
    throw new FileWriteError(file, err);
  }
  await writeFileAtomic(file, bytes);
}

/**
 * Writes a run's images to their files as the pipeline reports them (its onImage), in order.
 * The first failed write aborts the run (through `signal`, given to the pipeline) and is what
 * `settle()` throws, so a full disk stops a 40-image batch at the first image it cannot keep.
 */
export class OutputWriter {
  readonly paths: string[];
  private readonly out: string;
  private readonly written: string[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: FileWriteError | undefined;
  private readonly abort = new AbortController();
  /** aborted by the caller's signal or by a failed write */
  readonly signal: AbortSignal;

  constructor(out: string, count: number, signal: AbortSignal) {
    this.out = out;
    this.paths = outputPaths(out, count);
    this.signal = AbortSignal.any([signal, this.abort.signal]);
  }

  /** The pipeline's onImage: queues the write of image `index`. */
  readonly onImage = (image: { readonly index: number; readonly png: Uint8Array }): void => {
    const file = this.paths[image.index] ?? outputPaths(this.out, image.index + 1)[image.index];
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        await writeOut(file, image.png);
        this.written.push(file);
      } catch (err) {
        this.failure = err instanceof FileWriteError ? err : new FileWriteError(file, err);
        this.abort.abort(this.failure);
      }
    });
  };

  /**
   * Runs the pipeline call and waits for its writes. When the run fails or is interrupted, the
   * images written so far stay and are named through `report` ("kept 3 of 10 images: ..."); a failed
   * write is thrown (with what was kept) in place of the cancellation it caused.
   */
  async around<R>(run: () => Promise<R>, report: (line: string) => void, show: (file: string) => string = (f) => f): Promise<R> {
    let outcome: { ok: true; value: R } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await run() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    await this.chain;
    const kept = this.written.length === 0 ? 'no image was written' : `kept ${this.written.length} of ${this.paths.length} images: ${this.written.map(show).join(', ')}`;
    if (this.failure) throw new Error(`${describeWriteError(this.failure.cause, show(this.failure.file))} (${kept})`, { cause: this.failure });
    if (outcome.ok) return outcome.value;
    if (this.written.length > 0) report(kept);
    throw outcome.error;
  }
}
