/**
 * What each ONNX component of a Stable Diffusion folder must look like (tensor names and element
 * types from model-formats.md: diffusers' conversion script and optimum), and the check that turns a
 * mismatch into a plain-words problem. Used on the cheap protobuf signature (folder inspection) and on
 * the session metadata (LoadedModel), both expressed as `IOSpec`s.
 */
export interface IOSpec {
  name: string;
  type: string;
  /** null: shape not declared */
  dims: readonly (number | string)[] | null;
}

export type Component = 'text_encoder' | 'text_encoder_2' | 'unet' | 'vae_decoder' | 'vae_encoder';

interface Expected {
  inputs: Record<string, readonly string[]>;
  /** each entry lists alternative names; one of them must be present */
  outputs: readonly (readonly string[])[];
}

const FLOATS: readonly string[] = ['float32', 'float16'];
const EXPECTED: Record<Component, Expected> = {
  text_encoder: { inputs: { input_ids: ['int32', 'int64'] }, outputs: [['last_hidden_state']] },
  // SDXL's second encoder, CLIPTextModelWithProjection (optimum's CLIPTextWithProjectionOnnxConfig): the pooled projection as text_embeds
  text_encoder_2: { inputs: { input_ids: ['int32', 'int64'] }, outputs: [['text_embeds'], ['last_hidden_state']] },
  unet: {
    inputs: { sample: FLOATS, timestep: ['float32', 'float16', 'int64'], encoder_hidden_states: FLOATS },
    outputs: [['out_sample']],
  },
  vae_decoder: { inputs: { latent_sample: FLOATS }, outputs: [['sample']] },
  vae_encoder: { inputs: { sample: FLOATS }, outputs: [['latent_sample', 'latent_parameters']] },
};

/**
 * The SDXL UNet's added conditioning (diffusers' `added_cond_kwargs` with addition_embed_type "text_time";
 * optimum's UNetOnnxConfig names them text_embeds [B, 1280] and time_ids [B, 6]).
 */
const SDXL_UNET_INPUTS: Record<string, readonly string[]> = { text_embeds: FLOATS, time_ids: FLOATS };

/** Inputs some exports add that this engine cannot feed, with the model kind they betray. */
const UNSUPPORTED_INPUTS: Record<string, string> = {
  text_embeds: 'SDXL',
  time_ids: 'SDXL',
  timestep_cond: 'LCM',
  controlnet_cond: 'ControlNet',
  mid_block_additional_residual: 'ControlNet',
};

/**
 * Returns the problems of one component's signature ([] when it is usable). `sdxl`: the folder is an SDXL
 * one (it has text_encoder_2/), so its UNet also takes text_embeds and time_ids, both required.
 */
export function checkSignature(component: Component, inputs: readonly IOSpec[], outputs: readonly IOSpec[], opts: { sdxl?: boolean } = {}): string[] {
  const file = `${component}/model.onnx`;
  const base = EXPECTED[component];
  const expected = component === 'unet' && opts.sdxl === true ? { ...base, inputs: { ...base.inputs, ...SDXL_UNET_INPUTS } } : base;
  const inNames = inputs.map((i) => i.name);
  const outNames = outputs.map((o) => o.name);
  const missingIn = Object.keys(expected.inputs).filter((n) => !inNames.includes(n));
  const missingOut = expected.outputs.filter((alts) => !alts.some((n) => outNames.includes(n)));
  if (missingIn.length > 0 || missingOut.length > 0) {
    const wantIn = Object.keys(expected.inputs).join(', ');
    const wantOut = expected.outputs.map((alts) => alts.join(' or ')).join(', ');
    return [
      `${file}: expected inputs ${wantIn} and output ${wantOut}; ` +
        `found inputs ${list(inNames)} and outputs ${list(outNames)}`,
    ];
  }
  const problems: string[] = [];
  for (const input of inputs) {
    const allowed = expected.inputs[input.name];
    if (allowed === undefined) {
      const kind = UNSUPPORTED_INPUTS[input.name];
      const why = kind === 'SDXL' ? ' (an SDXL UNet: the folder needs text_encoder_2/ and tokenizer_2/ beside it)' : kind ? ` (${kind} models are not supported yet)` : '';
      problems.push(`${file} has an input this engine cannot feed: ${input.name}${why}`);
    } else if (!allowed.includes(input.type)) {
      problems.push(`${file}: input ${input.name} is ${input.type}; expected ${orList(allowed)}`);
    }
  }
  for (const output of outputs) {
    if (expected.outputs.some((alts) => alts.includes(output.name)) && !FLOATS.includes(output.type)) {
      problems.push(`${file}: output ${output.name} is ${output.type}; expected float32 or float16`);
    }
  }
  const rankProblems = checkRanks(component, inputs, outputs);
  return [...problems, ...rankProblems];
}

const RANKS: Record<string, number> = {
  input_ids: 2, last_hidden_state: 3, sample: 4, encoder_hidden_states: 3, out_sample: 4,
  latent_sample: 4, latent_parameters: 4, text_embeds: 2, time_ids: 2,
};

function checkRanks(component: Component, inputs: readonly IOSpec[], outputs: readonly IOSpec[]): string[] {
  const problems: string[] = [];
  for (const io of [...inputs, ...outputs]) {
    const rank = io.name === 'timestep' ? undefined : RANKS[io.name];
    if (rank !== undefined && io.dims !== null && io.dims.length !== rank) {
      problems.push(`${component}/model.onnx: ${io.name} has ${io.dims.length} dimensions [${io.dims.join(', ')}]; expected ${rank}`);
    }
    if (io.name === 'timestep' && io.dims !== null && io.dims.length > 1) {
      problems.push(`${component}/model.onnx: timestep has shape [${io.dims.join(', ')}]; expected a scalar, [1] or [batch]`);
    }
  }
  return problems;
}

/**
 * The penultimate layer's output of a text encoder exported with its hidden states (`hidden_states.0` is
 * the embeddings, `hidden_states.N` the last layer): `hidden_states.(N−1)`, what SDXL conditions on
 * (diffusers' encode_prompt takes `hidden_states[-2]`); undefined when the export has fewer than two.
 */
export function penultimateHiddenState(outputs: readonly IOSpec[]): string | undefined {
  const layers = outputs.map((o) => /^hidden_states\.(\d+)$/.exec(o.name)?.[1]).filter((k): k is string => k !== undefined).map(Number);
  if (layers.length < 2) return undefined;
  const last = Math.max(...layers);
  return layers.includes(last - 1) ? `hidden_states.${last - 1}` : undefined;
}

/** A fixed dim of a named tensor, or undefined when symbolic or not declared. */
export function fixedDim(specs: readonly IOSpec[], name: string, axis: number): number | undefined {
  const d = specs.find((s) => s.name === name)?.dims?.[axis];
  return typeof d === 'number' && d > 0 ? d : undefined;
}

function list(names: readonly string[]): string {
  return names.length > 0 ? names.join(', ') : '(none)';
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
