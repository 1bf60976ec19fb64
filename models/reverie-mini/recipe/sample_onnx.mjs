#!/usr/bin/env node
// Stand-alone txt2img over the exported ONNX folder with onnxruntime-node (used by the evaluation so it
// measures the shipped files; the app itself goes through src-main/engine).  k-diffusion's Euler sampler
// on the "normal" discrete schedule (sampling.py `sample_euler`, external.py `DiscreteEpsDDPMDenoiser`),
// classifier-free guidance batched as [uncond, cond].
//
// Usage: node recipe/sample_onnx.mjs <model folder> <jobs.json> [--threads N]
//   jobs.json: { "steps": 20, "cfg": 5, "width": 256, "height": 256,
//                "jobs": [{ "prompt": "...", "negative": "", "seed": 1, "out": "/path/x.png" }] }
// Prints one JSON line per image: { out, ms } and finally { meanMs }.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(here, '..', '..', '..', 'package.json'));
const ort = require('onnxruntime-node');
const sharp = require('sharp');

const [modelDir, jobsFile, ...rest] = process.argv.slice(2);
const threads = rest[0] === '--threads' ? Number(rest[1]) : 0;
const spec = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
const readJson = (rel) => JSON.parse(fs.readFileSync(path.join(modelDir, rel), 'utf8'));

// ---- tokenizer: CLIP BPE over our vocab.json / merges.txt (same algorithm as recipe/bpe.py)
const vocab = readJson('tokenizer/vocab.json');
const tokCfg = readJson('tokenizer/tokenizer_config.json');
const maxLength = tokCfg.model_max_length;
const merges = fs.readFileSync(path.join(modelDir, 'tokenizer/merges.txt'), 'utf8').split('\n').slice(1).filter((l) => l.trim());
const ranks = new Map(merges.map((m, i) => [m, i]));
const byteEnc = (() => {
  const keep = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const map = new Map();
  let n = 0;
  for (let b = 0; b < 256; b++) map.set(b, keep.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + n++));
  return map;
})();
const PAT = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/gu;
function bpe(word) {
  let sym = [...word];
  sym[sym.length - 1] += '</w>';
  while (sym.length > 1) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i < sym.length - 1; i++) {
      const r = ranks.get(`${sym[i]} ${sym[i + 1]}`);
      if (r !== undefined && r < bestRank) { bestRank = r; best = i; }
    }
    if (best < 0) break;
    const [a, b] = [sym[best], sym[best + 1]];
    const out = [];
    for (let i = 0; i < sym.length; i++) {
      if (i < sym.length - 1 && sym[i] === a && sym[i + 1] === b) { out.push(a + b); i++; } else out.push(sym[i]);
    }
    sym = out;
  }
  return sym;
}
function encode(text) {
  const ids = [vocab['<|startoftext|>']];
  const clean = text.replace(/\s+/g, ' ').trim().toLowerCase();
  for (const w of clean.match(PAT) ?? []) {
    const bytes = [...Buffer.from(w, 'utf8')].map((b) => byteEnc.get(b)).join('');
    for (const s of bpe(bytes)) ids.push(vocab[s]);
  }
  const eos = vocab['<|endoftext|>'];
  const cut = ids.slice(0, maxLength - 1).concat([eos]);
  const padId = vocab[tokCfg.pad_token] ?? eos;
  while (cut.length < maxLength) cut.push(padId);
  return Int32Array.from(cut);
}

// ---- schedule: SD's scaled-linear betas -> sigmas (k-diffusion DiscreteSchedule)
const sc = readJson('scheduler/scheduler_config.json');
const T = sc.num_train_timesteps;
const logSigmas = new Float64Array(T);
{
  let ac = 1;
  for (let i = 0; i < T; i++) {
    const b = (Math.sqrt(sc.beta_start) + (Math.sqrt(sc.beta_end) - Math.sqrt(sc.beta_start)) * i / (T - 1)) ** 2;
    ac *= 1 - b;
    logSigmas[i] = Math.log(Math.sqrt((1 - ac) / ac));
  }
}
function tToSigma(t) {
  const lo = Math.floor(t);
  const hi = Math.min(lo + 1, T - 1);
  const w = t - lo;
  return Math.exp((1 - w) * logSigmas[lo] + w * logSigmas[hi]);
}
function sigmaToT(sigma) {
  const ls = Math.log(sigma);
  let lo = 0;
  while (lo < T - 2 && logSigmas[lo + 1] <= ls) lo++;
  const w = Math.min(1, Math.max(0, (logSigmas[lo] - ls) / (logSigmas[lo] - logSigmas[lo + 1])));
  return (1 - w) * lo + w * (lo + 1);
}
function sigmasNormal(steps) {
  const out = [];
  for (let i = 0; i < steps; i++) out.push(tToSigma((T - 1) * (1 - i / (steps - 1 || 1))));
  out.push(0);
  return out;
}

// ---- seeded standard normals (mulberry32 + Box-Muller): reproducible, not torch-matched
function randn(seed, n) {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u() + 1e-12));
    const th = 2 * Math.PI * u();
    out[i] = r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = r * Math.sin(th);
  }
  return out;
}

const opts = threads > 0 ? { intraOpNumThreads: threads } : {};
const te = await ort.InferenceSession.create(path.join(modelDir, 'text_encoder/model.onnx'), opts);
const unet = await ort.InferenceSession.create(path.join(modelDir, 'unet/model.onnx'), opts);
const dec = await ort.InferenceSession.create(path.join(modelDir, 'vae_decoder/model.onnx'), opts);
const vaeConfig = readJson('vae_decoder/config.json');
const sf = vaeConfig.scaling_factor;
// latent channels and the VAE's downsampling factor from the folder (diffusers: 2^(len(block_out_channels) - 1))
const C = vaeConfig.latent_channels ?? 4;
const F = vaeConfig.block_out_channels ? 2 ** (vaeConfig.block_out_channels.length - 1) : 8;
const vPrediction = readJson('scheduler/scheduler_config.json').prediction_type === 'v_prediction';

async function embed(texts) {
  const ids = new Int32Array(texts.length * maxLength);
  texts.forEach((t, i) => ids.set(encode(t), i * maxLength));
  const r = await te.run({ input_ids: new ort.Tensor('int32', ids, [texts.length, maxLength]) });
  return r.last_hidden_state;
}

const steps = spec.steps ?? 20;
const cfg = spec.cfg ?? 5;
const W = spec.width ?? 256;
const H = spec.height ?? 256;
const h = H / F;
const w = W / F;
const n = C * h * w;
let total = 0;
for (const job of spec.jobs) {
  const t0 = performance.now();
  const ctx = await embed([job.negative ?? '', job.prompt]);
  const sigmas = sigmasNormal(steps);
  const x = randn(job.seed, n).map((v) => v * sigmas[0]);
  for (let i = 0; i < steps; i++) {
    const s = sigmas[i];
    const cIn = 1 / Math.sqrt(s * s + 1);
    const xin = new Float32Array(2 * n);
    for (let k = 0; k < n; k++) { xin[k] = x[k] * cIn; xin[n + k] = x[k] * cIn; }
    const r = await unet.run({
      sample: new ort.Tensor('float32', xin, [2, C, h, w]),
      timestep: new ort.Tensor('float32', Float32Array.of(sigmaToT(s)), [1]),
      encoder_hidden_states: ctx,
    });
    const out = r.out_sample.data;
    const dt = sigmas[i + 1] - s;
    for (let k = 0; k < n; k++) {
      const o = out[k] + cfg * (out[n + k] - out[k]);
      // epsilon: denoised = x - s·eps; v (k-diffusion VDenoiser): denoised = x/(s²+1) - v·s/sqrt(s²+1)
      const denoised = vPrediction ? x[k] / (s * s + 1) - (o * s) / Math.sqrt(s * s + 1) : x[k] - s * o;
      x[k] += ((x[k] - denoised) / s) * dt; // Euler step of k-diffusion
    }
  }
  for (let k = 0; k < n; k++) x[k] /= sf;
  const img = (await dec.run({ latent_sample: new ort.Tensor('float32', x, [1, C, h, w]) })).sample.data;
  const rgb = Buffer.alloc(W * H * 3);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < W * H; p++) rgb[p * 3 + c] = Math.max(0, Math.min(255, Math.round((img[c * W * H + p] + 1) * 127.5)));
  }
  fs.mkdirSync(path.dirname(job.out), { recursive: true });
  await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toFile(job.out);
  const ms = performance.now() - t0;
  total += ms;
  console.log(JSON.stringify({ out: job.out, ms: Math.round(ms) }));
}
console.log(JSON.stringify({ meanMs: Math.round(total / Math.max(1, spec.jobs.length)), steps, cfg }));
