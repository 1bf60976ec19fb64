/** Seeds are unsigned 32-bit integers, as in A1111; -1 asks the main side to pick one. */
export const MAX_SEED = 4294967295;
export const RANDOM_SEED = -1;

export type SeedParse = { ok: true; seed: number } | { ok: false; message: string };

/** Reads the Seed field: empty or -1 means random; otherwise a whole number 0…4294967295. */
export function parseSeed(text: string): SeedParse {
  const t = text.trim();
  if (t === '' || t === '-1') return { ok: true, seed: RANDOM_SEED };
  if (!/^\d+$/.test(t) || Number(t) > MAX_SEED) {
    return { ok: false, message: `Seed "${t}" is not a whole number from 0 to ${MAX_SEED}; leave it empty for a random seed.` };
  }
  return { ok: true, seed: Number(t) };
}

/** A random seed drawn here (the dice button), so the user sees it before generating. */
export function drawSeed(random: () => number = Math.random): number {
  return Math.floor(random() * (MAX_SEED + 1));
}
