/**
 * Browser mode's entry point (bundled as dist/main/server.cjs; started by `npm start` when the
 * Electron runtime is missing, and by `npm run serve`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgsError, SERVE_HELP, parseServeArgs } from './args.ts';
import { startBrowserMode } from './browser-mode.ts';
import { openInChromium } from './open-browser.ts';
import { checkBindHost } from './security.ts';

export async function main(argv: readonly string[]): Promise<number> {
  let opts;
  try {
    opts = parseServeArgs(argv);
  } catch (err) {
    if (err instanceof ArgsError) {
      console.error(`reverie serve: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (opts.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  const bindProblem = checkBindHost(opts.host, opts.hostExplicit);
  if (bindProblem) {
    console.error(`reverie serve: ${bindProblem}`);
    return 2;
  }
  // dist/main/server.cjs (or src-main/server/main.ts under tsx): the app root is two levels up
  const here = path.dirname(fileURLToPath(import.meta.url));
  const rootDir = path.resolve(here, '..', '..');
  const bundledWorker = path.join(rootDir, 'dist', 'main', 'engine-worker.cjs');
  if (!existsSync(bundledWorker)) {
    console.error(`reverie serve: ${bundledWorker} is missing; run "npm run build" first.`);
    return 1;
  }
  const mode = await startBrowserMode({ rootDir, workerEntry: bundledWorker, host: opts.host, port: opts.port, portFallback: !opts.portExplicit });
  for (const w of mode.warnings) console.warn(`warning: ${w}`);
  if (opts.portExplicit === false && mode.server.port !== opts.port) console.log(`Port ${opts.port} is busy; using ${mode.server.port}.`);
  console.log(`Reverie is serving at ${mode.server.url}`);
  console.log(`Data folder: ${mode.layout.root}`);
  if (opts.open) console.log(openInChromium(mode.server.url, path.join(mode.layout.root, 'browser-profile')));
  console.log('Press Ctrl+C to stop.');
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return; // a repeated signal (e.g. Ctrl+C reaching npm and us) must not cut the shutdown short
      stopping = true;
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  console.log('Stopping Reverie…');
  await mode.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`reverie serve: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
