/**
 * A1111's "extra networks" in a prompt: `<lora:name:0.8>` asks for a LoRA at that weight and is not
 * text for the encoder (A1111 `modules/extra_networks.py`: the tag pattern `<kind:args>`, arguments
 * separated by colons, the first the name, the second the multiplier, default 1). The tags stay in the
 * prompt the user wrote and in the PNG parameters; the text encoder sees the prompt without them.
 */

export interface ExtraNetwork {
  /** 'lora' (A1111 also knows 'hypernet'; 'lyco' is an old alias of lora) */
  kind: string;
  name: string;
  weight: number;
}

const TAG = /<(\w+):([^>]+)>/g;

/** The prompt without its `<kind:name:weight>` tags, and the tags in order. */
export function extractExtraNetworks(prompt: string): { text: string; networks: ExtraNetwork[] } {
  const networks: ExtraNetwork[] = [];
  const text = prompt.replace(TAG, (_all, kind: string, args: string) => {
    const [name = '', weight] = args.split(':');
    const w = weight === undefined || weight.trim() === '' ? 1 : Number(weight);
    networks.push({ kind: kind.toLowerCase() === 'lyco' ? 'lora' : kind.toLowerCase(), name: name.trim(), weight: Number.isFinite(w) ? w : Number.NaN });
    return '';
  });
  return { text, networks };
}

/** A1111's tag for a LoRA at a weight, as it writes it into prompts and PNG parameters. */
export function loraTag(name: string, weight: number): string {
  return `<lora:${name}:${Number(weight.toFixed(4))}>`;
}
