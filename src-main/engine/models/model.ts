/**
 * A loaded model folder: tokenizer, training schedule, and one validated ONNX session per component,
 * wrapped as text encoder, k-diffusion denoiser and VAE. Every model fact comes from the folder's
 * configs or the sessions' metadata, with the family table (families.ts) for what neither states.
 */
import path from 'node:path';
import { DiscreteSchedule } from '../schedules/discrete.ts';
import type { TrainingSchedule } from '../schedules/discrete.ts';
import { ClipTokenizer } from '../tokenizer/clip-bpe.ts';
import type { ProviderId, ProviderPreference } from '../runtime/ort.ts';
import { ModelSession } from '../runtime/session.ts';
import { CancelledError, EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';
import { FAMILIES } from './families.ts';
import type { ModelFamily } from './families.ts';
import { readModelFolder } from './folder.ts';
import type { FolderFacts, ModelFolderReport } from './folder.ts';
import { TextEncoder } from './text-encoder.ts';
import type { TextEncoding } from './text-encoder.ts';
import { readUnetShape, unetDenoiser } from './unet.ts';
import type { UnetDenoiser, UnetShape, UnetTap } from './unet.ts';
import { VaeDecoder, VaeEncoder } from './vae.ts';
import { keepApart, mayKeepApart, readApartFacts } from './apart.ts';
import type { ApartFacts } from './apart.ts';
import { OnDemand } from './on-demand.ts';

/** prompts longer than the text encoder's window take up to this many windows (A1111 sets no limit; 8 × 75 = 600 CLIP tokens keeps cross-attention bounded) */
const MAX_PROMPT_CHUNKS = 8;

/** Text-encoder windows a prompt may take: one where the UNet fixes its text length, else MAX_PROMPT_CHUNKS. */
export function promptChunksFor(contextLength: number | undefined, textLength: number): number {
  return contextLength === undefined ? MAX_PROMPT_CHUNKS : Math.max(1, Math.floor(contextLength / textLength));
}

export interface ModelInfo {
  dir: string;
  name: string;
  family: ModelFamily;
  schedule: TrainingSchedule;
  scalingFactor: number;
  latentChannels: number;
  /** VAE spatial downsampling (8 for SD, 16 for reverie-mini v2): latents are [B, C, H/f, W/f]; sizes are multiples of it */
  vaeFactor: number;
  /** image sides are multiples of this: the VAE factor times 2 per UNet downsampling (FolderFacts.sizeStep) */
  sizeStep: number;
  unetInChannels: number;
  textHiddenSize: number;
  textLength: number;
  /** text-encoder windows a prompt may take (A1111-style chunks of textLength − 2 tokens); 1 when the UNet fixes its context length */
  maxPromptChunks: number;
  inpainting: boolean;
  defaultWidth: number;
  defaultHeight: number;
  /** turbo: no CFG by default */
  guidanceFree: boolean;
  cfgBatchable: boolean;
  previewFactors: { weights: number[][]; bias: number[] };
  /** what the folder check assumed (e.g. an unknown text-encoder width run with SD 1.x defaults); shown with every job */
  folderWarnings: string[];
  /** SDXL: two text encoders (textHiddenSize is their sum) and the UNet's added conditioning */
  sdxl?: { forceZerosForEmptyPrompt: boolean };
}

export type { AddedConditioning } from './unet.ts';

/**
 * x: latents [B,C,h,w] at noise sigma (NOT c_in scaled); context: text embeddings [B,L,H]; concat: extra
 * channels for 9-channel inpainting UNets [B,5,h,w]; added: SDXL's text_embeds and time_ids [B, ·].
 * Returns denoised x̂₀ [B,C,h,w]. As for a Denoiser, x is lent for the call only (CFG reuses the array
 * of its [x ‖ x] pair) and the result is a new tensor per call.
 */
export type ModelDenoiser = UnetDenoiser;

/**
 * The components' sessions. The VAE encoder is opened on the first image to encode: txt2img never runs
 * it, and a full-size SD 1.5's opened with the model raised a 512² txt2img's peak by 0.27–0.34 GiB
 * (5.59–5.66 → 5.32 GiB); opening it from the optimized-model cache takes ~20 ms. The text encoders and
 * the decoder are opened with the model and may be closed and reopened between jobs (apart.ts).
 */
interface Sessions {
  text: OnDemand<TextEncoder>;
  /** SDXL's text_encoder_2 */
  text2?: OnDemand<TextEncoder>;
  unet: ModelSession;
  decoder: OnDemand<VaeDecoder>;
  encoder?: OnDemand<VaeEncoder>;
}

/** The opened components buildInfo reads facts from. */
interface Opened {
  text: TextEncoder;
  text2?: TextEncoder;
  unet: ModelSession;
  decoder: VaeDecoder;
}

/** The decoder's provider, and whether a large decode's working memory is held by it (apart.ts): shared by a model and its withUnet copies. */
interface DecoderState {
  readonly provider: ProviderId;
  large: boolean;
}

export class LoadedModel {
  readonly denoise: ModelDenoiser;

  private constructor(
    readonly info: ModelInfo,
    readonly tokenizer: ClipTokenizer,
    readonly discrete: DiscreteSchedule,
    private readonly sessions: Sessions,
    private readonly shape: UnetShape,
    private readonly apart: ApartFacts,
    private readonly decoderState: DecoderState,
    /** SDXL's tokenizer_2 (its own pad token, "!" in SDXL) */
    readonly tokenizer2?: ClipTokenizer,
    tap?: UnetTap,
  ) {
    this.denoise = unetDenoiser(sessions.unet, shape, discrete, info.schedule.predictionType, tap);
  }

  /**
   * This model with another UNet session whose every call's outputs go to `tap` (the Attention view's
   * copy of the graph, models/attention-graph.ts); the other sessions are shared. The caller disposes
   * `unet`, never the returned model.
   */
  withUnet(unet: ModelSession, tap: UnetTap): LoadedModel {
    return new LoadedModel(this.info, this.tokenizer, this.discrete, { ...this.sessions, unet }, this.shape, this.apart, this.decoderState, this.tokenizer2, tap);
  }

  /**
   * `files` loads other graphs for some components (LoRA-merged copies, checkpoints/lora-apply.ts);
   * everything else comes from the folder.
   */
  static async load(
    dir: string,
    opts: {
      provider?: ProviderPreference;
      signal?: AbortSignal;
      files?: Partial<Record<'text_encoder' | 'text_encoder_2' | 'unet', string>>;
      ortCacheDir?: string;
      /** what the keep-apart policy reads (apart.ts); from the folder by default */
      apart?: ApartFacts;
    } = {},
  ): Promise<LoadedModel> {
    const { report, facts } = await readModelFolder(dir);
    if (!facts) throw folderError(report);
    const root = report.path;
    const tokenizer = await ClipTokenizer.fromFolder(path.join(root, 'tokenizer'));
    const tokenizer2 = facts.sdxl ? await ClipTokenizer.fromFolder(path.join(root, 'tokenizer_2')) : undefined;
    const layer = facts.sdxl ? 'penultimate' : 'last';
    const discrete = new DiscreteSchedule(facts.schedule);
    const opened: ModelSession[] = [];
    const apart = opts.apart ?? (await readApartFacts(root, facts.vaeFactor));
    // `later`: opened on demand by a later job, which the loading job's signal has nothing to do with
    const open = async (component: string, later = false): Promise<ModelSession> => {
      if (!later && opts.signal?.aborted) throw new CancelledError();
      const file = opts.files?.[component as 'text_encoder' | 'text_encoder_2' | 'unet'] ?? path.join(root, component, 'model.onnx');
      // only the UNet runs back to back; the others' threads must not spin on the cores it needs (runtime/ort.ts);
      // text encoders that may be reopened for each prompt open faster without prepacking (apart.ts)
      const prepacking = !component.startsWith('text_encoder') || !mayKeepApart(apart);
      const session = await ModelSession.open(file, `${component}/model.onnx`, opts.provider ?? 'auto', { cacheDir: opts.ortCacheDir, spinning: component === 'unet', prepacking });
      // the sessions of the load, closed if it fails (a later reopen belongs to its component)
      if (!later) opened.push(session);
      return session;
    };
    try {
      const text1 = async (later = false): Promise<TextEncoder> => new TextEncoder(await open('text_encoder', later), { layer });
      const text2 = async (later = false): Promise<TextEncoder> => new TextEncoder(await open('text_encoder_2', later), { component: 'text_encoder_2', layer });
      const decoder = async (later = false): Promise<VaeDecoder> => new VaeDecoder(await open('vae_decoder', later));
      const now: Opened = { text: await text1(), text2: facts.sdxl ? await text2() : undefined, unet: await open('unet'), decoder: await decoder() };
      const sessions: Sessions = {
        text: new OnDemand(() => text1(true), 'text_encoder/model.onnx', now.text),
        text2: now.text2 && new OnDemand(() => text2(true), 'text_encoder_2/model.onnx', now.text2),
        unet: now.unet,
        decoder: new OnDemand(() => decoder(true), 'vae_decoder/model.onnx', now.decoder),
        encoder: facts.hasVaeEncoder ? new OnDemand(async () => new VaeEncoder(await open('vae_encoder', true)), 'vae_encoder/model.onnx') : undefined,
      };
      const { info, shape } = await buildInfo(report, facts, now, tokenizer);
      return new LoadedModel(info, tokenizer, discrete, sessions, shape, apart, { provider: now.decoder.session.provider, large: false }, tokenizer2);
    } catch (err) {
      await Promise.all(opened.map((s) => s.dispose()));
      throw err;
    }
  }

  /** the execution provider the UNet runs on */
  get provider(): ProviderId {
    return this.sessions.unet.provider;
  }

  /** why some session is not on the preferred provider, e.g. 'webgpu is unavailable (...); using cpu' */
  get providerNote(): string | undefined {
    const notes = this.allSessions().map((s) => s.note).filter((n): n is string => n !== undefined);
    return notes.length > 0 ? [...new Set(notes)].join('; ') : undefined;
  }

  /** padded token ids (one Int32Array of textLength per prompt) → [B, textLength, H] (SDXL: text_encoder's penultimate layer, H its width) */
  async encodeText(ids: readonly Int32Array[]): Promise<F32Tensor> {
    await this.closeLargeDecoder();
    return this.sessions.text.use((te) => te.encode(ids));
  }

  /** SDXL's text_encoder_2: tokenizer2's padded ids → penultimate hidden states [B, textLength, H₂] and text_embeds [B, P] */
  async encodeText2(ids: readonly Int32Array[]): Promise<TextEncoding> {
    const te2 = this.sessions.text2;
    if (!te2) throw new EngineError('INTERNAL', `${this.info.name} has no text_encoder_2 (not an SDXL folder)`);
    await this.closeLargeDecoder();
    return te2.use((te) => te.encodeAll(ids));
  }

  /**
   * scaled latents → pixels [B, 3, H, W] in about [-1, 1]. A large decode on the CPU closes the text
   * encoders and the VAE encoder first, and its working memory goes with the decoder before the next
   * encode of either kind (apart.ts).
   */
  async decode(latents: F32Tensor): Promise<F32Tensor> {
    const decoder = this.sessions.decoder;
    const large = keepApart(this.apart, latents.dims, this.decoderState.provider);
    if (large) await Promise.all([this.sessions.text.release(), this.sessions.text2?.release(), this.sessions.encoder?.release()]);
    const pixels = await decoder.use((d) => d.decode(latents, this.info.scalingFactor, this.info.latentChannels));
    if (large) this.decoderState.large = true;
    return pixels;
  }

  /** what is left of a large decode (the decoder's arena) goes before a text encoder or the VAE encoder runs beside it */
  private async closeLargeDecoder(): Promise<void> {
    if (!this.decoderState.large) return;
    this.decoderState.large = false;
    await this.sessions.decoder.release();
  }

  /** pixels in [-1, 1] → scaled latents; samples latent_parameters exports with `noise` (standard normal) if given */
  async encode(pixels: F32Tensor, noise?: () => number): Promise<F32Tensor> {
    const encoder = this.sessions.encoder;
    if (!encoder) {
      throw new EngineError('MODEL_UNSUPPORTED', `${this.info.name} has no vae_encoder/model.onnx, so it cannot start from an image; add the VAE encoder export to the folder`);
    }
    await this.closeLargeDecoder();
    return encoder.use((e) => e.encode(pixels, this.info.scalingFactor, this.info.latentChannels, noise));
  }

  async dispose(): Promise<void> {
    const { text, text2, unet, decoder, encoder } = this.sessions;
    await Promise.all([text.dispose(), text2?.dispose(), unet.dispose(), decoder.dispose(), encoder?.dispose()]);
  }

  /** the open sessions (the VAE encoder once it has been opened; the text encoders and the decoder while they are open) */
  private allSessions(): ModelSession[] {
    const { text, text2, unet, decoder, encoder } = this.sessions;
    return [text.opened?.session, text2?.opened?.session, unet, decoder.opened?.session, encoder?.opened?.session].filter((s): s is ModelSession => s !== undefined);
  }
}

function folderError(report: ModelFolderReport): EngineError {
  const text = report.problems.join('; ');
  const code = text.startsWith('model folder not found') ? 'MODEL_NOT_FOUND' : /not supported/.test(text) ? 'MODEL_UNSUPPORTED' : 'MODEL_INVALID';
  return new EngineError(code, `${report.name} cannot be loaded: ${text}`, report);
}

async function buildInfo(
  report: ModelFolderReport,
  facts: FolderFacts,
  s: Opened,
  tokenizer: ClipTokenizer,
): Promise<{ info: ModelInfo; shape: UnetShape }> {
  const family = facts.family;
  const defaults = FAMILIES[family];
  const fallbackLatent = s.decoder.declaredChannels ?? facts.reverie?.latentRgbFactors.length ?? 4;
  const shape = readUnetShape(s.unet, fallbackLatent, facts.inpainting, facts.sdxl !== undefined);
  const textLength = s.text.fixedLength ?? tokenizer.maxLength;
  const width = async (te: TextEncoder): Promise<number> => te.declaredHidden ?? (await te.encode([tokenizer.encodePadded('').ids])).dims[2];
  // SDXL: the two encoders' widths add up (768 + 1280 = 2048); else the encoder's, or the UNet's, or (neither declares it) one empty prompt encoded to find out
  const textHiddenSize = s.text2 ? (await width(s.text)) + (await width(s.text2)) : (s.text.declaredHidden ?? shape.contextHidden ?? (await width(s.text)));
  if (shape.contextHidden !== undefined && shape.contextHidden !== textHiddenSize) {
    throw new EngineError('MODEL_INVALID', `text_encoder/model.onnx gives hidden size ${textHiddenSize} but unet/model.onnx expects ${shape.contextHidden}`);
  }
  const size = facts.defaultSize;
  const info: ModelInfo = {
    dir: report.path,
    name: report.name,
    family,
    schedule: facts.schedule,
    scalingFactor: facts.scalingFactor ?? defaults.scalingFactor,
    latentChannels: shape.latentChannels,
    vaeFactor: facts.vaeFactor,
    sizeStep: facts.sizeStep,
    unetInChannels: shape.inChannels,
    textHiddenSize,
    textLength,
    maxPromptChunks: promptChunksFor(shape.contextLength, textLength),
    inpainting: shape.inChannels === 2 * shape.latentChannels + 1,
    defaultWidth: size[0],
    defaultHeight: size[1],
    guidanceFree: defaults.guidanceFree,
    cfgBatchable: shape.fixedBatch === undefined || shape.fixedBatch >= 2,
    previewFactors: facts.reverie
      ? { weights: facts.reverie.latentRgbFactors, bias: facts.reverie.latentRgbBias }
      : defaults.previewFactors,
    folderWarnings: report.warnings ?? [],
    ...(facts.sdxl ? { sdxl: { forceZerosForEmptyPrompt: facts.sdxl.forceZerosForEmptyPrompt } } : {}),
  };
  return { info, shape };
}
