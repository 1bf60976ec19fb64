/**
 * LoRA tensor names, from the schemes trainers write, mapped to one form: kohya's target names.
 * A target is `lora_unet_<module path, dots as underscores>` for the UNet, `lora_te_<...>` for the
 * (first) text encoder and `lora_te2_<...>` for SDXL's second one — e.g. diffusers'
 * `unet.down_blocks.0.attentions.0.proj_in.lora_A.weight` is the down weight of
 * `lora_unet_down_blocks_0_attentions_0_proj_in`. Mapping targets onto a checkpoint's own tensor
 * names (LDM or diffusers layout) is the importer's job, not this file's.
 */

export type LoraRole = 'down' | 'up' | 'alpha';

export interface LoraKey {
  target: string;
  role: LoraRole;
}

/** The LyCORIS / PEFT variants that are not plain low-rank products, by a tensor name they carry. */
const UNSUPPORTED_KINDS: [RegExp, string][] = [
  [/(^|[._])hada_/, 'LoHa (hada_ tensors)'],
  [/(^|[._])lokr_/, 'LoKr (lokr_ tensors)'],
  [/\.lora_mid\./, 'LoCon with a Tucker middle factor (lora_mid tensors)'],
  [/(^|[._])dora_scale$|lora_magnitude_vector/, 'DoRA (dora_scale / lora_magnitude_vector tensors)'],
  [/(^|[._])oft_/, 'OFT (oft_ tensors)'],
  [/\.diff(_b)?$/, 'LyCORIS full weight difference (.diff tensors)'],
  [/\.[wb]_norm$/, 'LyCORIS norm (w_norm / b_norm tensors)'],
];

/** The name of the unsupported LoRA kind this tensor belongs to, or null. */
export function unsupportedKindOf(name: string): string | null {
  for (const [pattern, kind] of UNSUPPORTED_KINDS) if (pattern.test(name)) return kind;
  return null;
}

const KOHYA = /^lora_(unet|te|te1|te2)_([^.]+)\.(lora_down\.weight|lora_up\.weight|alpha)$/;

/** Suffixes after the module path (diffusers / PEFT / older diffusers), longest first. */
const SUFFIXES: [string, LoraRole][] = [
  ['.lora_linear_layer.down.weight', 'down'],
  ['.lora_linear_layer.up.weight', 'up'],
  ['.lora.down.weight', 'down'],
  ['.lora.up.weight', 'up'],
  ['.lora_down.weight', 'down'],
  ['.lora_up.weight', 'up'],
  ['.lora_A.weight', 'down'],
  ['.lora_B.weight', 'up'],
  ['.alpha', 'alpha'],
];

/** Old diffusers attention processors: `<attn>.processor.to_q_lora.down.weight` and the like. */
const PROCESSOR = /^(.*?)\.(?:processor\.)?(to_q|to_k|to_v|to_out)_lora\.(down|up)\.weight$/;
/** The text encoder's CLIPAttention names for the processor's projections (diffusers' own mapping). */
const CLIP_PROJ: Record<string, string> = { to_q: 'q_proj', to_k: 'k_proj', to_v: 'v_proj', to_out: 'out_proj' };

const COMPONENTS: [string, string][] = [
  ['unet.', 'unet'],
  ['text_encoder.', 'te'],
  ['text_encoder_2.', 'te2'],
];

/** The kohya target and role of one LoRA tensor name, or null when the name is in no known scheme. */
export function parseLoraKey(name: string): LoraKey | null {
  const kohya = KOHYA.exec(name);
  if (kohya) {
    const part = kohya[1] === 'te1' ? 'te' : kohya[1];
    const role: LoraRole = kohya[3] === 'alpha' ? 'alpha' : kohya[3] === 'lora_down.weight' ? 'down' : 'up';
    return { target: `lora_${part}_${kohya[2]}`, role };
  }
  let rest = name.startsWith('base_model.model.') ? name.slice('base_model.model.'.length) : name;
  let part: string | null = null;
  for (const [prefix, id] of COMPONENTS) {
    if (rest.startsWith(prefix)) {
      part = id;
      rest = rest.slice(prefix.length);
      break;
    }
  }
  // no component prefix (a PEFT adapter saved from one model): CLIP's modules start with text_model
  part ??= rest.startsWith('text_model.') ? 'te' : 'unet';

  const processor = PROCESSOR.exec(rest);
  if (processor) {
    const [, attn, proj, dir] = processor;
    const module = part === 'unet' ? (proj === 'to_out' ? 'to_out.0' : proj) : CLIP_PROJ[proj];
    return { target: kohyaTarget(part, `${attn}.${module}`), role: dir === 'down' ? 'down' : 'up' };
  }
  for (const [suffix, role] of SUFFIXES) {
    if (rest.endsWith(suffix) && rest.length > suffix.length) return { target: kohyaTarget(part, rest.slice(0, -suffix.length)), role };
  }
  return null;
}

function kohyaTarget(part: string, modulePath: string): string {
  return `lora_${part}_${modulePath.replaceAll('.', '_')}`;
}
