#!/usr/bin/env node
/**
 * A bare ONNX Runtime loop over a model folder, the yardstick for `reverie bench --model` (issue 16:
 * "re-measured side by side with a bare ONNX Runtime loop"). Plain onnxruntime-node, none of the engine:
 * ORT's default session options, fixed token ids (no tokenizer), one text-encoder call, `steps` UNet calls
 * on [uncond ‖ cond] (batch 2) with CFG and an Euler update in a loop, one VAE decode; no checks, no
 * previews, no PNG. Per image: wall and the time inside `run`, and, as `reverie bench --model --json` reports
 * them, encode_ms, step_ms (a UNet call's mean) and decode_ms; per_call_ms is the time inside `run` over all
 * the image's calls (the encoder's and the decoder's too), not a UNet step.
 *
 *   node test/bench/bare-loop.mjs --model models/reverie-mini [--width 256 --height 256] [--steps 20] [--runs 5]
 *
 * The latent size comes from the VAE decoder (one call on an 8×8 latent gives its factor); --width and
 * --height default to 256 (reverie-mini's size; use 512 for SD 1.5). Prints one JSON line.
 * BARE_THREADS=N sets intraOpNumThreads (the engine uses every core; onnxruntime-node's default used one
 * here, which is 6 % faster for reverie-mini at 256² and 1.7× slower for SD 1.5).
 * On Linux it also prints peak_rss_mb, this process's peak resident memory from the first image on (the
 * kernel's peak is reset after the loads, as `reverie bench --model` does), and load_peak_rss_mb before it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

const { values } = parseArgs({
  options: { model: { type: 'string' }, width: { type: 'string' }, height: { type: 'string' }, steps: { type: 'string' }, runs: { type: 'string' } },
});
if (!values.model) throw new Error('usage: bare-loop.mjs --model DIR [--width N --height N --steps N --runs N]');
const dir = path.resolve(values.model);
const width = Number(values.width ?? 256);
const height = Number(values.height ?? 256);
const steps = Number(values.steps ?? 20);
const runs = Number(values.runs ?? 5);

let ortMs = 0;
/** ms of each measured image's calls by stage (encode, unet, decode); the warm-up image's are not kept */
const stages = { encode: [], unet: [], decode: [] };
let measuring = false;
async function run(session, feeds, stage) {
  const t = performance.now();
  const out = await session.run(feeds);
  const ms = performance.now() - t;
  ortMs += ms;
  if (measuring) stages[stage].push(ms);
  return out;
}
const sessionOptions = process.env.BARE_THREADS ? { intraOpNumThreads: Number(process.env.BARE_THREADS) } : {};
const load = (part) => ort.InferenceSession.create(path.join(dir, part, 'model.onnx'), sessionOptions);
const [text, unet, vae] = [await load('text_encoder'), await load('unet'), await load('vae_decoder')];

const meta = (s, name) => s.inputMetadata.find((m) => m.name === name) ?? s.inputMetadata[0];
const idsMeta = text.inputMetadata[0];
const idsLength = typeof idsMeta.shape[1] === 'number' ? idsMeta.shape[1] : 77;
// CLIP's start and end tokens by name from the folder's vocabulary (reverie-mini's is its own, 1024 words)
const vocab = JSON.parse(readFileSync(path.join(dir, 'tokenizer', 'vocab.json'), 'utf8'));
const [bos, eos] = [vocab['<|startoftext|>'] ?? 49406, vocab['<|endoftext|>'] ?? 49407];
const ids = (batch) => {
  const n = batch * idsLength;
  const data = idsMeta.type === 'int64' ? new BigInt64Array(n).fill(BigInt(eos)) : new Int32Array(n).fill(eos);
  for (let b = 0; b < batch; b++) data[b * idsLength] = idsMeta.type === 'int64' ? BigInt(bos) : bos;
  return new ort.Tensor(idsMeta.type, data, [batch, idsLength]);
};
const sampleMeta = meta(unet, 'sample');
const channels = Number(sampleMeta.shape[1]);
const probe = await vae.run({ [vae.inputNames[0]]: new ort.Tensor('float32', new Float32Array(channels * 64), [1, channels, 8, 8]) });
const factor = Object.values(probe)[0].dims[2] / 8;
const [h, w] = [height / factor, width / factor];
const tMeta = meta(unet, 'timestep');
const timestep = (t) => {
  const n = typeof tMeta.shape[0] === 'number' && tMeta.shape.length > 0 ? tMeta.shape[0] : 2;
  const dims = tMeta.shape.length === 0 ? [] : [n];
  if (tMeta.type === 'int64') return new ort.Tensor('int64', new BigInt64Array(Math.max(1, n)).fill(BigInt(Math.round(t))), dims);
  return new ort.Tensor('float32', new Float32Array(Math.max(1, n)).fill(t), dims);
};

async function image(seed) {
  // text: the negative prompt's encoding is computed once outside (as any app caches it); the prompt's here
  const cond = Object.values(await run(text, { [text.inputNames[0]]: ids(1) }, 'encode'))[0];
  const context = new Float32Array(cond.data.length * 2);
  context.set(cond.data, 0);
  context.set(cond.data, cond.data.length);
  const hidden = [2, cond.dims[1], cond.dims[2]];
  const n = channels * h * w;
  let x = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    x[i] = (s / 2147483647 - 0.5) * 14.6 * 3.4;
  }
  for (let k = 0; k < steps; k++) {
    const sigma = 14.6 * (1 - k / steps) + 0.03;
    const next = k + 1 < steps ? 14.6 * (1 - (k + 1) / steps) + 0.03 : 0;
    const cIn = 1 / Math.sqrt(sigma * sigma + 1);
    const sample = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) sample[i] = sample[n + i] = x[i] * cIn;
    const out = Object.values(
      await run(unet, {
        sample: new ort.Tensor('float32', sample, [2, channels, h, w]),
        timestep: timestep(999 * (1 - k / steps)),
        encoder_hidden_states: new ort.Tensor('float32', context, hidden),
      }, 'unet'),
    )[0].data;
    const nextX = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const eps = out[i] + 7 * (out[n + i] - out[i]);
      nextX[i] = x[i] + eps * (next - sigma);
    }
    x = nextX;
  }
  await run(vae, { [vae.inputNames[0]]: new ort.Tensor('float32', x.map((v) => v / 0.18215), [1, channels, h, w]) }, 'decode');
}

/** VmHWM in MiB (Linux), or null */
const peakRssMb = () => {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib === undefined ? null : Math.round(Number(kib) / 1024);
  } catch {
    return null;
  }
};
const loadPeak = peakRssMb();
try {
  writeFileSync('/proc/self/clear_refs', '5');
} catch {
  // not Linux: the peak then includes the loads
}
await image(1);
measuring = true;
const walls = [];
const orts = [];
for (let r = 0; r < runs; r++) {
  const before = ortMs;
  const t = performance.now();
  await image(2 + r);
  walls.push(performance.now() - t);
  orts.push(ortMs - before);
}
const mean = (a) => a.reduce((p, c) => p + c, 0) / a.length;
const wall = mean(walls);
const inOrt = mean(orts);
const perImage = (a) => +(a.reduce((p, c) => p + c, 0) / runs).toFixed(1);
console.log(JSON.stringify({ model: path.basename(dir), width, height, steps, runs, wall_ms: +wall.toFixed(1), ort_ms: +inOrt.toFixed(1), overhead: +((wall - inOrt) / wall).toFixed(4), encode_ms: perImage(stages.encode), step_ms: +mean(stages.unet).toFixed(1), decode_ms: perImage(stages.decode), per_call_ms: +(inOrt / (steps + 2)).toFixed(2), peak_rss_mb: peakRssMb(), load_peak_rss_mb: loadPeak }));
