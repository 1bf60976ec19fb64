/**
 * Imports a single-file checkpoint (.safetensors) as a normal diffusers ONNX folder in the user's models
 * folder: family from the tensors (templates.ts), each graph template filled with the file's weights
 * (external data in weights.pb, float16 on request), CLIP's tokenizer, SD scheduler and VAE configs, and
 * import.json (where each weight sits, with its LoRA keys, for merges at load time). Streams one tensor
 * at a time; everything is written to a hidden temporary folder that is renamed only when the folder
 * checks out, so a failure or cancel leaves nothing half-written. Pickles are never unpickled.
 */
import { cp, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { float32ToFloat16 } from '../runtime/fp16.ts';
import { readModelFolder } from '../models/folder.ts';
import { clipTokenizerFiles, CLIP_VOCAB_SIZE } from './clip-vocab.ts';
import { fillTemplate } from './onnx-writer.ts';
import type { CastToFloat, ExternalInitializer } from './onnx-writer.ts';
import { pickleRefusalMessage, sniffCheckpoint } from './pickle.ts';
import { openSafetensors } from './safetensors.ts';
import type { SafetensorsFile } from './safetensors.ts';
import { matchTemplate, readTemplates, templateParts } from './templates.ts';
import type { FamilyTemplate, GraphPart, LoraTarget, TensorSource } from './templates.ts';

export type Prediction = 'epsilon' | 'v_prediction';

export interface ImportProgress {
  type: 'import';
  stage: 'checking' | 'writing' | 'finishing';
  /** bytes of checkpoint weights converted so far, of `total` */
  done: number;
  total: number;
  part?: GraphPart;
}

export interface ImportOptions {
  file: string;
  /** the user's models folder; the model lands in modelsDir/<name> */
  modelsDir: string;
  /** the graph templates (models/templates, then the user's own) */
  templatesDirs: string[];
  /** folder name; default: the file's name without extension */
  name?: string;
  /** sd1 | sd2 | sdxl (inpainting variants follow the file); default: detected */
  family?: string;
  /** default: the checkpoint's modelspec metadata, else the family's default */
  prediction?: Prediction;
  /** store weights as float16 (half the disk; computed in float32) */
  fp16?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportResult {
  dir: string;
  name: string;
  family: string;
  prediction: Prediction;
  inpainting: boolean;
  tensors: number;
  /** bytes written (weights) */
  bytes: number;
  warnings: string[];
}

/** where one weight sits in the imported folder (import.json), for LoRA merges at load time */
export interface ImportedTensor {
  name: string;
  shape: number[];
  dataType: 'float32' | 'float16';
  offset: number;
  length: number;
  lora?: LoraTarget[];
}

export interface ImportRecord {
  format: 'reverie-import/1';
  source: string;
  family: string;
  graphs: Partial<Record<GraphPart, { weights: string; tensors: ImportedTensor[] }>>;
}

export class ImportError extends Error {}
export class ImportCancelled extends Error {
  constructor() {
    super('import cancelled; nothing was written');
  }
}

const ALIGN = 64;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 ._()+-]{0,79}$/;

/** The folder name for a file: its base name without extension, unsafe characters replaced. */
export function defaultModelName(file: string): string {
  const base = path.basename(file).replace(/\.(safetensors|ckpt|pt|pth|bin)$/i, '');
  const clean = base.replace(/[^A-Za-z0-9 ._()+-]/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 80);
  return clean || 'imported-model';
}

function checkName(name: string): void {
  if (!NAME_RE.test(name) || name.endsWith('.') || name.endsWith(' ')) {
    throw new ImportError(`"${name}" cannot be a model folder name; use 1–80 letters, digits, spaces, . _ - + ( ), starting with a letter or digit`);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

function predictionFor(template: FamilyTemplate, st: SafetensorsFile, asked: Prediction | undefined, warnings: string[]): Prediction {
  if (asked) {
    if (!template.predictionChoices.includes(asked)) throw new ImportError(`${template.family} checkpoints predict ${template.predictionChoices.join(' or ')}, not ${asked}`);
    return asked;
  }
  // ModelSpec (Stability's metadata standard): modelspec.prediction_type "v" / "epsilon", or an architecture ending in -v
  const stated = st.metadata['modelspec.prediction_type'] ?? '';
  const arch = st.metadata['modelspec.architecture'] ?? '';
  if (/^v/i.test(stated) || /-v(\/|$)/.test(arch)) return 'v_prediction';
  if (/^eps/i.test(stated)) return 'epsilon';
  // v-prediction SDXL finetunes mark themselves with an empty `v_pred` tensor (the key ComfyUI's model
  // detection reads); every other SDXL checkpoint predicts noise, so no guess is needed there
  if (template.graphs.text_encoder_2 !== undefined) return st.tensors.has('v_pred') ? 'v_prediction' : 'epsilon';
  if (template.predictionChoices.length > 1) {
    warnings.push(`the file does not say whether it predicts noise or velocity; assumed ${template.predictionType} (` +
      `SD 2.x 768 models are v-prediction, 2.x-base is epsilon); re-import with --prediction ${template.predictionType === 'epsilon' ? 'v' : 'epsilon'} if images come out grey or burnt`);
  }
  return template.predictionType;
}

async function writeGraph(st: SafetensorsFile, template: FamilyTemplate, part: GraphPart, sources: TensorSource[], outDir: string,
  fp16: boolean, progress: { done: number; report: (part: GraphPart) => void }, signal?: AbortSignal): Promise<{ tensors: ImportedTensor[]; bytes: number }> {
  await mkdir(outDir, { recursive: true });
  const weights = await open(path.join(outDir, 'weights.pb'), 'w');
  const inits: ExternalInitializer[] = [];
  const casts: CastToFloat[] = [];
  const tensors: ImportedTensor[] = [];
  let offset = 0;
  try {
    for (const s of sources) {
      if (signal?.aborted) throw new ImportCancelled();
      const data = await st.readFloat32(s.source, { checkFinite: true });
      const bytes = fp16 ? new Uint8Array(float32ToFloat16(data).buffer) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const pad = (ALIGN - (offset % ALIGN)) % ALIGN;
      if (pad) await weights.write(new Uint8Array(pad));
      offset += pad;
      await weights.write(bytes);
      const stored = fp16 ? `${s.template.name}::fp16` : s.template.name;
      inits.push({ name: stored, dims: s.template.shape, dataType: fp16 ? 'float16' : 'float32', location: 'weights.pb', offset, length: bytes.length });
      if (fp16) casts.push({ input: stored, output: s.template.name });
      tensors.push({ name: s.template.name, shape: s.template.shape, dataType: fp16 ? 'float16' : 'float32', offset, length: bytes.length,
        ...(s.template.lora ? { lora: s.template.lora } : {}) });
      offset += bytes.length;
      progress.done += st.entry(s.source).byteLength;
      progress.report(part);
    }
  } finally {
    await weights.close();
  }
  const graph = await readFile(path.join(template.dir, template.graphs[part]!.file));
  await writeFile(path.join(outDir, 'model.onnx'), fillTemplate(graph, inits, casts));
  return { tensors, bytes: offset };
}

async function writeConfigs(dir: string, template: FamilyTemplate, prediction: Prediction, source: string): Promise<void> {
  const json = (rel: string, value: unknown): Promise<void> => writeFile(path.join(dir, rel), `${JSON.stringify(value, null, 1)}\n`);
  const onnx = ['diffusers', 'OnnxRuntimeModel'];
  const clip = ['transformers', 'CLIPTokenizer'];
  const sdxl = template.graphs.text_encoder_2 !== undefined;
  // SDXL base was trained with the same discrete schedule; diffusers ships it with EulerDiscreteScheduler
  const scheduler = sdxl ? 'EulerDiscreteScheduler' : 'PNDMScheduler';
  await json('model_index.json', {
    _class_name: template.pipeline, _diffusers_version: '0.27.0',
    text_encoder: onnx, ...(sdxl ? { text_encoder_2: onnx } : {}), unet: onnx, vae_encoder: onnx, vae_decoder: onnx,
    tokenizer: clip, ...(sdxl ? { tokenizer_2: clip, force_zeros_for_empty_prompt: template.forceZerosForEmptyPrompt ?? true } : {}),
    scheduler: ['diffusers', scheduler],
    ...(sdxl ? {} : { safety_checker: [null, null], feature_extractor: [null, null], requires_safety_checker: false }),
    reverie_import: { source, family: template.family },
  });
  await mkdir(path.join(dir, 'scheduler'), { recursive: true });
  // the schedule every SD 1.x/2.x/XL checkpoint was trained with (diffusers' scheduler_config.json fields)
  await json('scheduler/scheduler_config.json', {
    _class_name: scheduler, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', num_train_timesteps: 1000,
    prediction_type: prediction, set_alpha_to_one: false, skip_prk_steps: true, steps_offset: 1, clip_sample: false, timestep_spacing: 'leading',
  });
  const blocks = Array.from({ length: Math.log2(template.vaeFactor) + 1 }, (_, i) => 128 * Math.min(4, 2 ** i));
  const vae = { scaling_factor: template.scalingFactor, latent_channels: template.latentChannels, block_out_channels: blocks };
  await json('vae_decoder/config.json', vae);
  await json('vae_encoder/config.json', vae);
  // the UNet's levels (the engine's size step: latents must halve evenly at every level but the last) and
  // SDXL's training size (1024²) as diffusers' unet config states them; SD 1.x/2.x keep the family default size
  await json('unet/config.json', {
    block_out_channels: unetBlockChannels(template),
    ...(sdxl ? { sample_size: template.defaultSize / template.vaeFactor } : {}),
  });
  await writeTokenizer(dir, template, 'tokenizer', template.tokenizerPad);
  if (sdxl) await writeTokenizer(dir, template, 'tokenizer_2', template.tokenizer2Pad ?? '!');
}

/**
 * diffusers' block_out_channels from the LDM UNet's tensors: the channels of each level's last ResBlock,
 * a level ending at every downsampling conv (`input_blocks.K.0.op`) and at the end (SD 1.x/2.x
 * [320, 640, 1280, 1280], SDXL [320, 640, 1280]).
 */
export function unetBlockChannels(template: Pick<FamilyTemplate, 'graphs'>): number[] {
  const rows = template.graphs.unet.tensors
    .map((t) => ({ m: /^model\.diffusion_model\.input_blocks\.(\d+)\.0\.(op\.weight|in_layers\.2\.weight)$/.exec(t.name), t }))
    .filter((r): r is { m: RegExpExecArray; t: (typeof r)['t'] } => r.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]));
  const levels: number[] = [];
  let channels = 0;
  for (const { m, t } of rows) {
    if (m[2] === 'op.weight') levels.push(channels);
    else channels = t.shape[0]!;
  }
  levels.push(channels);
  return levels;
}

/** The template's own tokenizer folder (toy vocabularies), else CLIP's BPE files with this pad token. */
async function writeTokenizer(dir: string, template: FamilyTemplate, folder: 'tokenizer' | 'tokenizer_2', pad: string): Promise<void> {
  await mkdir(path.join(dir, folder), { recursive: true });
  const own = path.join(template.dir, folder);
  if (await exists(own)) {
    await cp(own, path.join(dir, folder), { recursive: true });
  } else if (template.vocab === CLIP_VOCAB_SIZE) {
    for (const [file, text] of Object.entries(await clipTokenizerFiles(pad))) await writeFile(path.join(dir, folder, file), text);
  } else {
    throw new ImportError(`graph template ${template.family} has a ${template.vocab}-token text encoder but no ${folder}; reinstall Reverie`);
  }
}

/** Imports `options.file`; throws ImportError (bad input, with what to do), ImportCancelled, or the reader's format errors. */
export async function importCheckpoint(options: ImportOptions): Promise<ImportResult> {
  const format = await sniffCheckpoint(options.file);
  if (format === 'zip-pickle' || format === 'pickle') throw new ImportError(pickleRefusalMessage(options.file));
  if (format !== 'safetensors') {
    throw new ImportError(`${path.basename(options.file)} is not a .safetensors checkpoint (its first bytes match no known format); Reverie imports .safetensors files`);
  }
  const name = options.name ?? defaultModelName(options.file);
  checkName(name);
  const dest = path.join(options.modelsDir, name);
  if (await exists(dest)) throw new ImportError(`a model named "${name}" already exists in ${options.modelsDir}; choose another name (--name)`);
  options.onProgress?.({ type: 'import', stage: 'checking', done: 0, total: 0 });
  const st = await openSafetensors(options.file);
  const tmp = path.join(options.modelsDir, `.import-${name}-${process.pid}-${Date.now()}`);
  try {
    const match = matchTemplate(await readTemplates(options.templatesDirs), st.tensors, options.family);
    const { template } = match;
    const warnings: string[] = [];
    const prediction = predictionFor(template, st, options.prediction, warnings);
    const total = match.sources.reduce((sum, s) => sum + st.entry(s.source).byteLength, 0);
    const progress = { done: 0, report: (part: GraphPart) => options.onProgress?.({ type: 'import', stage: 'writing', done: progress.done, total, part }) };
    await mkdir(tmp, { recursive: true });
    const record: ImportRecord = { format: 'reverie-import/1', source: path.basename(options.file), family: template.family, graphs: {} as ImportRecord['graphs'] };
    let bytes = 0;
    for (const part of templateParts(template)) {
      const sources = match.sources.filter((s) => s.part === part);
      const written = await writeGraph(st, template, part, sources, path.join(tmp, part), options.fp16 === true, progress, options.signal);
      record.graphs[part] = { weights: 'weights.pb', tensors: written.tensors };
      bytes += written.bytes;
    }
    options.onProgress?.({ type: 'import', stage: 'finishing', done: total, total });
    await writeConfigs(tmp, template, prediction, path.basename(options.file));
    await writeFile(path.join(tmp, 'import.json'), `${JSON.stringify(record)}\n`);
    const { report } = await readModelFolder(tmp);
    if (!report.valid) throw new ImportError(`the imported folder does not check out: ${report.problems.join('; ')}`);
    if (options.signal?.aborted) throw new ImportCancelled();
    await rename(tmp, dest);
    return { dir: dest, name, family: template.family, prediction, inpainting: template.unetInChannels === 9, tensors: match.sources.length, bytes, warnings };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    await st.close();
  }
}
