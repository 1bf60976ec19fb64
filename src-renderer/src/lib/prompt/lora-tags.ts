/**
 * `<lora:NAME:WEIGHT>` tags in the prompt box (A1111's extra-network syntax): which LoRAs the prompt
 * names, and the prompt with one added, re-weighted or removed. The prompt stays the one place a
 * LoRA choice lives, so it travels with copied prompts and PNG parameters.
 */
const TAG = /<(lora|lyco):([^>:]+)(?::([^>]*))?>/gi;

/** name → weight of each LoRA tag in the prompt (weight 1 when none is written). */
export function promptLoras(prompt: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of prompt.matchAll(TAG)) {
    const w = m[3] === undefined || m[3].trim() === '' ? 1 : Number(m[3].split(':')[0]);
    out.set(m[2]!.trim(), Number.isFinite(w) ? w : 1);
  }
  return out;
}

/** The prompt with NAME's tag set to `weight` (added at the end when absent), or removed when weight is null. */
export function withLora(prompt: string, name: string, weight: number | null): string {
  let found = false;
  const replaced = prompt.replace(TAG, (all, _kind: string, tagName: string) => {
    if (tagName.trim().toLowerCase() !== name.toLowerCase()) return all;
    found = true;
    return weight === null ? '' : `<lora:${name}:${Number(weight.toFixed(2))}>`;
  });
  if (weight === null) return replaced.replace(/\s{2,}/g, ' ').trim();
  if (found) return replaced;
  const sep = prompt.trim() === '' ? '' : prompt.endsWith(' ') ? '' : ' ';
  return `${prompt}${sep}<lora:${name}:${Number(weight.toFixed(2))}>`;
}
