/**
 * A small list kept in the window's localStorage under one versioned key (prompt history, saved
 * styles). The storage is injected (unit tests pass a Map-backed one; null keeps nothing); a
 * damaged, disabled or full store only costs the convenience, never an error.
 */

/** The part of the Web Storage API a kept list needs (the window's localStorage has it). */
export interface KeptStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The window's localStorage, or null where it is missing or disabled (privacy settings). */
export function windowStorage(): KeptStorage | null {
  try {
    return (globalThis as { localStorage?: KeptStorage }).localStorage ?? null;
  } catch {
    return null;
  }
}

/** Reads `{ version, items }` under `key`; [] when missing, damaged or of another version. */
export function readKept(storage: KeptStorage | null, key: string, version: number): unknown[] {
  try {
    const text = storage?.getItem(key);
    const kept = text ? (JSON.parse(text) as { version?: unknown; items?: unknown }) : null;
    return kept?.version === version && Array.isArray(kept.items) ? kept.items : [];
  } catch {
    return [];
  }
}

export function writeKept(storage: KeptStorage | null, key: string, version: number, items: readonly unknown[]): void {
  try {
    storage?.setItem(key, JSON.stringify({ version, items }));
  } catch {
    // full or disabled storage: nothing to lose but the convenience
  }
}

/** A prompt and its negative prompt, as a history entry or a style holds them. */
export interface PromptPair {
  prompt: string;
  negativePrompt: string;
}

export function isPromptPair(v: unknown): v is PromptPair {
  const o = v as Partial<PromptPair> | null;
  return typeof o === 'object' && o !== null && typeof o.prompt === 'string' && typeof o.negativePrompt === 'string';
}
