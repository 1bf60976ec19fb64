/**
 * From what the user wrote to the LoRAs a run merges: `<lora:name:weight>` tags in the prompt (A1111's
 * habit) are looked up as NAME.safetensors in the LoRA folders; files given directly (the CLI's
 * --lora FILE:WEIGHT, the studio's LoRA list) get a tag added to the prompt when it has none, so the
 * PNG parameters name every LoRA the way A1111 writes them and read back the same.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { extractExtraNetworks, loraTag } from '../tokenizer/extra-networks.ts';

export interface ResolvedLora {
  name: string;
  file: string;
  weight: number;
}

export class LoraTagError extends Error {}

/** A LoRA's name: its file name without .safetensors. */
export function loraName(file: string): string {
  return path.basename(file).replace(/\.safetensors$/i, '');
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

/** Every .safetensors file in the folders (name, file), first folder first; folders that do not exist are skipped. */
export async function listLoras(dirs: readonly string[]): Promise<{ name: string; file: string }[]> {
  const seen = new Set<string>();
  const out: { name: string; file: string }[] = [];
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const n of names.filter((x) => /\.safetensors$/i.test(x)).sort()) {
      const name = loraName(n);
      if (seen.has(name.toLowerCase())) continue;
      seen.add(name.toLowerCase());
      out.push({ name, file: path.join(dir, n) });
    }
  }
  return out;
}

/**
 * The prompt (with a tag for each given file it did not name) and the LoRAs to merge, in tag order.
 * Throws LoraTagError for a tag whose file is in no folder, a bad weight, or a missing file.
 */
export async function resolveLoras(prompt: string, given: readonly { file: string; weight: number }[], dirs: readonly string[]): Promise<{ prompt: string; loras: ResolvedLora[] }> {
  let text = prompt;
  const files = new Map<string, string>();
  for (const g of given) {
    if (!(await isFile(g.file))) throw new LoraTagError(`LoRA file ${g.file} does not exist`);
    const name = loraName(g.file);
    files.set(name.toLowerCase(), g.file);
    const named = extractExtraNetworks(text).networks.some((n) => n.kind === 'lora' && n.name.toLowerCase() === name.toLowerCase());
    if (!named) text = `${text}${text.trim() === '' ? '' : ' '}${loraTag(name, g.weight)}`;
  }
  const loras: ResolvedLora[] = [];
  const known = await listLoras(dirs);
  for (const tag of extractExtraNetworks(text).networks) {
    if (tag.kind !== 'lora') continue;
    if (!Number.isFinite(tag.weight)) throw new LoraTagError(`<lora:${tag.name}:…> has a weight that is not a number; write it like <lora:${tag.name}:0.8>`);
    if (loras.some((l) => l.name.toLowerCase() === tag.name.toLowerCase())) {
      throw new LoraTagError(`the prompt names LoRA "${tag.name}" twice; keep one <lora:${tag.name}:…> tag`);
    }
    const file = files.get(tag.name.toLowerCase()) ?? known.find((k) => k.name.toLowerCase() === tag.name.toLowerCase())?.file;
    if (!file) {
      const where = dirs.length ? dirs.join(' or ') : 'the LoRA folder';
      const some = known.slice(0, 5).map((k) => k.name).join(', ');
      throw new LoraTagError(`LoRA "${tag.name}" from the prompt is not in ${where}; put ${tag.name}.safetensors there${some ? ` (found: ${some})` : ''}`);
    }
    loras.push({ name: tag.name, file, weight: tag.weight });
  }
  return { prompt: text, loras };
}
