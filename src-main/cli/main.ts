/**
 * The `reverie` command line: generate, tokenize, models, samplers. Errors are one readable line
 * ("error: ..."); exit codes 0 ok, 1 runtime failure, 2 bad usage or input, 130 interrupted.
 */
import { CancelledError, EngineError } from '../engine/types.ts';
import type { EngineErrorCode } from '../engine/types.ts';
import { GENERATE_HELP, generate } from './generate.ts';
import { MODELS_HELP, SAMPLERS_HELP, models, samplers } from './list.ts';
import { TOKENIZE_HELP, tokenize } from './tokenize.ts';
import { UsageError } from './usage.ts';
import type { Io } from './usage.ts';

export const MAIN_HELP = `usage: reverie <command> [options]

commands:
  generate   text to image: reverie generate --prompt "a red fox" --out fox.png
  tokenize   show the token ids of a text
  models     list model folders and whether they load
  samplers   list samplers and schedules

Run "reverie <command> --help" for a command's options.`;

/** input problems the user can fix by changing the command: exit code 2 */
const INPUT_CODES: readonly EngineErrorCode[] = ['BAD_INPUT', 'MODEL_NOT_FOUND', 'MODEL_INVALID', 'MODEL_UNSUPPORTED', 'IMAGE_INVALID'];

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

export async function main(argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }): Promise<number> {
  const [command, ...rest] = argv;
  const ac = new AbortController();
  const onSigint = (): void => {
    if (ac.signal.aborted) process.exit(130);
    io.stderr.write('\ninterrupting (press Ctrl-C again to quit at once)...\n');
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    switch (command) {
      case 'generate':
        return await generate(rest, io, ac.signal);
      case 'tokenize':
        return await tokenize(rest, io);
      case 'models':
        return await models(rest, io);
      case 'samplers':
        return samplers(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h': {
        const topic = { generate: GENERATE_HELP, tokenize: TOKENIZE_HELP, models: MODELS_HELP, samplers: SAMPLERS_HELP }[rest[0] ?? ''];
        (command === undefined ? io.stderr : io.stdout).write(`${topic ?? MAIN_HELP}\n`);
        return command === undefined ? 2 : 0;
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; commands: generate, tokenize, models, samplers (see reverie --help)`);
    }
  } catch (err) {
    if (err instanceof CancelledError) {
      io.stderr.write('error: interrupted\n');
      return 130;
    }
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${oneLine(err.message)}\n`);
      return 2;
    }
    if (err instanceof EngineError) {
      io.stderr.write(`error: ${oneLine(err.message)}\n`);
      return INPUT_CODES.includes(err.code) ? 2 : 1;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`error: ${oneLine(message)}\n`);
    if (io.env.REVERIE_DEBUG === '1' && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
