/**
 * `--steps-out DIR`: the recorded reverse process on disk. Per image and step, x_t (shown in DDPM
 * scaling x/√(σ² + 1)) and x̂₀ as PNGs — linear latent previews at latent size by default, full VAE
 * decodes with `--steps-decode vae` — plus `steps.json` (sigma, sigma-hat, timestep and file names of
 * every step) and the binary recording (`recording.rvrec`, float16; see engine/pipelines/record.ts)
 * that the studio can load back.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodePng } from '../../engine/imageio/png.ts';
import type { LoadedModel } from '../../engine/models/model.ts';
import { decodeStep, stepPreviewRgb8 } from '../../engine/pipelines/preview.ts';
import type { StepImageKind } from '../../engine/pipelines/preview.ts';
import { StepRecorder, serializeRecording } from '../../engine/pipelines/record.ts';
import type { Recording } from '../../engine/pipelines/record.ts';
import type { Txt2ImgStep } from '../../engine/pipelines/txt2img.ts';
import { clone } from '../../engine/samplers/ops.ts';
import { UsageError } from '../usage.ts';
import type { Io } from '../usage.ts';

export type StepsDecode = 'preview' | 'vae';

export function stepsDecode(value: string | undefined): StepsDecode {
  const v = value ?? 'preview';
  if (v !== 'preview' && v !== 'vae') throw new UsageError(`--steps-decode must be preview or vae, got ${JSON.stringify(value)}`);
  return v;
}

/** --steps-out DIR (resolved; undefined when not given) and --steps-decode KIND; UsageError on a bad KIND. */
export function stepsOutOptions(values: { 'steps-out'?: string; 'steps-decode'?: string }, io: Io): { dir: string | undefined; decode: StepsDecode } {
  const decode = stepsDecode(values['steps-decode']);
  return { dir: values['steps-out'] === undefined ? undefined : path.resolve(io.cwd, values['steps-out']), decode };
}

/** Collects txt2img's steps (one list per batch) for commands whose pipeline does not record itself. */
export class StepCollector {
  private readonly batches = new Map<number, { steps: Txt2ImgStep[]; seeds: readonly number[] }>();

  readonly onStep = (step: Txt2ImgStep): void => {
    const b = this.batches.get(step.iteration) ?? { steps: [], seeds: step.seeds };
    // x is the sampler's working buffer (updated in place by the next step): kept as a copy
    b.steps.push({ ...step, x: clone(step.x) });
    this.batches.set(step.iteration, b);
  };

  recordings(model: LoadedModel, meta: Recording['meta']): Recording[] {
    return [...this.batches.values()].map(({ steps, seeds }) => {
      const rec = new StepRecorder((s) => model.discrete.sigmaToT(s));
      for (const s of steps) rec.onStep(s);
      return rec.recording([...steps.map((s) => s.sigma), 0], undefined, { ...meta, seeds: [...seeds] });
    });
  }
}

interface StepsJson {
  model: string;
  decoder: StepsDecode;
  recordings: string[];
  images: { seed: number | null; steps: { i: number; sigma: number; sigmaHat: number; t: number; xt: string; x0: string }[] }[];
}

export async function writeSteps(dir: string, recordings: readonly Recording[], model: LoadedModel, decode: StepsDecode): Promise<{ dir: string; files: number }> {
  await mkdir(dir, { recursive: true });
  const total = recordings.reduce((n, r) => n + (r.dims[0] ?? 1), 0);
  const doc: StepsJson = { model: model.info.name, decoder: decode, recordings: [], images: [] };
  let files = 0;
  const image = async (rec: Recording, step: number, kind: StepImageKind, item: number): Promise<Buffer> =>
    encodePng(decode === 'vae' ? await decodeStep(model, rec, step, kind, item) : stepPreviewRgb8(rec, step, kind, model.info.previewFactors, item));
  for (const [b, rec] of recordings.entries()) {
    const name = recordings.length === 1 ? 'recording.rvrec' : `recording-${b + 1}.rvrec`;
    await writeFile(path.join(dir, name), serializeRecording(rec, 'float16'));
    doc.recordings.push(name);
    files++;
    const seeds = Array.isArray(rec.meta.seeds) ? (rec.meta.seeds as readonly number[]) : [];
    for (let item = 0; item < (rec.dims[0] ?? 1); item++) {
      const prefix = total === 1 ? '' : `image-${doc.images.length + 1}-`;
      const entry: StepsJson['images'][number] = { seed: seeds[item] ?? null, steps: [] };
      for (const [k, s] of rec.steps.entries()) {
        const stem = `${prefix}step-${String(s.i).padStart(3, '0')}`;
        await writeFile(path.join(dir, `${stem}-xt.png`), await image(rec, k, 'x', item));
        await writeFile(path.join(dir, `${stem}-x0.png`), await image(rec, k, 'denoised', item));
        files += 2;
        entry.steps.push({ i: s.i, sigma: s.sigma, sigmaHat: s.sigmaHat, t: s.t, xt: `${stem}-xt.png`, x0: `${stem}-x0.png` });
      }
      doc.images.push(entry);
    }
  }
  await writeFile(path.join(dir, 'steps.json'), `${JSON.stringify(doc, null, 2)}\n`);
  return { dir, files: files + 1 };
}
