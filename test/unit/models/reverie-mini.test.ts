/**
 * The shipped default model folder (models/reverie-mini): layout, configs, licences, size, and the
 * tokenizer files read by the engine's CLIP tokenizer exactly as the training tokenizer (recipe/bpe.py)
 * tokenized the captions (golden ids written by recipe/export.py).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inspectModelFolder } from '../../../src-main/engine/models/folder.ts';
import { ClipTokenizer } from '../../../src-main/engine/tokenizer/clip-bpe.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const modelDir = path.join(repoRoot, 'models', 'reverie-mini');
const sharedClip = path.resolve(repoRoot, '..', 'shared', 'reference', 'clip');

function readJson(rel: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(modelDir, rel), 'utf8'));
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function folderBytes(dir: string, skip: (rel: string) => boolean, rel = ''): number {
  let total = 0;
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (skip(r)) continue;
    total += e.isDirectory() ? folderBytes(dir, skip, r) : fs.statSync(path.join(dir, r)).size;
  }
  return total;
}

interface GoldenCase { text: string; ids: number[]; padded: number[] }

describe('models/reverie-mini folder', () => {
  it('is a valid reverie-family diffusers ONNX folder for the engine', async () => {
    const report = await inspectModelFolder(modelDir);
    expect(report.problems).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.family).toBe('reverie');
  });

  it('declares the pipeline class, default size and fitted preview factors', () => {
    const index = record(readJson('model_index.json'), 'model_index.json');
    expect(index._class_name).toBe('OnnxStableDiffusionPipeline');
    const rev = record(index.reverie, 'model_index.json reverie');
    expect(rev.family).toBe('reverie');
    expect(rev.default_size).toEqual([256, 256]);
    const factors = rev.latent_rgb_factors as number[][];
    expect(factors).toHaveLength(8);
    for (const row of factors) {
      expect(row).toHaveLength(3);
      for (const v of row) expect(Number.isFinite(v)).toBe(true);
    }
    expect((rev.latent_rgb_bias as number[]).every((v) => Number.isFinite(v))).toBe(true);
    // a least-squares fit is not the zero map
    expect(Math.max(...factors.flat().map(Math.abs))).toBeGreaterThan(0.01);
  });

  it("uses Stable Diffusion's 1000-step scaled-linear schedule with v-prediction, a measured scaling factor and an f/16 8-channel VAE", () => {
    const s = record(readJson('scheduler/scheduler_config.json'), 'scheduler_config.json');
    expect(s).toMatchObject({ beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', num_train_timesteps: 1000, prediction_type: 'v_prediction' });
    const vae = record(readJson('vae_decoder/config.json'), 'vae_decoder/config.json');
    expect(typeof vae.scaling_factor).toBe('number');
    expect(vae.scaling_factor).toBeGreaterThan(0);
    expect(vae.latent_channels).toBe(8);
    // diffusers' rule, which the engine follows: factor = 2^(len(block_out_channels) - 1) = 16
    expect(vae.block_out_channels).toHaveLength(5);
  });

  it('has a tokenizer in CLIP format: CLIP byte alphabet first, specials last', () => {
    const vocab = readJson('tokenizer/vocab.json') as Record<string, number>;
    const clip = JSON.parse(fs.readFileSync(path.join(sharedClip, 'vocab.json'), 'utf8')) as Record<string, number>;
    const ours = Object.entries(vocab).sort((a, b) => a[1] - b[1]);
    const theirs = Object.entries(clip).sort((a, b) => a[1] - b[1]);
    expect(ours.slice(0, 512)).toEqual(theirs.slice(0, 512));
    const n = ours.length;
    expect(ours[n - 2]).toEqual(['<|startoftext|>', n - 2]);
    expect(ours[n - 1]).toEqual(['<|endoftext|>', n - 1]);
    const merges = fs.readFileSync(path.join(modelDir, 'tokenizer', 'merges.txt'), 'utf8').split('\n');
    expect(merges[0]).toBe('#version: 0.2');
    expect(merges.filter((l) => l.trim() !== '').length - 1).toBe(n - 512 - 2);
  });

  it("engine's ClipTokenizer reproduces the training tokenizer's ids", async () => {
    const golden = JSON.parse(fs.readFileSync(path.join(modelDir, 'recipe', 'golden', 'tokens.json'), 'utf8')) as { max_length: number; cases: GoldenCase[] };
    const tok = await ClipTokenizer.fromFolder(path.join(modelDir, 'tokenizer'));
    expect(tok.maxLength).toBe(golden.max_length);
    for (const c of golden.cases) {
      expect(tok.tokenize(c.text).ids, c.text).toEqual(c.ids);
      expect(Array.from(tok.encodePadded(c.text).ids), c.text).toEqual(c.padded);
    }
  });

  it('lists every training source with licence and integrity, with the licence texts', () => {
    const sources = record(readJson('sources.json'), 'sources.json');
    const pkgs = sources.packages as { name: string; version: string; license: string; integrity: string }[];
    expect(pkgs.map((p) => p.name)).toContain('@lobehub/fluent-emoji-3d');
    for (const p of pkgs) {
      expect(p.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(p.integrity).toMatch(/^sha512-/);
      expect(['MIT', 'Apache-2.0']).toContain(p.license);
    }
    const licences = fs.readdirSync(path.join(modelDir, 'LICENSES'));
    expect(licences).toEqual(expect.arrayContaining(['fluentui-emoji.MIT.txt', 'emojibase-data.MIT.txt', 'noto-emoji.Apache-2.0.txt']));
  });

  it('fits the size budget (60 MB, recipe work files and the resume point excluded)', () => {
    // what ships (electron-builder leaves out recipe/work and the training resume point recipe/resume)
    const bytes = folderBytes(modelDir, (rel) => rel === path.join('recipe', 'work') || rel === path.join('recipe', 'resume') || rel.endsWith('__pycache__'));
    expect(bytes).toBeLessThan(60 * 1024 * 1024);
  });
});
