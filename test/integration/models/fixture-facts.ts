/**
 * The constants of the tiny model fixtures (test/fixtures/models/fixtures.json, written by
 * test/fixtures/make_models.py) and float64 reference formulas for what they compute — see the header of
 * make_models.py for the maths. Shared by integration tests that use the fixtures.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fromHalfBits, toHalfBits } from '../../../src-main/engine/runtime/fp16.ts';
import type { DiscreteSchedule } from '../../../src-main/engine/schedules/discrete.ts';

export const FIXTURE_MODELS = path.resolve(import.meta.dirname, '../../fixtures/models');

export interface FolderSpec {
  channels: number;
  hidden: number;
  ids: 'int32' | 'int64';
  io: 'float32' | 'float16';
  t_dtype: 'float32' | 'float16' | 'int64';
  t_dims: (number | string)[];
  prediction: 'epsilon' | 'v_prediction';
  spacing: string;
  layout: 'script' | 'optimum';
  encoder_out: 'latent_sample' | 'latent_parameters';
  inpaint: boolean;
  static_batch: boolean;
  pad_token: string;
  scaling_factor: number;
  /** VAE downsampling: 8, or 16 for reverie-f16 */
  factor: number;
}

export interface FixtureFacts {
  data_var: number;
  logvar: number;
  b_dec: number[][];
  bias_dec: number[];
  words: Record<string, number>;
  word_rows: Record<string, number[]>;
  folders: Record<string, FolderSpec>;
}

export const FACTS: FixtureFacts = JSON.parse(readFileSync(path.join(FIXTURE_MODELS, 'fixtures.json'), 'utf8')) as FixtureFacts;

/** m(c): per latent channel, the sum of WORD_ROWS over the words of the prompt (other tokens add 0). */
export function promptMean(prompt: string, channels: number): number[] {
  const m = new Array<number>(channels).fill(0);
  for (const word of prompt.toLowerCase().match(/[a-z]+/g) ?? []) {
    const row = FACTS.word_rows[word];
    if (row) for (let k = 0; k < channels; k++) m[k] += row[k];
  }
  return m;
}

/** The exact denoiser of N(m, v·I): D(x, σ) = m + (x − m)·v/(v + σ²). */
export function gaussianD(x: number, m: number, sigma: number, v = FACTS.data_var): number {
  return m + ((x - m) * v) / (v + sigma * sigma);
}

/** The timestep value the UNet actually sees for t, after the export's element type. */
export function fedTimestep(t: number, dtype: FolderSpec['t_dtype']): number {
  if (dtype === 'int64') return Math.round(t);
  if (dtype === 'float16') return fromHalfBits(toHalfBits(t));
  return Math.fround(t);
}

/**
 * Float64 emulation of wrapper + fixture UNet: the wrapper feeds x·c_in(σ) and t(σ); the UNet recovers
 * σ_u from the timestep it sees, computes its prediction, and the wrapper applies c_skip/c_out with σ.
 */
export function expectedDenoised(spec: FolderSpec, schedule: DiscreteSchedule, x: number, m: number, sigma: number): number {
  const sU = schedule.tToSigma(fedTimestep(schedule.sigmaToT(sigma), spec.t_dtype));
  const cIn = 1 / Math.sqrt(sigma * sigma + 1);
  const xU = x * cIn * Math.sqrt(sU * sU + 1);
  const dU = gaussianD(xU, m, sU);
  if (spec.prediction === 'epsilon') return x - sigma * ((xU - dU) / sU);
  const v = ((xU / (sU * sU + 1) - dU) * Math.sqrt(sU * sU + 1)) / sU;
  return x / (sigma * sigma + 1) - sigma * cIn * v;
}

/** decode(z) of the fixture VAE at one latent pixel: B·z + b_dec (the engine divides by the scaling factor). */
export function decodePixel(z: readonly number[]): number[] {
  return FACTS.b_dec.map((row, c) => row.slice(0, z.length).reduce((s, b, k) => s + b * z[k], FACTS.bias_dec[c]));
}
