#!/usr/bin/env node
/**
 * `npm start`: builds what is stale, then opens the studio — in an Electron window when the
 * Electron runtime is installed, otherwise in browser mode (the same UI served on 127.0.0.1, opened
 * in Chromium's app mode when Chromium is installed). `npm run serve` (--serve) is browser mode
 * explicitly and does not open a browser unless --open is given.
 *
 * The Electron runtime is detected without require('electron'): in Electron 45 that call tries to
 * download the binary when it is missing. node_modules/electron/path.txt names the executable
 * inside node_modules/electron/dist once `npx install-electron` has run.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, buildAll } from './build.mjs';

export function electronExecutable(root = ROOT) {
  const dir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  if (!relative) return null;
  const exe = path.join(dir, 'dist', relative);
  return existsSync(exe) ? exe : null;
}

function run(command, args, env = process.env) {
  const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', env });
  // Ctrl+C reaches the whole process group, the child included: only wait for it to finish.
  // A SIGTERM addressed to this process alone is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function main() {
  const args = process.argv.slice(2);
  const serve = args.includes('--serve');
  const rest = args.filter((a) => a !== '--serve');
  await buildAll();
  const electron = serve || process.env.REVERIE_BROWSER_MODE === '1' ? null : electronExecutable();
  if (electron) {
    console.log('Opening Reverie in Electron.');
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE;
    run(electron, [ROOT, ...rest], env);
    return;
  }
  if (!serve) console.log('Electron runtime not installed (see README) — opening Reverie in browser mode.');
  const open = !serve && !rest.includes('--no-open') ? ['--open'] : [];
  // the young-generation cap of the engine process (engine/hosting/process-host.ts WORKER_V8_FLAGS), for
  // the same reason: a server's allocations are small and steady, and V8's default let RSS grow ~40 MiB
  run(process.execPath, ['--max-semi-space-size=1', path.join(ROOT, 'dist', 'main', 'server.cjs'), ...open, ...rest]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(`Reverie could not start: ${err?.message ?? err}`);
    process.exit(1);
  });
}
