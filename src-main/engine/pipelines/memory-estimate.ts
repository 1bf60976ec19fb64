/**
 * How much memory a job needs, from the model folder's facts (issue 18, item 6). Pure arithmetic: the
 * facts come from memory-facts.ts, the budget from memory-budget.ts, the refusal from memory-check.ts.
 *
 * The formula (bytes; P = output pixels, width × height after any hires upscale; B = batch size):
 *
 *   weights     = 2.2 × the ONNX files of text_encoder (and text_encoder_2), unet, vae_decoder, vae_encoder
 *                 (ONNX Runtime holds the protobuf and its own copy of the initializers while loading)
 *   activations = P × ( D × (2.75 + 1.75 × (B − 1))                      VAE decoding and the images
 *                       + 120 × 4 × latentChannels / f² × unetBatch × B )  the UNet, unetBatch 2 with CFG
 *   D           = 4 × Σₗ Cₗ / 4ˡ, the bytes per output pixel of one activation at every VAE decoder level,
 *                 Cₗ the VAE's block_out_channels (full resolution first, as diffusers writes them; SD's
 *                 [128, 256, 512, 512] when the folder does not say), f the VAE factor
 *   total       = 150 MiB (Node, ONNX Runtime, sharp) + weights + activations
 *
 * Calibrated on models/reverie-mini (D = 120 B/px, f = 16, 8 latent channels, 37.5 MB of ONNX files), one
 * step, peak RSS from /usr/bin/time -v of `reverie generate` on a 2-core x64 Linux VM, CPU provider:
 *
 *   size   batch  measured  estimate  error        size   batch  measured  estimate  error
 *   64²      1     223 MiB   230 MiB   +3 %        256²     4     249 MiB   296 MiB  +19 %
 *   256²     1     240 MiB   251 MiB   +5 %        512²     4     365 MiB   499 MiB  +37 %
 *   512²     1     282 MiB   319 MiB  +13 %        1024²    2     749 MiB   829 MiB  +11 %
 *   768²     1     397 MiB   431 MiB   +8 %        1024²    4     832 MiB  1309 MiB  +57 %
 *   1024²    1     524 MiB   589 MiB  +12 %        256²    16     276 MiB   476 MiB  +73 %
 *   1536²    1    1093 MiB  1039 MiB   −5 %        2048²    2    2452 MiB  2629 MiB   +7 %
 *   2048²    1    1463 MiB  1669 MiB  +14 %
 *
 * CFG 1 instead of 7 at 1024² measured 16 MiB less: the UNet term's second batch item (120 latent-sized
 * tensors per UNet batch item give 15 MiB). The reverie-tiny fixture (17 KB of weights) peaks at
 * 145 MiB: the base. Errors lean high for big batches (they reuse the decoder's freed memory, which the
 * linear batch term does not know), so a refusal there is cautious; single images are within −5…+14 %.
 * Not modelled: UNet self-attention, quadratic in latent tokens in a plain export (small for reverie-mini,
 * which attends at 1/4 of the latent side; large for SD exports at 1024² and more; none in imported
 * checkpoints, whose self-attention is fused, see models/templates/recipe/ldm.py), GPU memory (the check is
 * about system memory) and img2img's VAE encoder pass. For SD folders D comes from the same formula with
 * SD's channels (928 B/px). Checked against an imported full-size SD 1.5 (4.27 GB of weights, CPU, from the
 * optimized-model cache, `reverie generate`): 256² peaks at 4.3 GiB and 512² at 5.4 GiB where the estimate
 * says 9.1 and 9.5 GiB, because a cached graph loads without the 2.2× protobuf copy; the check errs on the
 * side of refusing there.
 */
import type { MemoryFacts } from '../models/memory-facts.ts';

export interface MemoryJob {
  width: number;
  height: number;
  batchSize: number;
  /** CFG scale other than 1: the UNet runs on [uncond ‖ cond] */
  guided: boolean;
  /** hires fix: the output is this many times larger per side */
  hiresScale?: number;
}

export interface MemoryEstimate {
  /** the model's weights as loaded; 0 when this process holds the model already */
  weights: number;
  activations: number;
  /** weights + activations: what the job still needs on top of what this process uses now */
  needed: number;
  /** runtime base + weights (always) + activations: the job's peak in a fresh process */
  peak: number;
}

export const MIB = 1024 * 1024;
/** Node, ONNX Runtime and sharp before any model: the reverie-tiny fixture's peak RSS, rounded up */
export const RUNTIME_BASE_BYTES = 150 * MIB;
const WEIGHT_FACTOR = 2.2;
const DECODE_FIRST_IMAGE = 2.75;
const DECODE_MORE_IMAGES = 1.75;
const UNET_LATENT_TENSORS = 120;

/** Output pixels of the job (after the hires fix's upscale, which decodes at the larger size). */
export function outputPixels(job: Pick<MemoryJob, 'width' | 'height' | 'hiresScale'>): number {
  const scale = job.hiresScale ?? 1;
  return Math.round(job.width * scale) * Math.round(job.height * scale);
}

export function estimateJobMemory(facts: MemoryFacts, job: MemoryJob, weightsLoaded = false): MemoryEstimate {
  const pixels = outputPixels(job);
  const batch = job.batchSize;
  const decode = facts.decoderBytesPerPixel * (DECODE_FIRST_IMAGE + DECODE_MORE_IMAGES * (batch - 1));
  const unet = ((UNET_LATENT_TENSORS * 4 * facts.latentChannels) / facts.vaeFactor ** 2) * (job.guided ? 2 : 1) * batch;
  const activations = pixels * (decode + unet);
  const allWeights = WEIGHT_FACTOR * facts.weightsBytes;
  const weights = weightsLoaded ? 0 : allWeights;
  return { weights, activations, needed: weights + activations, peak: RUNTIME_BASE_BYTES + allWeights + activations };
}
