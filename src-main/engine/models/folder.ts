/**
 * Model folder inspection: layout (diffusers conversion script or optimum export, external weights),
 * configs, family detection, and every problem found, in one report.
 *
 * Cheap by design: no ONNX Runtime session is created. The ONNX graphs' inputs and outputs are read by a
 * small protobuf walk (onnx-signature.ts) that seeks past the weights, so inspecting a 2 GB folder
 * costs a few kilobytes of reads. LoadedModel later checks the real session metadata again.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { trainingScheduleFromConfig } from '../schedules/discrete.ts';
import type { TrainingSchedule } from '../schedules/discrete.ts';
import { FAMILIES } from './families.ts';
import type { ModelFamily } from './families.ts';
import { errorText, isDirectory, isFile, isRecord, linkProblem, modelFolderSize, readJsonFile } from './files.ts';
import { readOnnxSignature } from './onnx-signature.ts';
import type { OnnxSignature } from './onnx-signature.ts';
import { checkDefaultSize, readReverieMeta, readScalingFactor, readUnetDownsamples, readUnetSampleSize, readVaeFactor } from './folder-configs.ts';
import type { ReverieMeta } from './folder-configs.ts';
import { detectFamily, familySize } from './folder-family.ts';
import { checkSdxlGraphs, readSdxlFacts, sdxlFamily, sdxlRefusal, sdxlSign } from './folder-sdxl.ts';
import type { SdxlFacts } from './folder-sdxl.ts';
import { checkSignature, fixedDim } from './signatures.ts';
import type { Component } from './signatures.ts';

export type { ModelFamily } from './families.ts';
export type { ReverieMeta } from './folder-configs.ts';

export interface ModelFolderReport {
  path: string;
  name: string;
  valid: boolean;
  family?: ModelFamily;
  problems: string[];
  /** valid folders that run with assumptions (e.g. an unknown text-encoder width): what was assumed */
  warnings?: string[];
  inpainting?: boolean;
  sizeBytes?: number;
}

/** What LoadedModel needs besides the report; present only for a valid folder. */
export interface FolderFacts {
  family: ModelFamily;
  schedule: TrainingSchedule;
  inpainting: boolean;
  /** from vae_decoder/config.json or vae/config.json; undefined: use the family default */
  scalingFactor?: number;
  /** VAE spatial downsampling: pixels per latent cell along each side (VAE config, else fixed ONNX dims, else the family's) */
  vaeFactor: number;
  /**
   * the size granularity: image sides are multiples of this, the VAE factor times 2 for every time
   * the UNet halves the latents (reverie-mini v2: 16 · 2² = 64; SD 1.x: 8 · 2³ = 64)
   */
  sizeStep: number;
  /** the UNet's latent channels (its graph, else the "reverie" preview rows, else 4) */
  latentChannels: number;
  reverie?: ReverieMeta;
  hasVaeEncoder: boolean;
  /** [width, height]: the "reverie" default_size, else unet/config.json's sample_size × vaeFactor, else the family's size */
  defaultSize: [number, number];
  /** SDXL folders: text_encoder_2 and the UNet's added conditioning */
  sdxl?: SdxlFacts;
}

const COMPONENTS: readonly Component[] = ['text_encoder', 'unet', 'vae_decoder', 'vae_encoder'];
const PIPELINE_CLASS = /^(Onnx|ORT)?StableDiffusion(XL)?(Img2Img|Inpaint)?Pipeline$/;
const PYTORCH_WEIGHTS = ['diffusion_pytorch_model.safetensors', 'diffusion_pytorch_model.bin', 'model.safetensors'];

export async function inspectModelFolder(dir: string): Promise<ModelFolderReport> {
  return (await readModelFolder(dir)).report;
}

/**
 * The subfolders of a models root that may be models, sorted: hidden ones (an import in progress) and
 * the graph-template store (models/templates: templates.json, no model_index.json) are left out.
 * Symbolic links to folders count as subfolders; broken ones (dangling, looping, or pointing back at a
 * folder that holds them) are kept too, so that their report says what is wrong (linkProblem).
 * Undefined when the root does not exist.
 */
export async function modelSubfolders(root: string): Promise<string[] | undefined> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return undefined;
  }
  const names: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const dir = path.join(root, e.name);
    if (e.isSymbolicLink()) {
      const target = await stat(dir).catch(() => undefined);
      if (target && !target.isDirectory()) continue; // a link to a file, like a plain file
    } else if (!e.isDirectory()) continue;
    if ((await isFile(path.join(dir, 'templates.json'))) && !(await isFile(path.join(dir, 'model_index.json')))) continue;
    names.push(e.name);
  }
  return names.sort();
}

/** Inspects each immediate subfolder of each root; roots that do not exist are skipped. */
export async function scanModelFolders(roots: readonly string[]): Promise<ModelFolderReport[]> {
  const reports: ModelFolderReport[] = [];
  for (const root of roots) {
    for (const name of (await modelSubfolders(root)) ?? []) reports.push(await inspectModelFolder(path.join(root, name)));
  }
  return reports;
}

export async function readModelFolder(dirIn: string): Promise<{ report: ModelFolderReport; facts?: FolderFacts }> {
  const dir = path.resolve(dirIn);
  const report: ModelFolderReport = { path: dir, name: path.basename(dir), valid: false, problems: [] };
  const link = await linkProblem(dir);
  if (link) {
    report.problems.push(link);
    return { report };
  }
  if (!(await isDirectory(dir))) {
    report.problems.push(`model folder not found: ${dir}`);
    return { report };
  }
  report.sizeBytes = await modelFolderSize(dir);
  const problems = report.problems;

  const index = await readJsonFile(dir, 'model_index.json');
  const indexObj = index.ok && isRecord(index.value) ? index.value : undefined;
  if (!index.ok) problems.push(index.missing ? 'model_index.json is missing (a diffusers ONNX folder has one at its top level)' : index.problem);
  else if (!indexObj) problems.push('model_index.json must hold a JSON object');
  const className = typeof indexObj?._class_name === 'string' ? indexObj._class_name : undefined;
  const sign = sdxlSign(className, await isDirectory(path.join(dir, 'text_encoder_2')));
  const refused = sign === undefined ? undefined : sdxlRefusal(indexObj, await isDirectory(path.join(dir, 'text_encoder')), sign);
  if (refused) {
    report.problems = [refused];
    return { report };
  }
  const sdxl = sign === undefined ? undefined : readSdxlFacts(indexObj, problems);
  const reverie = indexObj && 'reverie' in indexObj ? readReverieMeta(indexObj.reverie, problems) : undefined;
  if (indexObj && !reverie && className !== undefined && !PIPELINE_CLASS.test(className)) {
    problems.push(`model_index.json: pipeline ${className} is not supported; Reverie runs Stable Diffusion 1.x/2.x, SD-Turbo, SDXL, SDXL-Turbo and Reverie ONNX folders`);
  }

  const schedule = await readSchedule(dir, problems);
  await checkTokenizer(dir, 'tokenizer', problems);
  if (sdxl) await checkTokenizer(dir, 'tokenizer_2', problems);
  const sigs = new Map<Component, OnnxSignature>();
  for (const component of sdxl ? [...COMPONENTS, 'text_encoder_2' as const] : COMPONENTS) {
    const sig = await readComponent(dir, component, problems, sdxl !== undefined);
    if (sig) sigs.set(component, sig);
  }
  if (sdxl) checkSdxlGraphs(sigs, problems);
  const scalingFactor = await readScalingFactor(dir, problems);

  // latent channels and inpainting from the graph: fixed dims where the export declares them, else the
  // shapes of conv_in / conv_out (diffusers' script export leaves channels symbolic and labels its
  // inpainting export OnnxStableDiffusionPipeline); the class name only when the graph says nothing
  const unet = sigs.get('unet');
  const latentChannels = (unet && (fixedDim(unet.outputs, 'out_sample', 1) ?? weightDim(unet, 'conv_out.weight', 0))) ?? reverie?.latentRgbFactors.length ?? 4;
  const inChannels = unet && (fixedDim(unet.inputs, 'sample', 1) ?? weightDim(unet, 'conv_in.weight', 1));
  let inpainting = className?.includes('Inpaint') ?? false;
  if (inChannels !== undefined) {
    inpainting = inChannels === 2 * latentChannels + 1;
    if (!inpainting && inChannels !== latentChannels) {
      problems.push(`unet/model.onnx takes ${inChannels} input channels; expected ${latentChannels} (text-to-image) or ${2 * latentChannels + 1} (inpainting)`);
    }
  }
  if (reverie && reverie.latentRgbFactors.length !== latentChannels) {
    problems.push(`model_index.json: "reverie".latent_rgb_factors has ${reverie.latentRgbFactors.length} rows; the UNet has ${latentChannels} latent channels`);
  }
  const declaredFactor = await readVaeFactor(dir, problems);
  const signatureFactor = checkVae(sigs.get('vae_decoder'), latentChannels, declaredFactor, problems);
  if (reverie) checkDefaultSize(reverie, declaredFactor ?? signatureFactor ?? FAMILIES.reverie.vaeFactor, problems);
  const warnings: string[] = [];
  const family = reverie ? 'reverie' : sdxl ? schedule && sdxlFamily(schedule) : await detectFamily(dir, sigs, schedule, problems, warnings);
  const sampleSize = reverie ? undefined : await readUnetSampleSize(dir, problems);
  const downsamples = await readUnetDownsamples(dir, problems);
  if (warnings.length > 0) report.warnings = warnings;
  report.inpainting = inpainting;
  if (family) report.family = family;
  report.valid = problems.length === 0;
  if (!report.valid || !family || !schedule) return { report };
  const vaeFactor = declaredFactor ?? signatureFactor ?? FAMILIES[family].vaeFactor;
  const sizeStep = vaeFactor * 2 ** downsamples;
  const side = sampleSize === undefined ? familySize(family, schedule) : sampleSize * vaeFactor;
  const defaultSize = reverie?.defaultSize ?? [side, side];
  return {
    report,
    facts: { family, schedule, inpainting, scalingFactor, vaeFactor, sizeStep, latentChannels, reverie, hasVaeEncoder: sigs.has('vae_encoder'), defaultSize, ...(sdxl ? { sdxl } : {}) },
  };
}


/**
 * Axis `axis` of a UNet weight's shape, found by its PyTorch name (`conv_in.weight`, or with a prefix
 * such as `unet.conv_in.weight`); undefined when the export renamed or folded it.
 */
function weightDim(sig: OnnxSignature, name: string, axis: number): number | undefined {
  for (const [n, dims] of sig.initializerDims) {
    if ((n === name || n.endsWith(`.${name}`)) && dims.length === 4 && dims[axis] > 0) return dims[axis];
  }
  return undefined;
}

/**
 * The VAE decoder's fixed dims against the UNet and the VAE config: its latent channels must be the
 * UNet's, and where both spatial sizes are fixed their ratio is the downsampling factor (returned).
 */
function checkVae(dec: OnnxSignature | undefined, latentChannels: number, declared: number | undefined, problems: string[]): number | undefined {
  if (!dec) return undefined;
  const channels = fixedDim(dec.inputs, 'latent_sample', 1);
  if (channels !== undefined && channels !== latentChannels) {
    problems.push(`vae_decoder/model.onnx takes ${channels} latent channels but unet/model.onnx works on ${latentChannels}; the VAE and the UNet come from different models`);
  }
  const h = fixedDim(dec.inputs, 'latent_sample', 2);
  const height = fixedDim(dec.outputs, 'sample', 2);
  if (h === undefined || height === undefined) return undefined;
  const factor = height / h;
  if (declared !== undefined && factor !== declared) {
    problems.push(`vae_decoder/model.onnx turns ${h} latent rows into ${height} pixel rows (×${factor}) but its config's block_out_channels say ×${declared}`);
  }
  return Number.isInteger(factor) && factor > 0 ? factor : undefined;
}

async function readSchedule(dir: string, problems: string[]): Promise<TrainingSchedule | undefined> {
  const cfg = await readJsonFile(dir, 'scheduler/scheduler_config.json');
  if (!cfg.ok) {
    problems.push(cfg.problem);
    return undefined;
  }
  try {
    return trainingScheduleFromConfig(cfg.value);
  } catch (err) {
    problems.push(`scheduler/${errorText(err)}`);
    return undefined;
  }
}

async function checkTokenizer(dir: string, sub: 'tokenizer' | 'tokenizer_2', problems: string[]): Promise<void> {
  const vocab = await readJsonFile(dir, `${sub}/vocab.json`);
  if (!vocab.ok) problems.push(vocab.problem);
  else if (!isRecord(vocab.value)) problems.push(`${sub}/vocab.json must map tokens to ids`);
  else {
    for (const special of ['<|startoftext|>', '<|endoftext|>']) {
      if (typeof vocab.value[special] !== 'number') problems.push(`${sub}/vocab.json has no ${special} token`);
    }
  }
  if (!(await isFile(path.join(dir, sub, 'merges.txt')))) problems.push(`${sub}/merges.txt is missing`);
}

async function readComponent(dir: string, component: Component, problems: string[], sdxl: boolean): Promise<OnnxSignature | undefined> {
  const rel = `${component}/model.onnx`;
  const file = path.join(dir, component, 'model.onnx');
  if (!(await isFile(file))) {
    if (component === 'vae_encoder') return undefined; // optional: only image-to-image and inpainting need it
    const pytorch = await Promise.all(PYTORCH_WEIGHTS.map((w) => isFile(path.join(dir, component === 'vae_decoder' ? 'vae' : component, w))));
    problems.push(
      pytorch.some(Boolean)
        ? `${rel} is missing (the folder holds PyTorch weights; export it to ONNX first, e.g. with \`optimum-cli export onnx\`)`
        : `${rel} is missing`,
    );
    return undefined;
  }
  let sig;
  try {
    sig = await readOnnxSignature(file);
  } catch (err) {
    problems.push(`${rel} is not a readable ONNX model (${errorText(err)})`);
    return undefined;
  }
  for (const ext of sig.externalFiles) {
    if (!(await isFile(path.join(dir, component, ext)))) {
      problems.push(`${rel} needs its external weights file ${component}/${ext}, which is missing`);
    }
  }
  const found = checkSignature(component, sig.inputs, sig.outputs, { sdxl });
  problems.push(...found);
  return found.length === 0 ? sig : undefined;
}
