import { stat } from 'node:fs/promises';
import path from 'node:path';
import { NotRegularFileError, readRegularFile } from '../regular-file.ts';
import { EngineError } from '../types.ts';

/** What a Hugging Face CLIP tokenizer folder holds, read and checked but not yet built. */
export interface TokenizerFolderData {
  vocab: Record<string, number>;
  merges: string;
  /** from tokenizer_config.json `model_max_length`, when it is a sane length */
  maxLength?: number;
  /** from special_tokens_map.json or tokenizer_config.json `pad_token` */
  padToken?: string;
  /** from special_tokens_map.json or tokenizer_config.json `unk_token` */
  unkToken?: string;
}

/**
 * Largest `model_max_length` taken at face value. Hugging Face writes int(1e30) when a tokenizer
 * has no limit of its own; anything that large means "unset" and the caller's default applies.
 */
const MAX_SANE_LENGTH = 4096;

async function readText(dir: string, name: string, required: boolean): Promise<string | undefined> {
  try {
    return await readRegularFile(path.join(dir, name), 'utf8');
  } catch (err) {
    if (err instanceof NotRegularFileError) {
      throw new EngineError('MODEL_INVALID', `${name} in tokenizer folder ${dir} is ${err.kind}, not a regular file; replace it with the real ${name}`);
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return undefined;
    if (code === 'ENOENT') {
      throw new EngineError(
        'MODEL_INVALID',
        `${name} is missing in tokenizer folder ${dir}; a CLIP tokenizer folder needs vocab.json and merges.txt`,
      );
    }
    throw new EngineError('MODEL_INVALID', `could not read ${name} in tokenizer folder ${dir}: ${(err as Error).message}`);
  }
}

function parseJson(text: string, name: string, dir: string): unknown {
  try {
    return JSON.parse(text.replace(/^\ufeff/, ''));
  } catch (err) {
    throw new EngineError('MODEL_INVALID', `${name} in tokenizer folder ${dir} is not valid JSON: ${(err as Error).message}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkVocab(value: unknown, dir: string): Record<string, number> {
  if (!isRecord(value)) {
    throw new EngineError('MODEL_INVALID', `vocab.json in tokenizer folder ${dir} should be an object of token → id, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  for (const key in value) {
    const id = value[key];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new EngineError(
        'MODEL_INVALID',
        `vocab.json in tokenizer folder ${dir} maps ${JSON.stringify(key)} to ${JSON.stringify(id)}; ids must be non-negative integers`,
      );
    }
  }
  return value as Record<string, number>;
}

/** `pad_token` and friends are a string, or an AddedToken object `{ content, ... }` */
function tokenString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.content === 'string') return value.content;
  return undefined;
}

async function readOptionalJson(dir: string, name: string): Promise<Record<string, unknown>> {
  const text = await readText(dir, name, false);
  if (text === undefined) return {};
  const value = parseJson(text, name, dir);
  if (!isRecord(value)) throw new EngineError('MODEL_INVALID', `${name} in tokenizer folder ${dir} should hold a JSON object`);
  return value;
}

/**
 * Read `vocab.json` and `merges.txt` (required) and `tokenizer_config.json` /
 * `special_tokens_map.json` (optional) from a tokenizer folder.
 *
 * Special tokens: special_tokens_map.json wins over tokenizer_config.json, as in transformers'
 * `from_pretrained` for folders saved without `added_tokens_decoder`. That is how Stable
 * Diffusion 2.x ends up padding with "!" (its special_tokens_map.json says so; see diffusers
 * issue #2201) while SD 1.x pads with "<|endoftext|>".
 */
export async function readTokenizerFolder(dir: string): Promise<TokenizerFolderData> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) throw new EngineError('MODEL_NOT_FOUND', `tokenizer folder ${dir} does not exist`);
  if (!info.isDirectory()) throw new EngineError('MODEL_INVALID', `tokenizer folder ${dir} is a file, expected a folder with vocab.json and merges.txt`);

  const [vocabText, merges, config, specialMap] = await Promise.all([
    readText(dir, 'vocab.json', true),
    readText(dir, 'merges.txt', true),
    readOptionalJson(dir, 'tokenizer_config.json'),
    readOptionalJson(dir, 'special_tokens_map.json'),
  ]);
  const vocab = checkVocab(parseJson(vocabText as string, 'vocab.json', dir), dir);

  const length = config.model_max_length;
  const maxLength =
    typeof length === 'number' && Number.isInteger(length) && length >= 2 && length <= MAX_SANE_LENGTH ? length : undefined;
  return {
    vocab,
    merges: merges as string,
    maxLength,
    padToken: tokenString(specialMap.pad_token) ?? tokenString(config.pad_token),
    unkToken: tokenString(specialMap.unk_token) ?? tokenString(config.unk_token),
  };
}
