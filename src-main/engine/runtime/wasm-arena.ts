/**
 * A sampling run's latent buffers inside one WebAssembly memory, so that the SIMD kernels
 * (samplers/ops-kernels.ts) read and write them where they are instead of copying each into their
 * scratch memory and the result back out. Measured right after a 20 ms wait (the GPU step's place in the
 * loop), medians of 150: an Euler step's kernel alone took 36 µs on 4×64×64 on buffers already in its
 * memory (107 µs on 4×128×128) and 98 µs with the copies in and out (246); the whole call, with the
 * sampler's x and d in place and the prediction copied in, 93 → 62 µs.
 *
 * The memory has a fixed size (it is never grown, so views of it stay valid) and two parts:
 * - slots, handed out in order by `take` (a bump allocator); when they run out, `take` answers null and
 *   the caller allocates an ordinary array. `reset` hands them out again from the first, for the next
 *   run: the views of a run's slots are valid until its owner resets the arena (pipelines/sample.ts
 *   copies the run's result out first; the step hooks copy the x they keep, as they must anyway, since
 *   a sampler updates its x in place);
 * - staging, after the slots: where a kernel call copies the inputs that live elsewhere (the model's
 *   prediction, a step's noise) and the outputs that do. A call reuses it from its start, so nothing in it
 *   outlives the synchronous call that wrote it.
 * Its memory is touched once, when it is made: a fresh page costs ~12 µs on this project's VM (4×128×128's
 * arena, 3.8 MiB, 12 ms), so a run reuses an arena rather than making one.
 */
import { fixedMemory, instanceOn } from './wasm-simd.ts';
import type { WasmMemory, WasmModule } from './wasm-simd.ts';

/** the alignment of a slot, in bytes (a v128 load's natural alignment) */
const SLOT_ALIGN = 16;

export class WasmArena {
  static readonly #byBuffer = new WeakMap<ArrayBuffer, WasmArena>();
  readonly #memory: WasmMemory;
  readonly #instances = new Map<WasmModule, unknown>();
  /** bytes of the slots' part already handed out */
  #next = 0;
  readonly #slotBytes: number;
  /** the staging part: every float of the memory after the slots */
  readonly staging: Float32Array;

  private constructor(slotBytes: number, stagingFloats: number) {
    this.#slotBytes = slotBytes;
    this.#memory = fixedMemory(slotBytes + 4 * stagingFloats);
    const buffer = this.#memory.buffer;
    this.staging = new Float32Array(buffer, slotBytes, (buffer.byteLength - slotBytes) / 4);
    WasmArena.#byBuffer.set(buffer, this);
  }

  /**
   * An arena for `slots` arrays of `floats` floats and `stagingFloats` floats of staging, or null where
   * this runtime has no WebAssembly or the memory would pass `maxBytes`. The whole memory is touched
   * here, so that its first page faults fall on the run's setup rather than inside a step.
   */
  static create(floats: number, slots: number, stagingFloats: number, maxBytes: number): WasmArena | null {
    const slotBytes = slots * Math.ceil((4 * floats) / SLOT_ALIGN) * SLOT_ALIGN;
    if (!Number.isInteger(floats) || floats <= 0 || slotBytes + 4 * stagingFloats > maxBytes) return null;
    let arena: WasmArena;
    try {
      arena = new WasmArena(slotBytes, stagingFloats);
    } catch {
      return null;
    }
    new Float32Array(arena.#memory.buffer).fill(0);
    return arena;
  }

  /** The arena whose memory holds `a` (a view of its buffer), if any. */
  static holding(a: Float32Array): WasmArena | undefined {
    return WasmArena.#byBuffer.get(a.buffer as ArrayBuffer);
  }

  /** A zero-filled array of n floats in the next free slot, or null when the slots are used up. */
  take(n: number): Float32Array | null {
    const bytes = Math.ceil((4 * n) / SLOT_ALIGN) * SLOT_ALIGN;
    if (!Number.isInteger(n) || n <= 0 || this.#next + bytes > this.#slotBytes) return null;
    const out = new Float32Array(this.#memory.buffer, this.#next, n).fill(0);
    this.#next += bytes;
    return out;
  }

  /** Frees every slot for the next run: the views handed out so far must no longer be used. */
  reset(): void {
    this.#next = 0;
  }

  /** true when `a` is a view of this arena's memory */
  holds(a: Float32Array): boolean {
    return a.buffer === this.#memory.buffer;
  }

  /** `module`'s instance over this arena's memory (made on first use, then kept with the arena). */
  instance<E>(module: WasmModule): E {
    let exports = this.#instances.get(module);
    if (exports === undefined) {
      exports = instanceOn<E>(module, this.#memory);
      this.#instances.set(module, exports);
    }
    return exports as E;
  }
}
