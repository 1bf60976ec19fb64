import { z } from 'zod';
import { promptText } from './prompt.ts';
import { ProviderIdSchema } from './common.ts';

/** One execution provider and whether it can actually create a session here (ort.ts ProviderStatus). */
export const ProviderStatusSchema = z.object({
  id: ProviderIdSchema,
  label: z.string(),
  bundled: z.boolean(),
  works: z.boolean(),
  detail: z.string(),
  /** works on a software device only (e.g. WebGPU on Mesa's lavapipe): `auto` passes it over */
  software: z.boolean().optional(),
});

export const SystemInfoSchema = z.object({
  appName: z.string(),
  appVersion: z.string(),
  /** how the studio is being shown: an Electron window, or a browser against the local server */
  mode: z.enum(['electron', 'browser']),
  platform: z.string(),
  arch: z.string(),
  nodeVersion: z.string(),
  electronVersion: z.string().nullable(),
  ortVersion: z.string(),
  providers: z.array(ProviderStatusSchema),
  /** the app data folder (settings, gallery, user models) */
  dataDir: z.string(),
  /** the folders scanned for models, in order */
  modelRoots: z.array(z.string()),
});

/** The words a small model was trained on, from its folder's vocabulary.json (models/vocabulary.ts). */
export const ModelVocabularySchema = z.object({
  about: z.string().optional(),
  objects: z.array(z.object({ name: z.string(), synonyms: z.array(z.string()) })),
  colours: z.array(z.string()),
  sizes: z.array(z.string()),
  positions: z.array(z.string()),
  styles: z.array(z.string()),
  /** how the captions were phrased, e.g. "a {object} on a {colour} background" */
  template: z.string().optional(),
  /** common words the model does not know → the known objects closest to them */
  related: z.record(z.string(), z.array(z.string())),
});

export const ModelFamilySchema = z.enum(['sd1', 'sd2', 'sd-turbo', 'sdxl', 'sdxl-turbo', 'reverie']);

/** One model folder, valid or with every problem found (models/folder.ts ModelFolderReport). */
export const ModelReportSchema = z.object({
  /** what jobs.submit takes as `model`: the folder's absolute path */
  id: z.string(),
  path: z.string(),
  name: z.string(),
  /** the models folder this one was found in */
  root: z.string(),
  valid: z.boolean(),
  family: ModelFamilySchema.optional(),
  problems: z.array(z.string()),
  /** valid folders run with assumptions, e.g. an unknown text-encoder width */
  warnings: z.array(z.string()).optional(),
  inpainting: z.boolean().optional(),
  sizeBytes: z.number().optional(),
  /** valid folders: the image size the model was trained for (what the Generate form starts from) */
  defaultWidth: z.int().min(8).optional(),
  defaultHeight: z.int().min(8).optional(),
  /** valid folders: guidance-distilled (turbo) models default to CFG 1 and one step */
  guidanceFree: z.boolean().optional(),
  /** valid folders: width and height are multiples of this (the VAE's downsampling factor times 2 per UNet downsampling, at least 8) */
  sizeStep: z.int().min(8).optional(),
  /** the folder has a README.md: models.card shows it */
  hasCard: z.boolean().optional(),
  /** valid folders with a vocabulary.json: prompt completions and unknown-word hints */
  vocabulary: ModelVocabularySchema.optional(),
});

export const ModelsListRequestSchema = z.object({ refresh: z.boolean().optional() }).strict();
export const ModelsListSchema = z.object({
  roots: z.array(z.string()),
  models: z.array(ModelReportSchema),
});

export const ModelCardRequestSchema = z.object({ model: z.string().min(1) }).strict();
/** A model's README.md and the images it refers to by relative path, as data URLs (models/card.ts). */
export const ModelCardSchema = z.object({
  markdown: z.string(),
  images: z.record(z.string(), z.string().startsWith('data:image/')),
});

/** Token counts for the prompt box's counter: the model's tokenizer, A1111's 75-token chunks (models/prompt-tokens.ts). */
export const PromptTokensRequestSchema = z.object({ model: z.string().min(1), texts: z.array(promptText('text')).min(1).max(4) }).strict();
export const PromptTokensSchema = z.object({
  chunkLength: z.int().min(1),
  maxChunks: z.int().min(1),
  counts: z.array(z.object({ tokens: z.int().min(0), chunks: z.int().min(1), truncated: z.boolean() })),
});

/** The sampler and schedule registries, for the UI's comboboxes (samplers/registry.ts, schedules/index.ts). */
export const SamplerInfoSchema = z.object({
  id: z.string(),
  label: z.string(),
  description: z.string(),
  aliases: z.array(z.string()),
  stochastic: z.boolean(),
  modelCallsPerStep: z.number(),
  /** takes the SDE noise choice (gaussian or brownian: the jobs' sdeNoise) */
  sdeNoise: z.boolean(),
});
export const ScheduleInfoSchema = z.object({ id: z.string(), label: z.string(), description: z.string() });
export const EngineRegistrySchema = z.object({
  samplers: z.array(SamplerInfoSchema),
  schedules: z.array(ScheduleInfoSchema),
});
