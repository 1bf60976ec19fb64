/**
 * One owner per ONNX session (house rule 3: every ORT call goes through here). Reads the input and
 * output names, element types and dims from the session metadata, validates every feed before `run`
 * (names, dtypes, ranks, fixed dims, consistent symbolic dims) and reports a mismatch as
 * "unet/model.onnx expects timestep int64, got float32" — the transformers.js idea of a compact
 * summary of what was expected and what was passed.
 *
 * A GPU session that fails on its first run is replaced by a CPU session (and the run repeated), with
 * a note saying so; later failures are reported as they are.
 */
import { CancelledError, EngineError } from '../types.ts';
import type { Tensor } from '../types.ts';
import { createSession, shortOrtMessage } from './ort.ts';
import type { OrtIO, OrtModel, ProviderId, ProviderPreference, SessionCacheOptions } from './ort.ts';
import { concatBatch, sliceBatch } from './tensor.ts';

export type Feeds = Readonly<Record<string, Tensor>>;

/** ONNX sessions opened through ModelSession and not yet disposed (the endurance run checks none leak). */
let liveSessions = 0;

export function liveSessionCount(): number {
  return liveSessions;
}

export class ModelSession {
  private ranOnce = false;
  private disposed = false;

  private constructor(
    private model: OrtModel,
    private readonly file: string,
    /** how errors name the model, e.g. 'unet/model.onnx' */
    readonly label: string,
    private fallbackNote: string | undefined,
    private readonly options: SessionCacheOptions,
  ) {}

  /** `options.cacheDir`: ONNX Runtime's optimized-model cache for CPU sessions (runtime/ort-cache.ts) */
  static async open(file: string, label: string, preference: ProviderPreference = 'auto', options: SessionCacheOptions = {}): Promise<ModelSession> {
    const created = await createSession(file, preference, label, options);
    liveSessions++;
    return new ModelSession(created.model, file, label, created.note, options);
  }

  get provider(): ProviderId {
    return this.model.provider;
  }

  /** why the preferred provider is not the one in use, if it is not */
  get note(): string | undefined {
    return this.fallbackNote;
  }

  get inputs(): readonly OrtIO[] {
    return this.model.inputs;
  }

  get outputs(): readonly OrtIO[] {
    return this.model.outputs;
  }

  input(name: string): OrtIO | undefined {
    return this.model.inputs.find((i) => i.name === name);
  }

  /** The fixed batch size of an input (its dim 0 is a number), or undefined when dynamic. */
  fixedBatch(name: string): number | undefined {
    const d = this.input(name)?.dims[0];
    return typeof d === 'number' && d > 0 ? d : undefined;
  }

  async run(feeds: Feeds, signal?: AbortSignal): Promise<Record<string, Tensor>> {
    if (this.disposed) throw new EngineError('INTERNAL', `${this.label}: session used after dispose()`);
    if (signal?.aborted) throw new CancelledError();
    validateFeeds(this.label, this.model.inputs, feeds);
    try {
      const out = await this.model.run(feeds);
      this.ranOnce = true;
      return out;
    } catch (err) {
      if (this.ranOnce || this.model.provider === 'cpu') {
        throw new EngineError('RUNTIME', `${this.label} failed to run on ${this.model.provider}: ${shortOrtMessage(err)}`);
      }
      const failed = this.model.provider;
      await this.model.release();
      const created = await createSession(this.file, 'cpu', this.label, this.options);
      this.model = created.model;
      const note = `${failed} failed on the first run of ${this.label} (${shortOrtMessage(err)}); using cpu`;
      this.fallbackNote = this.fallbackNote ? `${this.fallbackNote}; ${note}` : note;
      return this.run(feeds, signal);
    }
  }

  /**
   * Runs with the batch split into chunks when the model's batch dimension is fixed (static exports):
   * `batched` names the inputs whose dim 0 is the batch; other feeds are passed to every chunk.
   * Outputs are concatenated along dim 0.
   */
  async runBatched(feeds: Feeds, batched: readonly string[], batch: number, signal?: AbortSignal): Promise<Record<string, Tensor>> {
    const fixed = batched.map((n) => this.fixedBatch(n)).find((b) => b !== undefined);
    if (fixed === undefined || fixed >= batch) return this.run(feeds, signal);
    if (batch % fixed !== 0) {
      throw new EngineError('MODEL_UNSUPPORTED', `${this.label} has a fixed batch size of ${fixed}; a batch of ${batch} cannot be split into it`);
    }
    const chunks: Record<string, Tensor>[] = [];
    for (let start = 0; start < batch; start += fixed) {
      const part: Record<string, Tensor> = { ...feeds };
      for (const name of batched) part[name] = sliceBatch(feeds[name], start, start + fixed);
      chunks.push(await this.run(part, signal));
    }
    const out: Record<string, Tensor> = {};
    for (const name of Object.keys(chunks[0])) out[name] = concatBatch(chunks.map((c) => c[name]));
    return out;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    liveSessions--;
    await this.model.release();
  }
}

/**
 * Checks feeds against the session's inputs; throws EngineError('MODEL_UNSUPPORTED') listing every
 * mismatch. Metadata dims [] mean "scalar or undeclared" (ORT reports both the same), so any rank passes.
 */
export function validateFeeds(label: string, inputs: readonly OrtIO[], feeds: Feeds): void {
  const problems: string[] = [];
  const names = inputs.map((i) => i.name);
  const missing = names.filter((n) => !(n in feeds));
  if (missing.length > 0) problems.push(`needs ${missing.join(', ')} (inputs: ${names.join(', ')})`);
  for (const name of Object.keys(feeds)) {
    if (!names.includes(name)) problems.push(`has no input named ${name} (inputs: ${names.join(', ')})`);
  }
  const symbols = new Map<string, { value: number; input: string }>();
  for (const spec of inputs) {
    const t = feeds[spec.name];
    if (!t) continue;
    const expected = `${spec.name} ${spec.type} [${spec.dims.join(', ')}]`;
    const got = `${t.dtype} [${t.dims.join(', ')}]`;
    if (t.dtype !== spec.type) {
      problems.push(`expects ${spec.name} ${spec.type}, got ${t.dtype}`);
      continue;
    }
    if (spec.dims.length > 0 && t.dims.length !== spec.dims.length) {
      problems.push(`expects ${expected}, got ${got} (rank ${t.dims.length} instead of ${spec.dims.length})`);
      continue;
    }
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (t.data.length !== count) problems.push(`got ${spec.name} with ${t.data.length} values for dims [${t.dims.join(', ')}] (${count})`);
    spec.dims.forEach((d, axis) => {
      const actual = t.dims[axis];
      if (typeof d === 'number') {
        if (d >= 0 && actual !== d) problems.push(`expects ${expected}, got ${got} (dim ${axis} must be ${d})`);
      } else if (d !== '') {
        const seen = symbols.get(d);
        if (!seen) symbols.set(d, { value: actual, input: spec.name });
        else if (seen.value !== actual) {
          problems.push(`dim ${d} is ${seen.value} in ${seen.input} but ${actual} in ${spec.name}`);
        }
      }
    });
  }
  if (problems.length > 0) {
    const passed = Object.entries(feeds).map(([n, t]) => `${n} ${t.dtype} [${t.dims.join(', ')}]`).join(', ');
    throw new EngineError('MODEL_UNSUPPORTED', `${label} ${problems.join('; ')}`, { expected: inputs, passed });
  }
}
