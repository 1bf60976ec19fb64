/**
 * The one adapter around onnxruntime-node (house style: transformers.js keeps ONNX Runtime behind one
 * file that maps device names to execution providers). Nothing else in the project imports
 * onnxruntime-node: other layers see our own `Tensor` type and the `OrtModel` interface below.
 *
 * Execution providers in onnxruntime-node 1.30: CPU and WebGPU are bundled on Linux x64, CUDA only after
 * the opt-in `npm run setup:cuda`, DirectML on Windows, CoreML on macOS (`listSupportedBackends()`).
 * Creating a GPU session can fail (no adapter, missing driver), print to the native stderr, or, on
 * broken drivers, hang. So each GPU provider is first probed once in a short-lived child process that
 * is killed after a timeout, its stderr captured (`probeProviders`, cached; see probe.ts); the CPU is
 * probed in-process (the same call every CPU session makes). `auto` only tries providers whose probe
 * worked, and any GPU failure falls back to CPU with a note.
 */
// first: ONNX Runtime's environment variables, set before the native library starts (see ort-env.ts)
import './ort-env.ts';
import { InferenceSession, Tensor as OrtTensor, env, listSupportedBackends } from 'onnxruntime-node';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { EngineError } from '../types.ts';
import type { Tensor } from '../types.ts';
import { PROBE_MODEL_BASE64, runProbe } from './probe.ts';
import type { ProbeVerdict } from './probe.ts';
import { addOrtTime } from './ort-clock.ts';
import { buildInChild } from './ort-build.ts';
import { dropOrtCacheEntry, ortCacheBuild, ortCacheEntry, ortCacheKey, trimOrtCache } from './ort-cache.ts';
import type { OrtCacheEntry } from './ort-cache.ts';

export type ProviderId = 'cpu' | 'cuda' | 'webgpu' | 'dml' | 'coreml';
export type ProviderPreference = 'auto' | ProviderId;
export interface ProviderStatus {
  id: ProviderId;
  label: string;
  bundled: boolean;
  works: boolean;
  detail: string;
  /**
   * it works, but on a software device (Mesa's lavapipe for WebGPU): slower than the CPU provider,
   * so `auto` passes it over; an explicit choice still gets it
   */
  software?: boolean;
}

/** Name, element type and dims of one model input or output, from the session metadata. */
export interface OrtIO {
  readonly name: string;
  /** ORT type name ('float32', 'float16', 'int64', ...); 'non-tensor' for sequences and maps */
  readonly type: string;
  /** numbers for fixed dims, strings for symbolic ones; [] for scalars (and for unknown shapes) */
  readonly dims: readonly (number | string)[];
}

/** A created ONNX Runtime session, seen through our own tensor type. */
export interface OrtModel {
  readonly provider: ProviderId;
  readonly inputs: readonly OrtIO[];
  readonly outputs: readonly OrtIO[];
  run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  release(): Promise<void>;
}

export interface CreatedSession {
  readonly model: OrtModel;
  /** set when the preferred provider could not be used, e.g. 'webgpu is unavailable (...); using cpu' */
  readonly note?: string;
}

const LABELS: Record<ProviderId, string> = {
  cpu: 'CPU',
  cuda: 'NVIDIA CUDA',
  webgpu: 'WebGPU',
  dml: 'DirectML',
  coreml: 'Apple CoreML',
};
const ALL_PROVIDERS: readonly ProviderId[] = ['cpu', 'cuda', 'webgpu', 'dml', 'coreml'];
/** `auto` order: CUDA when installed, then the platform's own GPU API, then WebGPU, then CPU. */
const AUTO_ORDER: readonly ProviderId[] = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'];
const PROBE_TIMEOUT_MS = 20_000;

export function ortVersion(): string {
  return env.versions.node ?? env.versions.common;
}

export function providerLabel(id: ProviderId): string {
  return LABELS[id];
}

export function isProviderId(value: string): value is ProviderId {
  return (ALL_PROVIDERS as readonly string[]).includes(value);
}

/** Folder holding the native binding; the CUDA EP libraries land here after `npm run setup:cuda`. */
function bindingDir(): string {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
  return path.join(path.dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

function cudaInstalled(): boolean {
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return existsSync(path.join(bindingDir(), lib));
}

/** Which providers this build of onnxruntime-node ships (CUDA: whether its libraries are installed). */
function bundledProviders(): Map<ProviderId, string> {
  const found = new Map<ProviderId, string>();
  for (const backend of listSupportedBackends()) {
    if (!isProviderId(backend.name)) continue;
    if (backend.name === 'cuda') {
      if (cudaInstalled()) found.set('cuda', 'CUDA provider libraries installed');
    } else if (backend.bundled) {
      found.set(backend.name, 'bundled with onnxruntime-node');
    }
  }
  found.set('cpu', 'bundled with onnxruntime-node');
  return found;
}

let probeCache: Promise<ProviderStatus[]> | undefined;

/**
 * Tries a tiny session (one Mul node) on every bundled provider: the CPU in this process, each GPU
 * provider in its own child process (in parallel) with a timeout that kills it, so a hanging driver
 * cannot block the engine and driver noise stays out of the terminal. The verdict is cached for the
 * life of the process; pass `refresh` to probe again.
 */
export function probeProviders(opts: { refresh?: boolean; timeoutMs?: number } = {}): Promise<ProviderStatus[]> {
  if (!probeCache || opts.refresh) {
    const timeoutMs = opts.timeoutMs ?? PROBE_TIMEOUT_MS;
    probeCache = probeAll(timeoutMs);
  }
  return probeCache;
}

async function probeAll(timeoutMs: number): Promise<ProviderStatus[]> {
  const bundled = bundledProviders();
  const ortEntry = createRequire(import.meta.url).resolve('onnxruntime-node');
  return Promise.all(
    ALL_PROVIDERS.map(async (id): Promise<ProviderStatus> => {
      const label = LABELS[id];
      if (!bundled.has(id)) {
        const detail =
          id === 'cuda'
            ? 'not installed (run `npm run setup:cuda` on a machine with an NVIDIA GPU and CUDA 12)'
            : `not included in onnxruntime-node for ${process.platform}/${process.arch}`;
        return { id, label, bundled: false, works: false, detail };
      }
      if (id === 'cpu') return { id, label, bundled: true, ...(await probeCpu()) };
      const verdict = await runProbe({ ortEntry, provider: id, timeoutMs });
      const status: ProviderStatus = { id, label, bundled: true, works: verdict.ok, detail: probeDetail(verdict) };
      if (verdict.ok && id === 'webgpu' && !linuxGpuDevicePresent()) {
        return { ...status, software: true, detail: `${status.detail}; a software Vulkan device only (no GPU device node in /dev/dri or /dev/nvidia*)` };
      }
      return status;
    }),
  );
}

/**
 * On Linux a Vulkan GPU is reached through a DRM render node (/dev/dri/renderD*) or NVIDIA's device
 * files; without either, the only Vulkan device Dawn can find is a software one (lavapipe). Other
 * platforms: assume a GPU.
 */
export function linuxGpuDevicePresent(platform: NodeJS.Platform = process.platform, list: (dir: string) => string[] = safeList): boolean {
  if (platform !== 'linux') return true;
  return list('/dev/dri').some((n) => n.startsWith('renderD')) || list('/dev').some((n) => /^nvidia\d+$/.test(n));
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

async function probeCpu(): Promise<{ works: boolean; detail: string }> {
  try {
    const session = await InferenceSession.create(Buffer.from(PROBE_MODEL_BASE64, 'base64'), { executionProviders: ['cpu'] });
    const out = await session.run({ x: new OrtTensor('float32', new Float32Array([1.5, -2]), [2]) });
    const y = Array.from(out.y.data as Float32Array);
    await session.release();
    const works = y[0] === 2.25 && y[1] === 4;
    return { works, detail: works ? 'a test session ran' : `a test session returned wrong numbers: ${y.join(', ')} (expected 2.25, 4)` };
  } catch (err) {
    return { works: false, detail: shortOrtMessage(err) };
  }
}

/** The probe's own words (ORT's message shortened), then the child's first stderr line when it failed. */
function probeDetail(v: ProbeVerdict): string {
  const own = shortOrtMessage(v.detail);
  return v.ok || v.stderrLine === '' ? own : `${own}; stderr: ${v.stderrLine}`;
}

/** A few words for the `auto` note: 'no adapter', 'the probe timed out', or the start of the detail. */
export function plainReason(status: Pick<ProviderStatus, 'detail'>): string {
  const own = status.detail.split('; stderr: ')[0];
  if (/failed to get a webgpu adapter|no supported adapters/i.test(own)) return 'no adapter';
  if (/^no answer within \d+ ms/.test(own)) return 'the probe timed out';
  if (/^the probe process (was killed by|exited with code)/.test(own)) return 'the probe crashed';
  return own.length > 100 ? `${own.slice(0, 97)}...` : own;
}

/**
 * `spinning: false` turns off ONNX Runtime's spin-waiting of the CPU provider's intra-op threads after a
 * run (session config session.intra_op.allow_spinning). Every session has its own pool; a graph that runs
 * once and hands over to another (a text encoder, a VAE) otherwise leaves its threads spinning on the
 * cores the UNet's next runs need: on 2 cores reverie-mini took 250–310 ms an image with every session
 * spinning and 207–224 ms with only the UNet spinning (which runs back to back, and was slower without).
 */
function sessionOptions(provider: ProviderId, spinning = true, prepacking = true): InferenceSession.SessionOptions {
  const config = sessionConfig(spinning, prepacking);
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: availableParallelism(),
    executionMode: 'sequential',
    // DirectML does not support memory patterns (ORT's DML EP documentation). On the CPU a memory pattern
    // (one planned block per run, from the second run on) grew the arena run after run: the block does not
    // fit the chunks the first run left, so a new region was added and the old ones stayed. A full-size SD 1.5
    // at 512² peaked at 6.0 GiB over three images with it and 5.2 GiB without, at the same speed (reverie-mini
    // too: 231–250 ms an image either way, 20 MiB less)
    enableMemPattern: provider !== 'dml' && provider !== 'cpu',
    ...(Object.keys(config).length > 0 ? { extra: { session: config } } : {}),
  };
}

/**
 * The session config entries (session.*) for `spinning` and `prepacking`. `prepacking: false`
 * (session.disable_prepacking) keeps ONNX Runtime from copying weights into its packed layouts at open:
 * a full-size SD 1.5 text encoder, which a model keeping its components apart reopens for a new prompt
 * (models/apart.ts), then opens from the cache in ~0.13 s instead of 1.5 s and encodes in ~135 ms
 * instead of 115, its weights mapped from the file instead of 340 MiB of packed copies.
 */
function sessionConfig(spinning: boolean, prepacking: boolean): Record<string, unknown> {
  return { ...(spinning ? {} : { intra_op: { allow_spinning: '0' } }), ...(prepacking ? {} : { disable_prepacking: '1' }) };
}

/**
 * Creates a session for `modelPath`. `auto` tries, in AUTO_ORDER, every provider whose probe worked and
 * falls back to CPU; an explicit GPU provider that is unavailable or fails also falls back to CPU. The
 * note says what happened, in plain words for `auto` on a machine without a working GPU provider:
 * 'no GPU provider is available on this machine (webgpu: no adapter); using CPU'. Throws EngineError
 * only when even the CPU provider cannot load the model.
 */
export interface SessionCacheOptions {
  /** the optimized-model cache folder for CPU sessions (ort-cache.ts); none: no cache */
  readonly cacheDir?: string;
  /** false for a graph run once per image between others' runs (see sessionOptions); default true */
  readonly spinning?: boolean;
  /** false for a graph that may be closed and reopened for each job (see sessionConfig); default true */
  readonly prepacking?: boolean;
}

export async function createSession(modelPath: string, preference: ProviderPreference, label = modelPath, options: SessionCacheOptions = {}): Promise<CreatedSession> {
  const failed: string[] = [];
  /** GPU providers whose probe failed: [id, reason] */
  const unavailable: [ProviderId, string][] = [];
  if (preference !== 'cpu') {
    const statuses = await probeProviders();
    const wanted = preference === 'auto' ? AUTO_ORDER.filter((id) => id !== 'cpu') : [preference];
    for (const id of wanted) {
      const status = statuses.find((s) => s.id === id);
      if (!status?.bundled) {
        if (preference !== 'auto') failed.push(`${id} is not available (${status?.detail ?? 'unknown provider'})`);
        continue;
      }
      if (!status.works) {
        if (preference === 'auto') unavailable.push([id, plainReason(status)]);
        else failed.push(`${id} is unavailable on this machine (${status.detail})`);
        continue;
      }
      if (preference === 'auto' && status.software) {
        unavailable.push([id, 'a software device only']);
        continue;
      }
      try {
        const session = await InferenceSession.create(modelPath, sessionOptions(id));
        const skipped = [...failed, ...unavailable.map(([u, why]) => `${u} is unavailable on this machine (${why})`)];
        return { model: wrap(session, id), note: skipped.length > 0 ? `${skipped.join('; ')}; using ${id}` : undefined };
      } catch (err) {
        failed.push(`${id} failed to create a session for ${label} (${shortOrtMessage(err)})`);
      }
    }
  }
  try {
    const session = await createCpuSession(modelPath, options.cacheDir, options.spinning ?? true, options.prepacking ?? true);
    return { model: wrap(session, 'cpu'), note: cpuNote(preference, failed, unavailable) };
  } catch (err) {
    throw new EngineError(
      'MODEL_INVALID',
      `ONNX Runtime could not load ${label}: ${shortOrtMessage(err)}. Check that the file is a complete ONNX export ` +
        `(with its external weights file, if any) made for the CPU provider (GPU-only contrib ops are not supported on CPU).`,
      { path: modelPath },
    );
  }
}

/**
 * A CPU session through the optimized-model cache when there is one (ort-cache.ts): a complete entry
 * loads with graph optimizations off; otherwise a child process (ort-build.ts) creates a session from the
 * source graph with every optimization, which writes the optimized graph as the entry, and this process
 * opens it (when the child cannot, this process builds the entry itself). Any cache trouble (unwritable
 * folder, full disk, a damaged entry) falls back to a plain load: the cache only ever saves time.
 */
async function createCpuSession(modelPath: string, cacheDir: string | undefined, spinning: boolean, prepacking: boolean): Promise<InferenceSession> {
  const options = sessionOptions('cpu', spinning, prepacking);
  const plain = (): Promise<InferenceSession> => InferenceSession.create(modelPath, options);
  if (cacheDir === undefined) return plain();
  let entry: OrtCacheEntry;
  try {
    entry = await ortCacheEntry(cacheDir, await ortCacheKey(modelPath, 'cpu', ortVersion()));
  } catch {
    return plain();
  }
  const cached = (): Promise<InferenceSession> => InferenceSession.create(entry.model, { ...options, graphOptimizationLevel: 'disabled' });
  if (entry.ready) {
    try {
      return await cached();
    } catch {
      await dropOrtCacheEntry(entry).catch(() => undefined);
    }
  }
  let build: Awaited<ReturnType<typeof ortCacheBuild>>;
  try {
    build = await ortCacheBuild(entry);
  } catch {
    return plain();
  }
  const building: InferenceSession.SessionOptions = {
    ...options,
    // ORT warns that a level-"all" graph is for this machine only: that is what the key says
    logSeverityLevel: 3,
    extra: {
      session: {
        ...sessionConfig(spinning, prepacking),
        optimized_model_external_initializers_file_name: build.weights,
        optimized_model_external_initializers_min_size_in_bytes: '1024',
      },
    },
  };
  /** marks the entry complete and keeps the cache to its budget; false when the entry could not be committed */
  const commit = async (): Promise<boolean> => {
    const committed = await build.commit(modelPath).then(
      () => true,
      () => false,
    );
    await trimOrtCache(cacheDir, entry.dir).catch(() => []);
    return committed;
  };
  // built in a child process, whose freed memory does not stay in this one (ort-build.ts); in this process
  // when the child cannot do it
  if ((await buildInChild(modelPath, build.model, building)).ok) return (await commit()) ? await cached().catch(plain) : plain();
  try {
    const session = await InferenceSession.create(modelPath, { ...building, optimizedModelFilePath: build.model });
    if (!(await commit())) return session;
    // the session that built the entry holds more than one read from it (ORT read the source's weights into
    // memory, where a cached graph's are mapped from its file): the first 512² image of a full-size SD 1.5 in
    // a fresh process peaked at 6.9 GiB through it and 5.5 GiB through a reopened one, for 2 s of loading once
    // per model
    await session.release();
    return await cached().catch(plain);
  } catch {
    await build.abandon().catch(() => undefined);
    return plain();
  }
}

function cpuNote(preference: ProviderPreference, failed: readonly string[], unavailable: readonly [ProviderId, string][]): string | undefined {
  if (preference !== 'auto') return failed.length > 0 ? `${failed.join('; ')}; using cpu` : undefined;
  if (failed.length === 0 && unavailable.length > 0) {
    return `no GPU provider is available on this machine (${unavailable.map(([id, why]) => `${id}: ${why}`).join('; ')}); using CPU`;
  }
  const all = [...failed, ...unavailable.map(([id, why]) => `${id} is unavailable on this machine (${why})`)];
  return all.length > 0 ? `${all.join('; ')}; using CPU` : undefined;
}

function wrap(session: InferenceSession, provider: ProviderId): OrtModel {
  const io = (meta: readonly InferenceSession.ValueMetadata[]): OrtIO[] =>
    meta.map((m) => (m.isTensor ? { name: m.name, type: m.type, dims: [...m.shape] } : { name: m.name, type: 'non-tensor', dims: [] }));
  return {
    provider,
    inputs: io(session.inputMetadata),
    outputs: io(session.outputMetadata),
    async run(feeds) {
      const ortFeeds: Record<string, OrtTensor> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new OrtTensor(t.dtype, t.data, [...t.dims]);
      const started = performance.now();
      const results = await session.run(ortFeeds);
      addOrtTime(performance.now() - started);
      const out: Record<string, Tensor> = {};
      for (const [name, value] of Object.entries(results)) out[name] = fromOrt(name, value);
      return out;
    },
    release: () => session.release(),
  };
}

function fromOrt(name: string, value: InferenceSession.OnnxValueMapType[string]): Tensor {
  if (!(value instanceof OrtTensor)) throw new EngineError('RUNTIME', `output ${name} is not a tensor`);
  const dims = value.dims.map(Number);
  const data = value.data;
  if (value.type === 'float32' && data instanceof Float32Array) return { dtype: 'float32', dims, data };
  if (value.type === 'float16' && data instanceof Uint16Array) return { dtype: 'float16', dims, data };
  if (value.type === 'int32' && data instanceof Int32Array) return { dtype: 'int32', dims, data };
  if (value.type === 'int64' && data instanceof BigInt64Array) return { dtype: 'int64', dims, data };
  throw new EngineError(
    'MODEL_UNSUPPORTED',
    `output ${name} has element type ${value.type}; the engine handles float32, float16, int32 and int64`,
  );
}

/** ORT errors start with a source path and an assertion; keep the human part, at most 240 characters. */
export function shortOrtMessage(err: unknown): string {
  let msg = err instanceof Error ? err.message : String(err);
  const afterFalse = msg.lastIndexOf(' was false. ');
  if (afterFalse >= 0) msg = msg.slice(afterFalse + ' was false. '.length);
  msg = msg
    .replace(/\/onnxruntime_src\/\S+:\d+ [^\s]+(\s\[ONNXRuntimeError\])?/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return msg.length > 240 ? `${msg.slice(0, 237)}...` : msg;
}
