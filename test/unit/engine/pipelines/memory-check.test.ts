/**
 * The memory estimate and the refusal before a job starts (issue 18, item 6), on the real folders:
 * the bundled reverie-mini (the formula's calibration model) and the tiny fixtures, with the budget
 * injected so the result does not depend on this machine's memory.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decoderBytesPerPixel, readMemoryFacts } from '../../../../src-main/engine/models/memory-facts.ts';
import { parseByteSize, readMemoryBudget } from '../../../../src-main/engine/pipelines/memory-budget.ts';
import type { MemoryBudget } from '../../../../src-main/engine/pipelines/memory-budget.ts';
import { checkJobMemory } from '../../../../src-main/engine/pipelines/memory-check.ts';
import { MIB, estimateJobMemory } from '../../../../src-main/engine/pipelines/memory-estimate.ts';
import { EngineError } from '../../../../src-main/engine/types.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const MINI = path.join(REPO, 'models', 'reverie-mini');
const TINY = path.join(REPO, 'test', 'fixtures', 'models', 'reverie-tiny');
const SMALL: MemoryBudget = { available: 512 * MIB, total: 1024 * MIB, source: 'a test budget' };

async function refusal(promise: Promise<unknown>): Promise<EngineError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(EngineError);
  return err as EngineError;
}

describe('memory facts from the folder', () => {
  it('reverie-mini: ONNX file sizes, VAE channels (D = 120 B/px), 8 latent channels, factor 16, 256² default', async () => {
    const facts = await readMemoryFacts(MINI);
    expect(facts).toEqual({ weightsBytes: 37_463_166, decoderBytesPerPixel: 120, latentChannels: 8, vaeFactor: 16, sizeStep: 64, defaultWidth: 256, defaultHeight: 256, guidanceFree: false });
  });

  it("a folder without a VAE config gets SD's channels; an invalid folder gives nothing", async () => {
    expect((await readMemoryFacts(TINY))?.decoderBytesPerPixel).toBe(decoderBytesPerPixel([128, 256, 512, 512]));
    expect(decoderBytesPerPixel([128, 256, 512, 512])).toBe(928);
    expect(await readMemoryFacts(path.join(REPO, 'test', 'fixtures', 'models', 'broken-missing-unet'))).toBeUndefined();
  });
});

describe('the estimate against measured peaks of reverie-mini (the calibration in memory-estimate.ts)', () => {
  // peak RSS of `reverie generate --steps 1` measured with /usr/bin/time -v, in MiB
  const measured: [number, number, number][] = [[256, 1, 240], [1024, 1, 524], [1536, 1, 1093], [2048, 1, 1463], [1024, 2, 749], [2048, 2, 2452]];
  it.each(measured)('%i² batch %i: within −10 %…+20 % of %i MiB', async (side, batchSize, mib) => {
    const facts = await readMemoryFacts(MINI);
    if (!facts) throw new Error('reverie-mini is not a valid model folder');
    const { peak } = estimateJobMemory(facts, { width: side, height: side, batchSize, guided: true });
    expect(peak / (mib * MIB)).toBeGreaterThan(0.9);
    expect(peak / (mib * MIB)).toBeLessThan(1.2);
  });

  it('weights already loaded are not counted again; CFG 1 needs less than CFG 7', async () => {
    const facts = await readMemoryFacts(MINI);
    if (!facts) throw new Error('reverie-mini is not a valid model folder');
    const job = { width: 512, height: 512, batchSize: 1, guided: true };
    expect(estimateJobMemory(facts, job, true).weights).toBe(0);
    expect(estimateJobMemory(facts, job).weights).toBeCloseTo(2.2 * 37_463_166);
    expect(estimateJobMemory(facts, { ...job, guided: false }).activations).toBeLessThan(estimateJobMemory(facts, job).activations);
  });
});

describe('checkJobMemory', () => {
  it('refuses 4096² batch 16 on the fixture model in a 512 MiB budget, naming the estimate, the budget and what fits', async () => {
    const err = await refusal(checkJobMemory({ modelDir: TINY, width: 4096, height: 4096, batchSize: 16 }, SMALL));
    expect(err.code).toBe('OUT_OF_MEMORY');
    expect(err.message).toMatch(/^This job needs about 431\.8 GiB of memory \(431\.8 GiB for 16 images of 4096×4096 at once and 1 MiB for the model\), but 512 MiB is available \(a test budget; 1\.0 GiB in all\), so it was not started/);
    expect(err.message).toMatch(/Try batch size 1 and a smaller size such as 448×448 \(about 49\d MiB\); or close other programs to free memory\.$/);
    expect(err.details).toMatchObject({ available: 512 * MIB, total: 1024 * MIB, source: 'a test budget' });
  });

  it('suggests the largest batch that fits when the size alone fits', async () => {
    const err = await refusal(checkJobMemory({ modelDir: MINI, width: 1024, height: 1024, batchSize: 16 }, { available: 2048 * MIB, total: 4096 * MIB, source: 'a test budget' }));
    expect(err.message).toMatch(/Try a batch size of 7 \(about 1\.\d GiB; a batch count gives more images one after another without more memory\)/);
  });

  it('accepts a normal job (the model default size, batch 1) in the same budget', async () => {
    const verdict = await checkJobMemory({ modelDir: TINY }, SMALL);
    expect(verdict?.estimate.needed).toBeLessThan(SMALL.available);
    const mini = await checkJobMemory({ modelDir: MINI, batchSize: 4 }, SMALL);
    expect(mini?.estimate.needed).toBeLessThan(200 * MIB);
  });
});

describe('the memory budget', () => {
  let tmp = '';
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-budget-'));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('reads sizes like 8G, 512M, 1.5GiB and bytes', () => {
    expect(parseByteSize('512M')).toBe(512 * MIB);
    expect(parseByteSize('1.5GiB')).toBe(1536 * MIB);
    expect(parseByteSize('8g')).toBe(8192 * MIB);
    expect(parseByteSize('1048576')).toBe(MIB);
    expect(parseByteSize('lots')).toBeUndefined();
  });

  it('free memory, lowered by a cgroup v2 limit and by REVERIE_MEMORY_LIMIT', async () => {
    const none = path.join(tmp, 'none');
    const base = { freemem: () => 8192 * MIB, totalmem: () => 16384 * MIB };
    expect(await readMemoryBudget({ ...base, env: {}, cgroupRoot: none })).toEqual({ available: 8192 * MIB, total: 16384 * MIB, source: 'free memory' });
    const v2 = path.join(tmp, 'v2');
    await mkdir(v2);
    await writeFile(path.join(v2, 'memory.max'), `${4096 * MIB}\n`);
    await writeFile(path.join(v2, 'memory.current'), `${3072 * MIB}\n`);
    expect(await readMemoryBudget({ ...base, env: {}, cgroupRoot: v2 })).toEqual({ available: 1024 * MIB, total: 4096 * MIB, source: "free memory under this container's memory limit" });
    expect(await readMemoryBudget({ ...base, env: { REVERIE_MEMORY_LIMIT: '512M' }, cgroupRoot: v2 })).toEqual({ available: 512 * MIB, total: 512 * MIB, source: 'REVERIE_MEMORY_LIMIT=512M' });
    await writeFile(path.join(v2, 'memory.max'), 'max\n');
    expect((await readMemoryBudget({ ...base, env: {}, cgroupRoot: v2 })).source).toBe('free memory');
    await expect(readMemoryBudget({ ...base, env: { REVERIE_MEMORY_LIMIT: 'lots' }, cgroupRoot: none })).rejects.toThrow(/REVERIE_MEMORY_LIMIT is "lots"; write a size such as 8G/);
  });
});
