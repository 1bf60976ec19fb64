/**
 * The `reverie` command line: generate, img2img, inpaint, denoise, forward, anomaly, playground, import, tokenize,
 * models, samplers, bench. Errors are one readable line
 * ("error: ..."); exit codes 0 ok, 1 runtime failure, 2 bad usage or input, 130 interrupted.
 */
import { CancelledError, EngineError } from '../engine/types.ts';
import type { EngineErrorCode } from '../engine/types.ts';
import { ANOMALY_HELP, anomalyCommand } from './commands/anomaly.ts';
import { BENCH_HELP, benchCommand } from './commands/bench.ts';
import { DENOISE_HELP, denoiseCommand } from './commands/denoise.ts';
import { FORWARD_HELP, forwardCommand } from './commands/forward.ts';
import { IMPORT_HELP, importCommand } from './commands/import.ts';
import { IMG2IMG_HELP, INPAINT_HELP, img2imgCommand, inpaintCommand } from './commands/img2img.ts';
import { PLAYGROUND_HELP, playgroundCommand } from './commands/playground.ts';
import { GENERATE_HELP, generate } from './generate.ts';
import { MODELS_HELP, SAMPLERS_HELP, models, samplers } from './list.ts';
import { TOKENIZE_HELP, tokenize } from './tokenize.ts';
import { UsageError } from './usage.ts';
import type { Io } from './usage.ts';

export const MAIN_HELP = `usage: reverie <command> [options]

commands:
  generate   text to image: reverie generate --prompt "a red fox" --out fox.png
  img2img    repaint an image: reverie img2img --image in.png --strength 0.6 --out out.png
  inpaint    repaint the white part of a mask: reverie inpaint --image in.png --mask m.png --out out.png
  denoise    remove noise from a photo: reverie denoise --image noisy.png --out clean.png
  forward    the noising process at chosen timesteps: reverie forward --image in.png --t 0,500,999 --out t.png
  anomaly    where the model cannot reconstruct an image: reverie anomaly --image in.png --out heat.png
  playground exact diffusion in 2-D: reverie playground --data two --process vp --sampler heun --json
  import     a .safetensors checkpoint becomes a model: reverie import model.safetensors
  tokenize   show the token ids of a text
  models     list model folders and whether they load
  samplers   list samplers and schedules
  bench      measure the engine's speed on this machine: reverie bench [--quick] [--json]

Run "reverie <command> --help" for a command's options.`;

/** input problems the user can fix by changing the command (a job too big for memory too): exit code 2 */
const INPUT_CODES: readonly EngineErrorCode[] = ['BAD_INPUT', 'MODEL_NOT_FOUND', 'MODEL_INVALID', 'MODEL_UNSUPPORTED', 'IMAGE_INVALID', 'OUT_OF_MEMORY'];

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
      case 'img2img':
        return await img2imgCommand(rest, io, ac.signal);
      case 'inpaint':
        return await inpaintCommand(rest, io, ac.signal);
      case 'denoise':
        return await denoiseCommand(rest, io, ac.signal);
      case 'forward':
        return await forwardCommand(rest, io, ac.signal);
      case 'anomaly':
        return await anomalyCommand(rest, io, ac.signal);
      case 'playground':
        return await playgroundCommand(rest, io, ac.signal);
      case 'import':
        return await importCommand(rest, io, ac.signal);
      case 'tokenize':
        return await tokenize(rest, io);
      case 'models':
        return await models(rest, io);
      case 'samplers':
        return samplers(rest, io);
      case 'bench':
        return await benchCommand(rest, io, ac.signal);
      case undefined:
      case 'help':
      case '--help':
      case '-h': {
        const topic = {
          generate: GENERATE_HELP,
          img2img: IMG2IMG_HELP,
          inpaint: INPAINT_HELP,
          denoise: DENOISE_HELP,
          forward: FORWARD_HELP,
          anomaly: ANOMALY_HELP,
          playground: PLAYGROUND_HELP,
          import: IMPORT_HELP,
          tokenize: TOKENIZE_HELP,
          models: MODELS_HELP,
          samplers: SAMPLERS_HELP,
          bench: BENCH_HELP,
        }[rest[0] ?? ''];
        (command === undefined ? io.stderr : io.stdout).write(`${topic ?? MAIN_HELP}\n`);
        return command === undefined ? 2 : 0;
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; commands: generate, img2img, inpaint, denoise, forward, anomaly, playground, import, tokenize, models, samplers, bench (see reverie --help)`);
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
