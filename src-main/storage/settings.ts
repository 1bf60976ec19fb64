/**
 * settings.json in the app data folder: validated with the contract's zod schema, missing fields
 * filled from DEFAULT_SETTINGS, invalid fields reset to their default (and reported), unreadable
 * files moved aside rather than lost. Writes are atomic and serialised.
 */
import { readFile, rename } from 'node:fs/promises';
import { DEFAULT_SETTINGS, SettingsPatchSchema, SettingsSchema, applySettingsPatch } from '../ipc/schemas/settings.ts';
import type { Settings, SettingsPatch } from '../ipc/schemas/settings.ts';
import { writeFileAtomic } from './atomic.ts';

export interface LoadedSettings {
  settings: Settings;
  /** what was wrong with the stored file, in plain words (empty when it was fine or absent) */
  problems: string[];
}

/** Reads settings from parsed JSON: each field validated on its own, bad ones fall back to the default. */
export function settingsFromJson(raw: unknown): LoadedSettings {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { settings: structuredClone(DEFAULT_SETTINGS), problems: ['settings.json does not hold an object; using defaults'] };
  }
  const stored = raw as Record<string, unknown>;
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[]) {
    const fallback = structuredClone(DEFAULT_SETTINGS[key]);
    if (!(key in stored)) {
      merged[key] = fallback;
      continue;
    }
    let value = stored[key];
    if (key === 'defaults' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      value = { ...DEFAULT_SETTINGS.defaults, ...(value as object) };
    }
    const parsed = SettingsSchema.shape[key].safeParse(value);
    if (parsed.success) merged[key] = parsed.data;
    else {
      merged[key] = fallback;
      problems.push(`settings.json: "${key}" was invalid (${parsed.error.issues[0]?.message ?? 'bad value'}); reset to ${JSON.stringify(fallback)}`);
    }
  }
  return { settings: SettingsSchema.parse(merged), problems };
}

export class SettingsStore {
  private current: Settings;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly file: string,
    loaded: LoadedSettings,
  ) {
    this.current = loaded.settings;
    this.problems = loaded.problems;
  }

  readonly problems: string[];

  static async open(file: string): Promise<SettingsStore> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new SettingsStore(file, { settings: structuredClone(DEFAULT_SETTINGS), problems: [] });
      throw err;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      const aside = `${file}.unreadable-${Date.now()}`;
      await rename(file, aside);
      return new SettingsStore(file, {
        settings: structuredClone(DEFAULT_SETTINGS),
        problems: [`settings.json was not valid JSON (${(err as Error).message}); moved it to ${aside} and started from defaults`],
      });
    }
    return new SettingsStore(file, settingsFromJson(raw));
  }

  get(): Settings {
    return structuredClone(this.current);
  }

  /** Validates and applies a patch, writes the file atomically, returns the new settings. */
  update(patch: SettingsPatch): Promise<Settings> {
    const parsed = SettingsPatchSchema.safeParse(patch);
    if (!parsed.success) return Promise.reject(parsed.error);
    const valid = parsed.data;
    const run = this.queue.then(async () => {
      const next = SettingsSchema.parse(applySettingsPatch(this.current, valid));
      await writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`);
      this.current = next;
      return this.get();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
