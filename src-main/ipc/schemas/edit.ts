import { z } from 'zod';
import { promptText } from './prompt.ts';
import { IdSchema } from './common.ts';
import { ImageUploadSchema } from './images.ts';
import type { Txt2ImgParamsSchema } from './txt2img.ts';

/**
 * The edit jobs (image to image, inpainting, denoising) and their inputs.
 *
 * Images reach the main side once, as bytes, through edit.upload (size and type checked here,
 * decoded and measured in the engine process); jobs then name them by reference — an upload id or
 * a gallery item — so requests, the queue and the gallery's sidecars stay small.
 */

/** Uploaded images are stored under a content hash: "up-" + 40 hex digits. */
export const UploadIdSchema = z.string().regex(/^up-[0-9a-f]{40}$/, 'upload ids look like "up-" followed by 40 hex digits (edit.upload gives them)');

export const ImageRefSchema = z.union([z.object({ upload: UploadIdSchema }).strict(), z.object({ gallery: IdSchema }).strict()]);

export const FitModeSchema = z.enum(['resize', 'crop', 'fill']);
export const InpaintModeSchema = z.enum(['blend', 'only-masked']);

/** What the uploaded image is for (messages only). */
export const UploadPurposeSchema = z.enum(['image', 'mask', 'reference']);

export const EditUploadRequestSchema = ImageUploadSchema.extend({ purpose: UploadPurposeSchema.default('image') }).strict();

export const EditUploadResponseSchema = z.object({
  image: z.object({ upload: UploadIdSchema }),
  width: z.int().min(1),
  height: z.int().min(1),
  /** as the decoder names it: png, jpeg, webp, heif, tiff, gif */
  format: z.string(),
  hasAlpha: z.boolean(),
  /** estimated noise standard deviation in 8-bit units (Donoho's MAD), for the Denoise tab */
  noiseSigma: z.number().min(0),
});

const noise8 = (what: string) => z.number().min(0, `${what} is at least 0`).max(255, `${what} is at most 255 (8-bit units)`);

/**
 * The edit job kinds, built on the text-to-image parameters (prompt, sampler, steps, CFG, seed, size
 * and batches mean the same). Width and height left out: the input's aspect at the model's area.
 */
export function editJobKinds(base: typeof Txt2ImgParamsSchema) {
  const img2img = base.omit({ hires: true }).extend({
    image: ImageRefSchema,
    /** 0 keeps the image, 1 repaints it completely */
    strength: z.number().min(0).max(1).default(0.75),
    fit: FitModeSchema.default('resize'),
  });
  const inpaint = img2img.extend({
    /** white (or opaque) = repaint; a grayscale PNG at the image's size */
    mask: ImageRefSchema,
    strength: z.number().min(0).max(1).default(1),
    /** Gaussian feathering of the mask edge, pixels */
    feather: z.number().min(0).max(256).default(4),
    mode: InpaintModeSchema.default('blend'),
    /** only-masked: pixels of context around the mask */
    padding: z.int().min(0).max(1024).default(32),
    /** latent blending on 9-channel inpainting models too (always on for other models) */
    latentBlend: z.boolean().optional(),
  });
  const denoise = base
    .omit({ hires: true })
    .extend({
      /** default empty: the model's unconditional prior */
      prompt: promptText('prompt').default(''),
      image: ImageRefSchema,
      /** the photo's noise σ (8-bit units); left out: estimated */
      noiseSigma: noise8('the noise sigma').optional(),
      /** a clean version, for PSNR and SSIM */
      reference: ImageRefSchema.optional(),
      /** demonstration: add Gaussian noise of this σ first (the clean image becomes the reference) */
      addNoise: noise8('the added noise sigma').optional(),
      batchSize: z.literal(1).default(1),
      batchCount: z.literal(1).default(1),
    })
    .refine((p) => p.reference === undefined || p.addNoise === undefined, {
      message: 'give either a reference image or addNoise (which makes the clean input the reference), not both',
      path: ['addNoise'],
    });
  return [
    z.object({ kind: z.literal('img2img'), params: img2img }),
    z.object({ kind: z.literal('inpaint'), params: inpaint }),
    z.object({ kind: z.literal('denoise'), params: denoise }),
  ] as const;
}

// ── job.output: what an edit job reports besides its images ───────────
const QualitySchema = z.object({ psnr: z.number().nullable(), ssim: z.number() });
const InputInfoSchema = z.object({ width: z.int(), height: z.int(), format: z.string(), hadAlpha: z.boolean() });
const BoxSchema = z.object({ x: z.int(), y: z.int(), width: z.int(), height: z.int() });

export const JobOutputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('img2img'), strength: z.number(), stepsRun: z.int().min(0), input: InputInfoSchema }),
  z.object({
    kind: z.literal('inpaint'),
    strength: z.number(),
    stepsRun: z.int().min(0),
    input: InputInfoSchema,
    /** the model is a 9-channel inpainting UNet: it saw the mask and the masked image */
    nineChannel: z.boolean(),
    mode: InpaintModeSchema,
    box: BoxSchema.optional(),
  }),
  z.object({
    kind: z.literal('denoise'),
    /** PNG data URLs: the image that was denoised (noise added in the demo mode), the 3×3 median baseline */
    noisyUrl: z.string(),
    baselineUrl: z.string(),
    width: z.int(),
    height: z.int(),
    noiseSigma: z.number(),
    estimatedSigma: z.number(),
    latentSigma: z.number(),
    startT: z.number().nullable(),
    stepsRun: z.int().min(0),
    quality: z.object({ input: QualitySchema, output: QualitySchema, baseline: QualitySchema }).optional(),
  }),
]);

export const JobOutputEventSchema = z.object({ jobId: IdSchema, output: JobOutputSchema });
