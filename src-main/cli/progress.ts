/**
 * Progress on stderr: a redrawn bar when stderr is a terminal, otherwise a plain line at each stage
 * and every ~10% of the steps (log-friendly).
 */
import type { Txt2ImgProgress, Txt2ImgStage } from '../engine/pipelines/txt2img.ts';

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

export class ProgressReporter {
  private lastPlain = -1;
  private drawn = false;

  constructor(private readonly out: Out) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  stage(stage: Txt2ImgStage, iteration: number, batchCount: number): void {
    if (stage === 'sampling' || stage === 'decoding') {
      if (this.tty) return; // the bar shows it
      this.out.write(`${stage}${batchCount > 1 ? ` batch ${iteration + 1}/${batchCount}` : ''}\n`);
      return;
    }
    this.clear();
    this.out.write(`${stage === 'loading' ? 'loading model' : 'encoding prompt'}...\n`);
  }

  progress(p: Txt2ImgProgress): void {
    if (this.tty) {
      const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - 40));
      const filled = Math.round((p.step / p.total) * width);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      this.out.write(`\r[${bar}] ${p.step}/${p.total} steps  ETA ${seconds(p.etaMs)}  `);
      this.drawn = true;
      if (p.step === p.total) this.clear();
      return;
    }
    const tenth = Math.floor((p.step / p.total) * 10);
    if (tenth !== this.lastPlain || p.step === p.total) {
      this.lastPlain = tenth;
      this.out.write(`step ${p.step}/${p.total}, ETA ${seconds(p.etaMs)}\n`);
    }
  }

  /** A line of its own (clearing the bar first). */
  note(line: string): void {
    this.clear();
    this.out.write(`${line}\n`);
  }

  clear(): void {
    if (this.tty && this.drawn) this.out.write('\r\u001b[2K');
    this.drawn = false;
  }
}
