import { describe, expect, it } from 'vitest';
import { CALLS, CALL_NAMES, EVENTS, EVENT_NAMES, ProviderPreferenceSchema, ScheduleIdSchema, SettingsPatchSchema, SettingsSchema, DEFAULT_SETTINGS, applySettingsPatch } from '../../../src-main/ipc/contract.ts';
import { SCHEDULES } from '../../../src-main/engine/schedules/index.ts';
import { isProviderId } from '../../../src-main/engine/runtime/ort.ts';

describe('contract', () => {
  it('declares a schema for every call and event name, and nothing else', () => {
    expect(Object.keys(CALLS).sort()).toEqual([...CALL_NAMES].sort());
    expect(Object.keys(EVENTS).sort()).toEqual([...EVENT_NAMES].sort());
  });

  it('names calls namespace.method so the API can group them', () => {
    for (const name of CALL_NAMES) expect(name).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
  });

  it('mirrors the engine registries it duplicates as enums', () => {
    expect([...ScheduleIdSchema.options].sort()).toEqual(SCHEDULES.map((s) => s.id).sort());
    for (const id of ProviderPreferenceSchema.options.filter((o) => o !== 'auto')) expect(isProviderId(id)).toBe(true);
  });

  it('fills job defaults and resolves nothing model-specific', () => {
    const parsed = CALLS['jobs.submit'].request.parse({ kind: 'txt2img', params: { model: '/m', prompt: 'x' } });
    expect(parsed.params).toEqual({ model: '/m', prompt: 'x', negativePrompt: '', seed: -1, batchSize: 1, batchCount: 1, provider: 'auto' });
  });

  it('rejects out-of-range job parameters with a path to the field', () => {
    const bad = CALLS['jobs.submit'].request.safeParse({ kind: 'txt2img', params: { model: '/m', prompt: 'x', width: 500 } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].path).toEqual(['params', 'width']);
    expect(CALLS['jobs.submit'].request.safeParse({ kind: 'img2img', params: {} }).success).toBe(false);
  });

  it('takes empty objects for parameterless calls and refuses unknown keys', () => {
    expect(CALLS['system.info'].request.safeParse({}).success).toBe(true);
    expect(CALLS['system.info'].request.safeParse({ extra: 1 }).success).toBe(false);
  });

  it('applies settings patches without touching fields left out', () => {
    const patch = SettingsPatchSchema.parse({ defaults: { steps: 30 } });
    const next = applySettingsPatch(DEFAULT_SETTINGS, patch);
    expect(next.defaults.steps).toBe(30);
    expect(next.defaults.sampler).toBe(DEFAULT_SETTINGS.defaults.sampler);
    expect(next.provider).toBe(DEFAULT_SETTINGS.provider);
    expect(SettingsSchema.parse(next)).toEqual(next);
    expect(SettingsPatchSchema.safeParse({ previewEvery: -1 }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ colour: 'blue' }).success).toBe(false);
  });
});

describe('contract: images sent with calls', () => {
  it('takes base64 without a data: prefix, within the size limit', async () => {
    const { MAX_IMAGE_BASE64 } = await import('../../../src-main/ipc/contract.ts');
    const schema = CALLS['images.readParameters'].request;
    expect(schema.safeParse({ data: 'iVBORw0KGgo=', name: 'a.png' }).success).toBe(true);
    expect(schema.safeParse({ data: 'data:image/png;base64,iVBORw0KGgo=' }).error?.issues[0].message).toMatch(/base64 without a data: prefix/);
    expect(schema.safeParse({ data: '' }).success).toBe(false);
    expect(schema.safeParse({ data: 'A'.repeat(MAX_IMAGE_BASE64 + 4) }).error?.issues[0].message).toMatch(/limited to 32 MiB/);
  });
});
