/**
 * What a model folder says about the memory its jobs need (issue 18, item 6), read without ONNX
 * Runtime: the weights as the sizes of the component files, the VAE's channel widths from its config,
 * latent channels and VAE factor from the folder's facts (folder.ts), and the defaults a job falls
 * back on (model-list.ts). pipelines/memory-estimate.ts turns these into bytes.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isRecord, readJsonFile } from './files.ts';
import { readModelFolder } from './folder.ts';
import { folderDefaults } from './model-list.ts';

export interface MemoryFacts {
  /** bytes of ONNX files (and external weights) ONNX Runtime loads for this model */
  weightsBytes: number;
  /** bytes per output pixel of one activation at every VAE decoder level */
  decoderBytesPerPixel: number;
  latentChannels: number;
  vaeFactor: number;
  /** image sides are multiples of this (FolderFacts.sizeStep); the VAE factor when absent */
  sizeStep?: number;
}

export interface ModelMemoryFacts extends MemoryFacts {
  defaultWidth: number;
  defaultHeight: number;
  guidanceFree: boolean;
}

/** SD's VAE (sd1, sd2, sd-turbo), full resolution first: the fallback when the folder states no channels */
export const SD_VAE_CHANNELS: readonly number[] = [128, 256, 512, 512];
/** the sessions a loaded model holds (text_encoder_2 in SDXL folders only; a missing folder counts 0) */
const COMPONENTS = ['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder', 'vae_encoder'] as const;

/** 4 bytes × Σ channels / 4^level, level 0 at full resolution (each level halves both sides). */
export function decoderBytesPerPixel(blockOutChannels: readonly number[]): number {
  return blockOutChannels.reduce((sum, c, level) => sum + (4 * c) / 4 ** level, 0);
}

/** The regular files directly in each component folder (model.onnx and its external data), in bytes. */
export async function componentBytes(dir: string, components: readonly string[] = COMPONENTS): Promise<number> {
  let total = 0;
  for (const component of components) {
    const sub = path.join(dir, component);
    const names = await readdir(sub).catch(() => [] as string[]);
    for (const name of names) {
      if (name.endsWith('.json')) continue;
      const s = await stat(path.join(sub, name)).catch(() => undefined);
      if (s?.isFile()) total += s.size;
    }
  }
  return total;
}

/** The VAE config's block_out_channels (diffusers order: full resolution first); SD's when absent or odd. */
export async function vaeChannels(dir: string): Promise<readonly number[]> {
  for (const rel of ['vae_decoder/config.json', 'vae/config.json']) {
    const cfg = await readJsonFile(dir, rel);
    if (!cfg.ok || !isRecord(cfg.value)) continue;
    const blocks = cfg.value.block_out_channels;
    if (Array.isArray(blocks) && blocks.length > 0 && blocks.every((c) => Number.isInteger(c) && c > 0 && c <= 4096)) return blocks as number[];
  }
  return SD_VAE_CHANNELS;
}

/** Undefined for a folder that is not a valid model (loading it reports why). */
export async function readMemoryFacts(dir: string): Promise<ModelMemoryFacts | undefined> {
  const { facts } = await readModelFolder(dir);
  if (!facts) return undefined;
  const { defaultWidth, defaultHeight, guidanceFree, sizeStep } = folderDefaults(facts);
  return {
    weightsBytes: await componentBytes(path.resolve(dir)),
    decoderBytesPerPixel: decoderBytesPerPixel(await vaeChannels(dir)),
    latentChannels: facts.latentChannels,
    vaeFactor: facts.vaeFactor,
    sizeStep,
    defaultWidth,
    defaultHeight,
    guidanceFree,
  };
}
