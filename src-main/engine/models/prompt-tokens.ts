/**
 * Token counts for the prompt box's counter ("12 / 75", "80 / 150 · 2 chunks"): the model's own
 * tokenizer and A1111's chunking (tokenizer/chunks.ts), without loading the networks. How many chunks
 * the model takes comes from the UNet's declared text length (fixed: one window). Tokenizers are kept
 * per folder, so counting while typing costs microseconds after the first call.
 */
import path from 'node:path';
import { chunkPrompt } from '../tokenizer/chunks.ts';
import { ClipTokenizer } from '../tokenizer/clip-bpe.ts';
import { promptChunksFor } from './model.ts';
import { readOnnxSignature } from './onnx-signature.ts';
import { fixedDim } from './signatures.ts';

export interface PromptTokensInput {
  modelDir: string;
  texts: string[];
}

export interface PromptTokenCount {
  /** tokens of the text, without BOS and EOS */
  tokens: number;
  /** windows the text takes (at least 1) */
  chunks: number;
  /** more than the model takes: the end is cut off */
  truncated: boolean;
}

export interface PromptTokensResult {
  /** tokens per window (the encoder's length minus BOS and EOS: 75 for CLIP) */
  chunkLength: number;
  maxChunks: number;
  counts: PromptTokenCount[];
}

interface Entry {
  tokenizer: ClipTokenizer;
  maxChunks: number;
}

const KEEP = 4;

export class PromptTokenCounter {
  readonly #entries = new Map<string, Promise<Entry>>();

  async count(input: PromptTokensInput): Promise<PromptTokensResult> {
    const { tokenizer, maxChunks } = await this.#entry(path.resolve(input.modelDir));
    const counts = input.texts.map((text) => {
      const c = chunkPrompt(tokenizer, text, { maxChunks });
      return { tokens: c.tokenCount, chunks: c.chunks.length, truncated: c.truncated };
    });
    return { chunkLength: tokenizer.maxLength - 2, maxChunks, counts };
  }

  #entry(dir: string): Promise<Entry> {
    let entry = this.#entries.get(dir);
    if (!entry) {
      entry = load(dir);
      entry.catch(() => this.#entries.delete(dir));
      this.#entries.set(dir, entry);
      if (this.#entries.size > KEEP) this.#entries.delete(this.#entries.keys().next().value ?? dir);
    }
    return entry;
  }
}

async function load(dir: string): Promise<Entry> {
  const tokenizer = await ClipTokenizer.fromFolder(path.join(dir, 'tokenizer'));
  // a UNet that cannot be read (the folder broke since it was listed) still gets counts: the job will say what is wrong
  const unet = await readOnnxSignature(path.join(dir, 'unet', 'model.onnx')).catch(() => undefined);
  const contextLength = unet && fixedDim(unet.inputs, 'encoder_hidden_states', 1);
  return { tokenizer, maxChunks: promptChunksFor(contextLength, tokenizer.maxLength) };
}
