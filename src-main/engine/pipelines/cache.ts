/**
 * What a pipeline keeps between runs, so that changing only the seed re-runs only the UNet loop:
 * loaded models keyed by folder + provider preference, and prompt embeddings keyed by model + text.
 * One owner (the engine service, or a CLI run) creates it and disposes it; no global state.
 */
import os from 'node:os';
import path from 'node:path';
import { LoraError, loraModelFiles } from '../checkpoints/lora-apply.ts';
import { SafetensorsFormatError } from '../checkpoints/safetensors.ts';
import { readMemoryFacts } from '../models/memory-facts.ts';
import type { ModelMemoryFacts } from '../models/memory-facts.ts';
import { LoadedModel } from '../models/model.ts';
import type { ProviderPreference } from '../runtime/ort.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';
import type { LoraParam } from './params.ts';

export interface Embedding {
  /** [1, chunks × textLength, textHiddenSize] */
  readonly tensor: F32Tensor;
  readonly truncated: boolean;
  /** the prompt's tokens with BOS and EOS */
  readonly tokenCount: number;
  /** text-encoder windows the prompt took (long prompts: several, A1111's 75-token chunks) */
  readonly chunks: number;
  /** SDXL: text_encoder_2's pooled text_embeds of the first chunk, [1, P] */
  readonly pooled?: F32Tensor;
}

export interface PipelineCacheOptions {
  /** models kept loaded at once (default 1: SD UNets are large) */
  readonly maxModels?: number;
  /** prompt embeddings kept (default 32) */
  readonly maxEmbeddings?: number;
  /** where LoRA-merged graphs are cached (default: the system temp folder) */
  readonly loraCacheDir?: string;
  /** ONNX Runtime's optimized graphs for CPU sessions (runtime/ort-cache.ts); none: no cache */
  readonly ortCacheDir?: string;
  /** where the Attention view's UNet copies go (models/attention-graph.ts; default: the system temp folder) */
  readonly attentionCacheDir?: string;
}

export class PipelineCache {
  private readonly models = new Map<string, Promise<LoadedModel>>();
  private readonly embeddings = new Map<string, Embedding>();
  /** memory facts of the folders of loaded models, by resolved folder (see memoryFacts) */
  private readonly facts = new Map<string, Promise<ModelMemoryFacts | undefined>>();
  private readonly maxModels: number;
  private readonly maxEmbeddings: number;
  private readonly loraCacheDir: string | undefined;
  private readonly ortCacheDir: string | undefined;
  /** the Attention view's UNet copies (models/attention-graph.ts) */
  readonly attentionCacheDir: string;
  /** counters for tests and diagnostics */
  readonly stats = { modelLoads: 0, embeddingHits: 0, embeddingMisses: 0 };

  constructor(opts: PipelineCacheOptions = {}) {
    this.maxModels = opts.maxModels ?? 1;
    this.maxEmbeddings = opts.maxEmbeddings ?? 32;
    this.loraCacheDir = opts.loraCacheDir;
    this.ortCacheDir = opts.ortCacheDir;
    this.attentionCacheDir = opts.attentionCacheDir ?? path.join(os.tmpdir(), 'reverie-attention-cache');
  }

  /** ONNX Runtime's optimized-graph cache, for sessions opened beside the cache's models */
  get ortCache(): string | undefined {
    return this.ortCacheDir;
  }

  static modelKey(dir: string, provider: ProviderPreference, loras: readonly LoraParam[] = []): string {
    const merged = loras.map((l) => `\u0001${path.resolve(l.file)}@${l.weight}`).join('');
    return `${path.resolve(dir)}\u0000${provider}${merged}`;
  }

  /** The resolved folder a modelKey starts with. */
  private static folderOf(key: string): string {
    return key.slice(0, key.indexOf('\u0000'));
  }

  /** Whether the model for dir + provider (+ LoRAs) is loaded or loading (its weights already take memory). */
  hasModel(dir: string, provider: ProviderPreference, loras: readonly LoraParam[] = []): boolean {
    return this.models.has(PipelineCache.modelKey(dir, provider, loras));
  }

  /** The loaded model for dir + provider (+ LoRAs merged in), loading (and evicting the oldest) when needed. */
  async model(dir: string, provider: ProviderPreference, signal?: AbortSignal, loras: readonly LoraParam[] = []): Promise<LoadedModel> {
    const key = PipelineCache.modelKey(dir, provider, loras);
    const hit = this.models.get(key);
    if (hit) {
      // refresh LRU order
      this.models.delete(key);
      this.models.set(key, hit);
      return hit;
    }
    while (this.models.size >= this.maxModels) await this.evictOldest();
    this.stats.modelLoads++;
    const loading = this.load(dir, provider, signal, loras);
    this.models.set(key, loading);
    loading.catch(() => {
      if (this.models.get(key) !== loading) return;
      this.models.delete(key);
      this.facts.delete(path.resolve(dir));
    });
    return loading;
  }

  private async load(dir: string, provider: ProviderPreference, signal: AbortSignal | undefined, loras: readonly LoraParam[]): Promise<LoadedModel> {
    const ortCacheDir = this.ortCacheDir;
    if (loras.length === 0) return LoadedModel.load(dir, { provider, signal, ortCacheDir });
    const cacheDir = this.loraCacheDir ?? path.join(os.tmpdir(), 'reverie-lora-cache');
    let files;
    try {
      files = await loraModelFiles(dir, loras, cacheDir);
    } catch (err) {
      if (err instanceof LoraError || err instanceof SafetensorsFormatError) throw new EngineError('BAD_INPUT', err.message);
      throw err;
    }
    const model = await LoadedModel.load(dir, { provider, signal, files: { text_encoder: files.text_encoder, unet: files.unet, ...(files.text_encoder_2 ? { text_encoder_2: files.text_encoder_2 } : {}) }, ortCacheDir });
    model.info.folderWarnings.push(...files.warnings);
    return model;
  }

  /**
   * The folder's memory facts (models/memory-facts.ts) for the check before each job. Reading them checks
   * the whole folder (every graph's signature, every file's size): ~10–20 ms, a tenth of a small model's
   * image. While a model of the folder is loaded they are read once and kept (the loaded sessions would not
   * see a change on disk either); they go when the model is evicted or the cache disposed.
   */
  memoryFacts(dir: string): Promise<ModelMemoryFacts | undefined> {
    const folder = path.resolve(dir);
    const kept = this.facts.get(folder);
    if (kept) return kept;
    const reading = readMemoryFacts(dir);
    if ([...this.models.keys()].some((k) => PipelineCache.folderOf(k) === folder)) {
      this.facts.set(folder, reading);
      reading.catch(() => this.facts.delete(folder));
    }
    return reading;
  }

  /** A cached prompt embedding, or the result of `encode` (stored for next time). */
  async embedding(modelKey: string, text: string, encode: () => Promise<Embedding>): Promise<Embedding> {
    const key = `${modelKey}\u0000${text}`;
    const hit = this.embeddings.get(key);
    if (hit) {
      this.stats.embeddingHits++;
      this.embeddings.delete(key);
      this.embeddings.set(key, hit);
      return hit;
    }
    this.stats.embeddingMisses++;
    const value = await encode();
    this.embeddings.set(key, value);
    while (this.embeddings.size > this.maxEmbeddings) {
      const oldest = this.embeddings.keys().next().value;
      if (oldest === undefined) break;
      this.embeddings.delete(oldest);
    }
    return value;
  }

  private async evictOldest(): Promise<void> {
    const oldest = this.models.keys().next().value;
    if (oldest === undefined) return;
    const loading = this.models.get(oldest);
    this.models.delete(oldest);
    for (const k of [...this.embeddings.keys()]) if (k.startsWith(`${oldest}\u0000`)) this.embeddings.delete(k);
    this.facts.delete(PipelineCache.folderOf(oldest));
    const model = await loading?.catch(() => undefined);
    await model?.dispose();
  }

  /** Disposes every loaded model and forgets all embeddings. */
  async dispose(): Promise<void> {
    while (this.models.size > 0) await this.evictOldest();
    this.embeddings.clear();
  }
}
