/** A run's latent buffers in one WebAssembly memory (runtime/wasm-arena.ts): slots handed out once, staging after them. */
import { describe, expect, it } from 'vitest';
import { WasmArena } from '../../../../src-main/engine/runtime/wasm-arena.ts';
import { F64, I32, assemble, compileModule, op } from '../../../../src-main/engine/runtime/wasm-simd.ts';

const MiB = 2 ** 20;

describe('WasmArena', () => {
  it('hands out zero-filled, 16-byte aligned, disjoint slots, then null', () => {
    const arena = WasmArena.create(10, 3, 40, MiB);
    expect(arena).not.toBeNull();
    const a = arena!;
    const slots = [a.take(10), a.take(10), a.take(10)];
    for (const s of slots) {
      expect(s).not.toBeNull();
      expect(s!.length).toBe(10);
      expect(s!.byteOffset % 16).toBe(0);
      expect(Array.from(s!)).toEqual(new Array(10).fill(0));
      s!.fill(7);
    }
    // writing one slot leaves the others as written
    slots[1]!.fill(3);
    expect([slots[0]![9], slots[1]![0], slots[2]![0]]).toEqual([7, 3, 7]);
    expect(a.take(1)).toBeNull();
    // the staging part starts after the slots and is not handed out
    expect(a.staging.byteOffset).toBeGreaterThanOrEqual(slots[2]!.byteOffset + slots[2]!.byteLength);
    expect(a.staging.length).toBeGreaterThanOrEqual(40);
  });

  it('hands its slots out again from the first after a reset, zero-filled', () => {
    const a = WasmArena.create(8, 2, 4, MiB)!;
    const first = a.take(8)!;
    first.fill(5);
    a.take(8)!.fill(6);
    expect(a.take(8)).toBeNull();
    a.reset();
    const again = a.take(8)!;
    expect(again.byteOffset).toBe(first.byteOffset);
    expect(Array.from(again)).toEqual(new Array(8).fill(0));
    expect(Array.from(a.take(8)!)).toEqual(new Array(8).fill(0));
  });

  it('a larger request than the slots left is refused, a smaller one fits', () => {
    const a = WasmArena.create(8, 2, 0, MiB)!;
    expect(a.take(17)).toBeNull();
    expect(a.take(16)?.length).toBe(16);
    expect(a.take(1)).toBeNull();
    expect(a.take(0)).toBeNull();
  });

  it('finds the arena of any view of its memory, and of nothing else', () => {
    const a = WasmArena.create(16, 2, 16, MiB)!;
    const b = WasmArena.create(16, 2, 16, MiB)!;
    const x = a.take(16)!;
    expect(WasmArena.holding(x)).toBe(a);
    expect(WasmArena.holding(x.subarray(4, 8))).toBe(a);
    expect(WasmArena.holding(a.staging)).toBe(a);
    expect(WasmArena.holding(b.take(16)!)).toBe(b);
    expect(WasmArena.holding(new Float32Array(16))).toBeUndefined();
    expect(a.holds(x)).toBe(true);
    expect(b.holds(x)).toBe(false);
    expect(a.holds(x.slice())).toBe(false);
  });

  it('refuses sizes past its bound and nonsense sizes', () => {
    expect(WasmArena.create(MiB, 2, 0, 4 * MiB)).toBeNull();
    expect(WasmArena.create(MiB / 4, 2, MiB / 2, 4 * MiB)).not.toBeNull();
    expect(WasmArena.create(0, 2, 0, MiB)).toBeNull();
    expect(WasmArena.create(1.5, 2, 0, MiB)).toBeNull();
  });

  it("runs a module's instance over its memory (made once, then kept): a store shows in a slot's view", () => {
    // put(at, v): four floats at byte `at` become v, v, 0, 0 (f64x2 splat, demoted to f32x4)
    const bytes = assemble([{ name: 'put', params: [I32, F64], results: [], locals: [], body: [op.get(0), op.get(1), op.f64x2Splat, op.f32x4DemoteF64x2Zero, op.v128Store] }]);
    const module = compileModule(bytes);
    expect(module).not.toBeNull();
    const a = WasmArena.create(8, 2, 4, MiB)!;
    const [x, y] = [a.take(8)!, a.take(8)!];
    const put = a.instance<{ put: (at: number, v: number) => void }>(module!);
    expect(a.instance(module!)).toBe(put);
    put.put(y.byteOffset + 16, 2.5);
    expect(Array.from(y)).toEqual([0, 0, 0, 0, 2.5, 2.5, 0, 0]);
    expect(Array.from(x)).toEqual(new Array(8).fill(0));
  });
});
