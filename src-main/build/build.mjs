#!/usr/bin/env node
/**
 * Builds what the app runs:
 *  - the renderer with Vite (src-renderer/vite.config.ts) into dist/renderer;
 *  - the main side with esbuild into dist/main/*.cjs: app.cjs (Electron main), preload.cjs,
 *    engine-worker.cjs (the engine process), server.cjs (browser mode), probe-script.cjs (the
 *    execution-provider probe's child process), ort-build-script.cjs (the optimized-model cache's builds).
 * Native and Electron modules stay external (electron, onnxruntime-node, sharp). Each half is
 * skipped when its outputs are newer than every input; `--force` rebuilds everything.
 *
 * Usage: node src-main/build/build.mjs [--force] [--quiet]
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = path.join(ROOT, 'dist');

export const MAIN_ENTRIES = {
  app: 'src-main/app/main.ts',
  preload: 'src-main/preload/index.ts',
  'engine-worker': 'src-main/engine/hosting/worker-main.ts',
  server: 'src-main/server/main.ts',
  // the provider probe's child script (spawned by engine/runtime/probe.ts beside the bundle that runs it)
  'probe-script': 'src-main/engine/runtime/probe-script.mjs',
  // the optimized-model cache's builds, in a child process (spawned by engine/runtime/ort-build.ts)
  'ort-build-script': 'src-main/engine/runtime/ort-build-script.mjs',
  // the stochastic samplers' noise thread (a worker_threads script, started by engine/runtime/noise-thread.ts)
  'noise-worker': 'src-main/engine/runtime/noise-worker.ts',
  // the live previews' rendering thread (a worker_threads script, started by engine/imageio/preview-thread.ts)
  'preview-worker': 'src-main/engine/imageio/preview-worker.ts',
};
export const MAIN_EXTERNALS = ['electron', 'onnxruntime-node', 'sharp', 'bufferutil', 'utf-8-validate'];

/** Newest modification time under the given paths (files or folders), skipping node_modules. */
function newestMtime(paths) {
  let newest = 0;
  const visit = (p) => {
    let s;
    try {
      s = statSync(p);
    } catch {
      return;
    }
    if (s.isDirectory()) {
      for (const name of readdirSync(p)) if (name !== 'node_modules' && !name.startsWith('.')) visit(path.join(p, name));
    } else newest = Math.max(newest, s.mtimeMs);
  };
  for (const p of paths) visit(path.join(ROOT, p));
  return newest;
}

function stampPath(name) {
  return path.join(DIST, `.built-${name}`);
}

function isFresh(name, inputs, outputs) {
  const stamp = stampPath(name);
  if (!existsSync(stamp) || !outputs.every((o) => existsSync(path.join(ROOT, o)))) return false;
  return statSync(stamp).mtimeMs >= newestMtime(inputs);
}

function markBuilt(name) {
  mkdirSync(DIST, { recursive: true });
  writeFileSync(stampPath(name), `${new Date().toISOString()}\n`);
}

export async function buildRenderer() {
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'src-renderer', 'vite.config.ts'), logLevel: 'warn' });
}

export async function buildMain() {
  const esbuild = await import('esbuild');
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: MAIN_ENTRIES,
    outdir: path.join(DIST, 'main'),
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: MAIN_EXTERNALS,
    sourcemap: true,
    logLevel: 'warning',
    // the sources are ES modules using import.meta.url; in CommonJS it is rebuilt from __filename
    define: { 'import.meta.url': '__reverieImportMetaUrl' },
    banner: { js: "const __reverieImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
}

/** One build at a time across processes (tests run in parallel workers): a lock folder in dist/. */
async function withBuildLock(fn) {
  const lock = path.join(DIST, '.build-lock');
  mkdirSync(DIST, { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      let age;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile: try again
      }
      if (age > 300_000) rmSync(lock, { recursive: true, force: true }); // left behind by a killed build
      else if (Date.now() > deadline) throw new Error(`another build holds ${lock}; remove it if no build is running`);
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function buildAll(opts = {}) {
  return withBuildLock(() => buildUnlocked(opts));
}

async function buildUnlocked({ force = false, quiet = false } = {}) {
  const log = quiet ? () => {} : (m) => console.log(m);
  const started = Date.now();
  const rendererInputs = ['src-renderer', 'src-main/ipc', 'package.json'];
  const mainInputs = ['src-main', 'package.json'];
  const mainOutputs = Object.keys(MAIN_ENTRIES).map((n) => `dist/main/${n}.cjs`);
  const jobs = [];
  if (force || !isFresh('renderer', rendererInputs, ['dist/renderer/index.html'])) {
    jobs.push(buildRenderer().then(() => markBuilt('renderer')).then(() => 'renderer'));
  }
  if (force || !isFresh('main', mainInputs, mainOutputs)) {
    jobs.push(buildMain().then(() => markBuilt('main')).then(() => 'main side'));
  }
  if (jobs.length === 0) {
    log('Build is up to date (dist/).');
    return;
  }
  const built = await Promise.all(jobs);
  log(`Built ${built.join(' and ')} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  buildAll({ force: args.includes('--force'), quiet: args.includes('--quiet') }).catch((err) => {
    console.error(`Build failed: ${err?.message ?? err}`);
    process.exit(1);
  });
}
