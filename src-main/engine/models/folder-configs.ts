/** Readers for the small configs of a model folder: the "reverie" object (and its default size's check), the VAE scaling factor and downsampling factor, the UNet's levels. */
import { MAX_IMAGE_SIDE, MIN_IMAGE_SIDE } from './families.ts';
import { isRecord, readJsonFile } from './files.ts';

/** `"reverie": { "family": "reverie", "default_size": [w, h], "latent_rgb_factors": [[r,g,b] × C], "latent_rgb_bias": [r,g,b] }` */
export interface ReverieMeta {
  /** [width, height] */
  defaultSize: [number, number];
  latentRgbFactors: number[][];
  latentRgbBias: number[];
}

function isNumberList(v: unknown, length?: number): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)) && (length === undefined || v.length === length);
}

/** Validates model_index.json's "reverie" object; problems are appended, undefined when unusable. */
export function readReverieMeta(value: unknown, problems: string[]): ReverieMeta | undefined {
  const where = 'model_index.json: "reverie"';
  if (!isRecord(value)) {
    problems.push(`${where} must be an object with family, default_size, latent_rgb_factors and latent_rgb_bias`);
    return undefined;
  }
  const before = problems.length;
  if (value.family !== 'reverie') problems.push(`${where}.family is ${JSON.stringify(value.family)}; expected "reverie"`);
  const size = value.default_size;
  if (!isNumberList(size, 2) || !size.every((s) => Number.isInteger(s) && s >= MIN_IMAGE_SIDE && s <= MAX_IMAGE_SIDE && s % 8 === 0)) {
    problems.push(`${where}.default_size is ${JSON.stringify(size)}; expected [width, height] in pixels, multiples of 8 from ${MIN_IMAGE_SIDE} to ${MAX_IMAGE_SIDE}`);
  }
  const factors = value.latent_rgb_factors;
  if (!Array.isArray(factors) || factors.length === 0 || !factors.every((row) => isNumberList(row, 3))) {
    problems.push(`${where}.latent_rgb_factors is ${JSON.stringify(factors)}; expected one [r, g, b] row per latent channel`);
  }
  const bias = value.latent_rgb_bias;
  if (!isNumberList(bias, 3)) problems.push(`${where}.latent_rgb_bias is ${JSON.stringify(bias)}; expected [r, g, b]`);
  if (problems.length > before || !isNumberList(size, 2) || !Array.isArray(factors) || !isNumberList(bias, 3)) return undefined;
  return {
    defaultSize: [size[0], size[1]],
    latentRgbFactors: factors.filter((row): row is number[] => isNumberList(row, 3)),
    latentRgbBias: bias,
  };
}

/**
 * The "reverie" default size against the VAE's factor: a side that is not a whole number of latent
 * cells fails inside the VAE with a raw ONNX error, so it is a problem of the folder.
 */
export function checkDefaultSize(meta: ReverieMeta, vaeFactor: number, problems: string[]): void {
  if (meta.defaultSize.every((s) => s % vaeFactor === 0)) return;
  const nearest = meta.defaultSize.map((s) => Math.min(Math.floor(MAX_IMAGE_SIDE / vaeFactor) * vaeFactor, Math.max(Math.ceil(MIN_IMAGE_SIDE / vaeFactor) * vaeFactor, Math.round(s / vaeFactor) * vaeFactor)));
  problems.push(
    `model_index.json: "reverie".default_size is ${JSON.stringify(meta.defaultSize)}; this model's VAE works on ${vaeFactor}×${vaeFactor} blocks, ` +
      `so expected multiples of ${vaeFactor} from ${MIN_IMAGE_SIDE} to ${MAX_IMAGE_SIDE} (nearest: ${JSON.stringify(nearest)})`,
  );
}

/**
 * The latent scaling factor from `vae_decoder/config.json` (optimum, some script exports) or
 * `vae/config.json` (folders that keep the PyTorch VAE config); undefined when neither states it.
 */
export async function readScalingFactor(dir: string, problems: string[]): Promise<number | undefined> {
  for (const rel of ['vae_decoder/config.json', 'vae/config.json']) {
    const cfg = await readJsonFile(dir, rel);
    if (!cfg.ok) {
      if (!cfg.missing) problems.push(cfg.problem);
      continue;
    }
    if (!isRecord(cfg.value) || cfg.value.scaling_factor === undefined) continue;
    const sf = cfg.value.scaling_factor;
    if (typeof sf !== 'number' || !Number.isFinite(sf) || sf <= 0) {
      problems.push(`${rel}: scaling_factor is ${JSON.stringify(sf)}; expected a positive number such as 0.18215`);
      return undefined;
    }
    return sf;
  }
  return undefined;
}

/**
 * The VAE's spatial downsampling factor, from the VAE config's `block_out_channels` as diffusers computes
 * it (2^(len − 1): 4 entries = 8 for SD, 5 = 16 for reverie-mini v2); undefined when no config states it.
 */
export async function readVaeFactor(dir: string, problems: string[]): Promise<number | undefined> {
  for (const rel of ['vae_decoder/config.json', 'vae/config.json']) {
    const cfg = await readJsonFile(dir, rel);
    if (!cfg.ok || !isRecord(cfg.value) || cfg.value.block_out_channels === undefined) continue;
    const blocks = cfg.value.block_out_channels;
    if (!Array.isArray(blocks) || blocks.length < 1 || blocks.length > 6 || !blocks.every((b) => typeof b === 'number')) {
      problems.push(`${rel}: block_out_channels is ${JSON.stringify(blocks)}; expected 1 to 6 channel counts (SD's VAE has [128, 256, 512, 512])`);
      return undefined;
    }
    return 2 ** (blocks.length - 1);
  }
  return undefined;
}

/**
 * The UNet's training size in latent cells, `sample_size` of `unet/config.json` (SDXL base 128, SDXL-Turbo
 * 64); the default image side is it times the VAE factor. Undefined when the folder has no such config.
 */
export async function readUnetSampleSize(dir: string, problems: string[]): Promise<number | undefined> {
  const cfg = await readJsonFile(dir, 'unet/config.json');
  if (!cfg.ok) {
    if (!cfg.missing) problems.push(cfg.problem);
    return undefined;
  }
  if (!isRecord(cfg.value) || cfg.value.sample_size === undefined) return undefined;
  const size = cfg.value.sample_size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
    problems.push(`unet/config.json: sample_size is ${JSON.stringify(size)}; expected a whole number of latent cells such as 128`);
    return undefined;
  }
  return size;
}

/**
 * How many times the UNet halves the latents: diffusers' UNet2DConditionModel downsamples at the end
 * of every down block but the last, so len(block_out_channels) − 1 (SD 1.x/2.x 3, SDXL 2, reverie-mini
 * v2 2). Its skip connections are concatenated with the upsampled path, so a latent side that does not
 * halve evenly that often fails inside ONNX ("Concat … mismatched dimensions of 43 and 44"); traced
 * exports bake in the even-size path (diffusers#255, onnx#5359). 0 when unet/config.json does not say.
 */
export async function readUnetDownsamples(dir: string, problems: string[]): Promise<number> {
  const cfg = await readJsonFile(dir, 'unet/config.json');
  if (!cfg.ok || !isRecord(cfg.value) || cfg.value.block_out_channels === undefined) return 0;
  const blocks = cfg.value.block_out_channels;
  if (!Array.isArray(blocks) || blocks.length < 1 || blocks.length > 8 || !blocks.every((b) => typeof b === 'number')) {
    problems.push(`unet/config.json: block_out_channels is ${JSON.stringify(blocks)}; expected 1 to 8 channel counts (SD's UNet has [320, 640, 1280, 1280])`);
    return 0;
  }
  return blocks.length - 1;
}
