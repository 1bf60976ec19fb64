/** `reverie tokenize`: the model's CLIP tokenizer on a text (ids with BOS/EOS, before padding). */
import path from 'node:path';
import { ClipTokenizer } from '../engine/tokenizer/clip-bpe.ts';
import { resolveModelDir } from './model-roots.ts';
import { UsageError, parse } from './usage.ts';
import type { Io } from './usage.ts';

export const TOKENIZE_HELP = `usage: reverie tokenize [--model DIR] [--json] TEXT...

Prints the token ids the model's tokenizer gives TEXT, with BOS and EOS, before padding.

  --model DIR   model folder (default: the first valid folder in the repository's models/)
  --json        print {"ids": [...], "tokens": [...], "truncated": false}
  -h, --help    this help`;

export async function tokenize(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse('tokenize', args, { model: { type: 'string' }, json: { type: 'boolean' } } as const);
  if (values.help) {
    io.stdout.write(`${TOKENIZE_HELP}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('missing TEXT to tokenize (see reverie tokenize --help)');
  const modelDir = await resolveModelDir(values.model, io.cwd);
  const tokenizer = await ClipTokenizer.fromFolder(path.join(modelDir, 'tokenizer'));
  const { ids, tokens, truncated } = tokenizer.tokenize(positionals.join(' '));
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ ids, tokens, truncated })}\n`);
    return 0;
  }
  const width = Math.max(...ids.map((id) => String(id).length));
  for (const [i, id] of ids.entries()) io.stdout.write(`${String(id).padStart(width)}  ${tokens[i]}\n`);
  io.stdout.write(`${ids.length} tokens (max ${tokenizer.maxLength})${truncated ? ', truncated: the end was cut off' : ''}\n`);
  return 0;
}
