/** `reverie import FILE.safetensors`: a single-file checkpoint becomes an ONNX folder in the user's models folder. */
import path from 'node:path';
import { ImportCancelled, ImportError, importCheckpoint } from '../../engine/checkpoints/import.ts';
import type { ImportProgress, Prediction } from '../../engine/checkpoints/import.ts';
import { SafetensorsFormatError } from '../../engine/checkpoints/safetensors.ts';
import { TemplateError } from '../../engine/checkpoints/templates.ts';
import { CancelledError } from '../../engine/types.ts';
import { resolveDataDir } from '../../storage/paths.ts';
import { BUNDLED_MODELS, modelRoots } from '../model-roots.ts';
import { UsageError, parse } from '../usage.ts';
import type { Io } from '../usage.ts';

export const IMPORT_HELP = `usage: reverie import FILE.safetensors [--name NAME] [--family sd1|sd2|sdxl] [--prediction epsilon|v] [--fp16]

Imports a single-file Stable Diffusion checkpoint (SD 1.x, SD 2.x, their 9-channel inpainting
versions, and SDXL base) as an ONNX model folder in the user models folder, where the studio and --model find it.
The family is read from the tensor names and shapes. No Python is needed; .ckpt pickles are refused
(the message shows the one-line conversion to .safetensors).

  --name NAME          folder name (default: the file name without extension)
  --family F           sd1, sd2 or sdxl: refuse the file unless it is this family
  --prediction P       epsilon or v (SD 2.x: v for the 768 models, epsilon for 2.x-base; SDXL: epsilon
                       except v-prediction finetunes); default:
                       the file's modelspec metadata, else the family's default
  --fp16               store the weights as float16 (half the disk; computed in float32)
  --into DIR           models folder to import into (default: the user models folder)
  --templates DIR      graph templates (default: the bundled models/templates and the data folder's templates/)
  --json               print the result as JSON
  -h, --help           this help`;

const PREDICTIONS: Record<string, Prediction> = { epsilon: 'epsilon', eps: 'epsilon', v: 'v_prediction', v_prediction: 'v_prediction' };

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
}

function progressLine(io: Io): (p: ImportProgress) => void {
  let lastTenth = -1;
  return (p) => {
    if (p.stage !== 'writing' || p.total === 0) return;
    const fraction = p.done / p.total;
    if (io.stderr.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      io.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${mb(p.done)} / ${mb(p.total)}  ${p.part ?? ''}      `);
      if (p.done === p.total) io.stderr.write('\n');
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      io.stderr.write(`importing ${Math.round(fraction * 100)}% (${mb(p.done)} of ${mb(p.total)})\n`);
    }
  };
}

export async function importCommand(args: readonly string[], io: Io, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse('import', args, {
    name: { type: 'string' }, family: { type: 'string' }, prediction: { type: 'string' }, fp16: { type: 'boolean' },
    into: { type: 'string' }, templates: { type: 'string' }, json: { type: 'boolean' },
  } as const);
  if (values.help) {
    io.stdout.write(`${IMPORT_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one checkpoint file (see reverie import --help)');
  const prediction = values.prediction === undefined ? undefined : PREDICTIONS[values.prediction];
  if (values.prediction !== undefined && prediction === undefined) throw new UsageError(`--prediction is epsilon or v, not ${JSON.stringify(values.prediction)}`);
  const modelsDir = values.into ? path.resolve(io.cwd, values.into) : modelRoots(io.env)[1]!;
  const started = Date.now();
  try {
    const result = await importCheckpoint({
      file: path.resolve(io.cwd, positionals[0]!), modelsDir,
      templatesDirs: values.templates ? [path.resolve(io.cwd, values.templates)] : [path.join(BUNDLED_MODELS, 'templates'), path.join(resolveDataDir({ env: io.env }), 'templates')],
      name: values.name, family: values.family, prediction, fp16: values.fp16 === true,
      signal, onProgress: progressLine(io),
    });
    const seconds = (Date.now() - started) / 1000;
    for (const w of result.warnings) io.stderr.write(`warning: ${w}\n`);
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ ...result, seconds })}\n`);
    } else {
      io.stdout.write(`imported ${result.family}${result.inpainting ? ' (inpainting)' : ''} checkpoint as "${result.name}" ` +
        `(${result.tensors} tensors, ${mb(result.bytes)}, ${result.prediction}, ${seconds.toFixed(1)} s)\n${result.dir}\n` +
        `try: reverie generate --model "${result.dir}" --prompt "a photo of a cat" --out cat.png\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof ImportCancelled) throw new CancelledError();
    if (err instanceof ImportError || err instanceof SafetensorsFormatError || err instanceof TemplateError) throw new UsageError(err.message);
    throw err;
  }
}
