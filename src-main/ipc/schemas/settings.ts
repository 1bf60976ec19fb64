import { z } from 'zod';
import { promptText } from './prompt.ts';
import { ProviderPreferenceSchema, ScheduleIdSchema } from './common.ts';

/** What the Generate form starts with. */
export const GenerationDefaultsSchema = z.object({
  sampler: z.string().min(1),
  schedule: ScheduleIdSchema,
  steps: z.int().min(1).max(200),
  cfgScale: z.number().min(0).max(30),
  negativePrompt: promptText('negative prompt'),
  /** null: the model's own default size */
  width: z.int().min(64).max(4096).multipleOf(8).nullable(),
  height: z.int().min(64).max(4096).multipleOf(8).nullable(),
});

/** The persisted settings (settings.json in the app data folder). */
export const SettingsSchema = z.object({
  /** extra folders scanned for models, after the bundled models/ and <data>/models */
  modelsDirs: z.array(z.string().min(1)).max(32),
  /** execution provider preference for new jobs */
  provider: ProviderPreferenceSchema,
  /** send a live preview every N sampling steps (0 = never) */
  previewEvery: z.int().min(0).max(50),
  /** last model used, so the picker can restore it */
  lastModel: z.string().nullable(),
  defaults: GenerationDefaultsSchema,
});
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  modelsDirs: [],
  provider: 'auto',
  previewEvery: 1,
  lastModel: null,
  defaults: {
    sampler: 'dpmpp_2m',
    schedule: 'karras',
    steps: 20,
    cfgScale: 7,
    negativePrompt: '',
    width: null,
    height: null,
  },
};

/**
 * settings.set takes a patch: any subset of the fields (defaults may be partial too).
 * Plain optional fields, no zod defaults, so missing keys never overwrite stored values.
 */
export const SettingsPatchSchema = z
  .object({
    modelsDirs: SettingsSchema.shape.modelsDirs.optional(),
    provider: ProviderPreferenceSchema.optional(),
    previewEvery: SettingsSchema.shape.previewEvery.optional(),
    lastModel: SettingsSchema.shape.lastModel.optional(),
    defaults: GenerationDefaultsSchema.partial().strict().optional(),
  })
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export const SettingsSetRequestSchema = z.object({ patch: SettingsPatchSchema }).strict();
export const SettingsChangedEventSchema = z.object({ settings: SettingsSchema });

/** Apply a validated patch to settings (pure). */
export function applySettingsPatch(current: Settings, patch: SettingsPatch): Settings {
  return {
    modelsDirs: patch.modelsDirs ?? current.modelsDirs,
    provider: patch.provider ?? current.provider,
    previewEvery: patch.previewEvery ?? current.previewEvery,
    lastModel: patch.lastModel === undefined ? current.lastModel : patch.lastModel,
    defaults: { ...current.defaults, ...stripUndefined(patch.defaults ?? {}) },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
