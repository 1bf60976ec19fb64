/**
 * A model component whose ONNX Runtime session is opened when it is needed and may be closed between
 * uses (models/model.ts): the VAE encoder, opened on the first image to encode, and the once-per-image
 * components a full-size model keeps apart on the CPU (models/apart.ts).
 */
import type { ModelSession } from '../runtime/session.ts';
import { EngineError } from '../types.ts';

export class OnDemand<T extends { readonly session: ModelSession }> {
  private value: T | undefined;
  private opening: Promise<T> | null = null;
  private disposed = false;
  /** calls of `use` in flight, and the releases waiting for them to end */
  private users = 0;
  private idle: (() => void)[] = [];

  /** `open` opens it (again after a release); `label` names it in errors (e.g. 'text_encoder/model.onnx'); `value` is one opened already */
  constructor(
    private readonly open: () => Promise<T>,
    private readonly label: string,
    value?: T,
  ) {
    this.value = value;
  }

  private disposedError(): EngineError {
    return new EngineError('INTERNAL', `${this.label}: session used after dispose()`);
  }

  /** the component, opening it now if it is not open */
  get(): Promise<T> {
    if (this.value) return Promise.resolve(this.value);
    if (this.disposed) return Promise.reject(this.disposedError());
    this.opening ??= this.open().then(
      (v) => {
        this.opening = null;
        // disposed while it opened: close it, the model is gone
        if (this.disposed) {
          void v.session.dispose();
          throw this.disposedError();
        }
        this.value = v;
        return v;
      },
      (err: unknown) => {
        this.opening = null;
        throw err;
      },
    );
    return this.opening;
  }

  /**
   * Runs `fn` on the component (opening it if needed); a release waits until no `fn` is running, so a
   * session is never closed under a run (a job's encode beside the studio's decode of a recorded step).
   */
  async use<R>(fn: (value: T) => Promise<R>): Promise<R> {
    this.users++;
    try {
      return await fn(await this.get());
    } finally {
      if (--this.users === 0) for (const wake of this.idle.splice(0)) wake();
    }
  }

  /** the component if it is open */
  get opened(): T | undefined {
    return this.value;
  }

  /** closes its session until the next `get`, once no `use` is running (nothing to do when it is not open) */
  async release(): Promise<void> {
    while (this.users > 0) await new Promise<void>((wake) => this.idle.push(wake));
    const v = this.value ?? (await this.opening?.catch(() => undefined));
    this.value = undefined;
    await v?.session.dispose();
  }

  /** closes it for good, waiting for an opening in flight */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.release();
  }
}
