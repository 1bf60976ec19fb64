/**
 * Endurance run (`npm run endurance`): many generations through the app's own path — backend, job
 * queue, the engine in a child process (as browser mode runs it; the app's utilityProcess runs the
 * same worker), the gallery — with the bundled model models/reverie-mini at its own defaults (256²,
 * its default sampler and steps), one job after another with prompts and seeds that change. Then it
 * checks that nothing grows:
 *
 *  - resident memory (RSS) of the main process and of the engine process after the last generation
 *    is less than 10 % above what it was after the warm-up;
 *  - open file descriptors (/proc/<pid>/fd) of both are no more than after the warm-up;
 *  - the engine holds as many ONNX sessions as after the warm-up (one loaded model), and after
 *    shutting down the engine process is gone and the main process has no more descriptors open
 *    than before it started.
 *
 * Exits 1 when a check fails, 2 when it cannot run. Linux only (reads /proc). Not part of `npm test`
 * (it takes minutes); the numbers of the last run are in README's testing section.
 *
 * Usage: npm run endurance [-- --count 200 --warmup 20 --steps N --json]
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createChildProcessHost } from '../../src-main/engine/hosting/child-process.ts';
import { createBackend } from '../../src-main/ipc/backend/backend.ts';
import type { EventName, EventPayload } from '../../src-main/ipc/contract.ts';
import { createDispatcher } from '../../src-main/ipc/dispatch.ts';
import { GalleryStore } from '../../src-main/storage/gallery.ts';
import { ensureDataLayout } from '../../src-main/storage/paths.ts';
import { SettingsStore } from '../../src-main/storage/settings.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODEL = path.join(REPO, 'models', 'reverie-mini');
const MAX_RSS_GROWTH = 0.1;
const PROMPTS = [
  'a red apple on a blue background',
  'a small yellow star in the top left corner, pixel art',
  'a rocket and a moon on a black background',
  'a big green tree on a white background',
  'a slice of pizza, sketch',
  'a house and a car on an orange background',
];

interface Sample {
  done: number;
  mainRssMiB: number;
  mainHeapMiB: number;
  engineRssMiB: number;
  mainFds: number;
  engineFds: number;
  liveSessions: number;
}

const mib = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

function fdCount(pid: number | 'self'): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function rssBytes(pid: number | 'self'): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  await new Promise((r) => setTimeout(r, 200));
  gc?.();
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { count: { type: 'string', default: '200' }, warmup: { type: 'string', default: '20' }, steps: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const count = Number(values.count);
  const warmup = Number(values.warmup);
  const steps = values.steps === undefined ? undefined : Number(values.steps);
  if (!(count > warmup && warmup >= 1)) throw new Error(`--count (${count}) must be larger than --warmup (${warmup}), which must be at least 1`);
  if (process.platform !== 'linux') throw new Error('the endurance run reads /proc and runs on Linux only');
  const log = values.json ? (): void => undefined : (line: string): void => console.log(line);

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'reverie-endurance-'));
  await settle();
  const fdsBefore = fdCount('self');
  const layout = ensureDataLayout(dataDir);
  const settings = await SettingsStore.open(layout.settingsFile);
  await settings.update({ provider: 'cpu' });
  const gallery = new GalleryStore(layout.galleryDir, layout.trashDir);
  const host = createChildProcessHost({
    entry: path.join(REPO, 'src-main', 'engine', 'hosting', 'worker-main.ts'),
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, REVERIE_CACHE_DIR: path.join(dataDir, 'cache') },
  });
  const backend = createBackend({ mode: 'browser', appName: 'Reverie', appVersion: 'endurance', electronVersion: null, host, layout, bundledModelsDir: path.join(REPO, 'models'), settings, gallery, debugCalls: false });
  const dispatch = createDispatcher(backend.handlers);
  const call = async (name: string, request: unknown): Promise<unknown> => {
    const envelope = await dispatch(name, request);
    if (!envelope.ok) throw new Error(`${name}: ${envelope.error.message}`);
    return envelope.result;
  };
  const finished = new Map<string, (outcome: { ok: boolean; message: string; ms: number }) => void>();
  backend.events.subscribe((name: EventName, payload: unknown) => {
    if (name === 'job.done') {
      const done = payload as EventPayload<'job.done'>;
      finished.get(done.jobId)?.({ ok: true, message: '', ms: done.elapsedMs });
    } else if (name === 'job.error') {
      const failed = payload as EventPayload<'job.error'>;
      finished.get(failed.jobId)?.({ ok: false, message: failed.error.message, ms: 0 });
    }
  });

  const samples: Sample[] = [];
  const sample = async (done: number): Promise<Sample> => {
    await settle();
    const info = await host.invoke('info', {});
    const s: Sample = {
      done,
      mainRssMiB: mib(rssBytes('self')),
      mainHeapMiB: mib(process.memoryUsage().heapUsed),
      engineRssMiB: mib(rssBytes(info.pid)),
      mainFds: fdCount('self'),
      engineFds: fdCount(info.pid),
      liveSessions: info.liveSessions,
    };
    samples.push(s);
    log(`  ${String(done).padStart(4)} done  main ${s.mainRssMiB} MiB (heap ${s.mainHeapMiB})  engine ${s.engineRssMiB} MiB  fds ${s.mainFds}/${s.engineFds}  sessions ${s.liveSessions}`);
    return s;
  };

  log(`Endurance: ${count} generations with ${path.relative(REPO, MODEL)} (its defaults${steps ? `, ${steps} steps` : ''}), warm-up ${warmup}, engine in a child process`);
  const times: number[] = [];
  const started = Date.now();
  let warm: Sample | null = null;
  let engineErrors = 0;
  for (let i = 1; i <= count; i++) {
    const params = { model: MODEL, prompt: PROMPTS[i % PROMPTS.length], seed: 1000 + i, ...(steps ? { steps } : {}) };
    const { job } = (await call('jobs.submit', { kind: 'txt2img', params })) as { job: { id: string } };
    const outcome = await new Promise<{ ok: boolean; message: string; ms: number }>((resolve) => finished.set(job.id, resolve));
    finished.delete(job.id);
    if (!outcome.ok) {
      engineErrors++;
      log(`  generation ${i} failed: ${outcome.message}`);
    } else times.push(outcome.ms);
    if (i === warmup) warm = await sample(i);
    else if (i % 20 === 0 || i === count) await sample(i);
  }
  const end = samples.at(-1)!;
  const enginePid = host.pid();
  await backend.dispose();
  await settle();
  const fdsAfter = fdCount('self');
  const engineGone = enginePid === null || !alive(enginePid);
  rmSync(dataDir, { recursive: true, force: true });

  if (!warm) throw new Error('no warm-up sample');
  times.sort((a, b) => a - b);
  const growth = (a: number, b: number): number => (b - a) / a;
  const checks = [
    { what: 'every generation finished', ok: engineErrors === 0, value: `${count - engineErrors} of ${count}` },
    { what: `main RSS growth after warm-up < ${MAX_RSS_GROWTH * 100} %`, ok: growth(warm.mainRssMiB, end.mainRssMiB) < MAX_RSS_GROWTH, value: `${warm.mainRssMiB} → ${end.mainRssMiB} MiB (${(growth(warm.mainRssMiB, end.mainRssMiB) * 100).toFixed(1)} %)` },
    { what: `engine RSS growth after warm-up < ${MAX_RSS_GROWTH * 100} %`, ok: growth(warm.engineRssMiB, end.engineRssMiB) < MAX_RSS_GROWTH, value: `${warm.engineRssMiB} → ${end.engineRssMiB} MiB (${(growth(warm.engineRssMiB, end.engineRssMiB) * 100).toFixed(1)} %)` },
    { what: 'main file descriptors not above the warm-up', ok: end.mainFds <= warm.mainFds, value: `${warm.mainFds} → ${end.mainFds}` },
    { what: 'engine file descriptors not above the warm-up', ok: end.engineFds <= warm.engineFds, value: `${warm.engineFds} → ${end.engineFds}` },
    { what: 'ONNX sessions: those of one loaded model, as after the warm-up', ok: end.liveSessions === warm.liveSessions && end.liveSessions > 0, value: `${warm.liveSessions} → ${end.liveSessions}` },
    { what: 'engine process gone after shutdown', ok: engineGone, value: engineGone ? 'exited' : `pid ${enginePid} still running` },
    { what: 'main file descriptors after shutdown not above the start', ok: fdsAfter <= fdsBefore, value: `${fdsBefore} → ${fdsAfter}` },
  ];
  const report = {
    count,
    warmup,
    model: path.relative(REPO, MODEL),
    steps: steps ?? 'model default',
    seconds: Math.round((Date.now() - started) / 100) / 10,
    msPerGeneration: { median: times[Math.floor(times.length / 2)] ?? null, p95: times[Math.floor(times.length * 0.95)] ?? null },
    samples,
    checks,
  };
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else {
    log(`${count} generations in ${report.seconds} s (engine time per generation: median ${report.msPerGeneration.median} ms, p95 ${report.msPerGeneration.p95} ms)`);
    for (const c of checks) log(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.what}: ${c.value}`);
  }
  return checks.every((c) => c.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`endurance run could not run: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
