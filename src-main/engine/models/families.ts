/**
 * The one table of model-family defaults (house rule 2: 0.18215, 77, 512 live here and in model
 * configs, nowhere else). Values from /work/shared/design/model-formats.md: latent scaling factor of the
 * SD 1.x/2.x VAE, CLIP's 77-token context, default sizes of SD 1.5 (512), SD 2.x (768 for the
 * v-prediction models, 512 for 2.x-base) and SD-Turbo (512), and InvokeAI's SD 1.5 latent→RGB preview
 * factors (SD 2.x shares the SD 1.x VAE). SDXL: the SDXL VAE's 0.13025, 1024 (SDXL-Turbo 512, its UNet's
 * sample_size 64 × 8) and ComfyUI's SDXL preview factors.
 */
export type ModelFamily = 'sd1' | 'sd2' | 'sd-turbo' | 'sdxl' | 'sdxl-turbo' | 'reverie';

export interface FamilyDefaults {
  readonly label: string;
  readonly scalingFactor: number;
  readonly textLength: number;
  /** text-encoder hidden size the family uses (undefined: read from the model) */
  readonly textHiddenSize?: number;
  readonly defaultSize: number;
  /** VAE spatial downsampling when the folder's VAE config does not state it (diffusers: 2^(len(block_out_channels) − 1)) */
  readonly vaeFactor: number;
  /** turbo models are distilled for guidance 0 */
  readonly guidanceFree: boolean;
  readonly previewFactors: { weights: number[][]; bias: number[] };
}

const SD15_PREVIEW = {
  weights: [
    [0.3444, 0.1385, 0.067],
    [0.1247, 0.4027, 0.1494],
    [-0.3192, 0.2513, 0.2103],
    [-0.1307, -0.1874, -0.7445],
  ],
  bias: [0, 0, 0],
};

const SDXL_PREVIEW = {
  weights: [
    [0.3651, 0.4232, 0.4341],
    [-0.2533, -0.0042, 0.1068],
    [0.1076, 0.1111, -0.0362],
    [-0.3165, -0.2492, -0.2188],
  ],
  bias: [0.1084, -0.0175, -0.0011],
};

export const FAMILIES: Readonly<Record<ModelFamily, FamilyDefaults>> = {
  sd1: { label: 'Stable Diffusion 1.x', scalingFactor: 0.18215, textLength: 77, textHiddenSize: 768, defaultSize: 512, vaeFactor: 8, guidanceFree: false, previewFactors: SD15_PREVIEW },
  sd2: { label: 'Stable Diffusion 2.x', scalingFactor: 0.18215, textLength: 77, textHiddenSize: 1024, defaultSize: 768, vaeFactor: 8, guidanceFree: false, previewFactors: SD15_PREVIEW },
  'sd-turbo': { label: 'SD-Turbo', scalingFactor: 0.18215, textLength: 77, defaultSize: 512, vaeFactor: 8, guidanceFree: true, previewFactors: SD15_PREVIEW },
  sdxl: { label: 'Stable Diffusion XL', scalingFactor: 0.13025, textLength: 77, textHiddenSize: 2048, defaultSize: 1024, vaeFactor: 8, guidanceFree: false, previewFactors: SDXL_PREVIEW },
  'sdxl-turbo': { label: 'SDXL-Turbo', scalingFactor: 0.13025, textLength: 77, defaultSize: 512, vaeFactor: 8, guidanceFree: true, previewFactors: SDXL_PREVIEW },
  reverie: { label: 'Reverie', scalingFactor: 0.18215, textLength: 77, defaultSize: 256, vaeFactor: 8, guidanceFree: false, previewFactors: SD15_PREVIEW },
};

/** The engine's limits on an image side in pixels (pipelines/params.ts re-exports them as MIN_SIZE and MAX_SIZE). */
export const MIN_IMAGE_SIDE = 64;
export const MAX_IMAGE_SIDE = 4096;

/** SD 2.x-base (epsilon prediction) was trained at 512, the v-prediction 2.x models at 768. */
export const SD2_BASE_SIZE = 512;

/** Text-encoder hidden sizes that name a family when nothing else does. */
export const HIDDEN_SIZE_FAMILIES: Readonly<Record<number, ModelFamily>> = { 768: 'sd1', 1024: 'sd2' };
