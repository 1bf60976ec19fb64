/**
 * A helper script next to a module file: `bundled` beside a .cjs bundle (dist/main), `source` beside a
 * source file (tsx, vitest). The probe's child script (probe.ts) and the helper threads' workers
 * (noise-thread.ts, imageio/preview-thread.ts) are found this way.
 */
import path from 'node:path';

export function scriptBeside(moduleFile: string, bundled: string, source: string): string {
  return path.join(path.dirname(moduleFile), path.extname(moduleFile) === '.cjs' ? bundled : source);
}

/**
 * A worker_threads script beside a module: as scriptBeside, and inside a packaged app the bundle is in
 * app.asar while the worker scripts are unpacked beside it (electron-builder.yml asarUnpack), because a
 * Worker cannot start from inside the archive.
 */
export function workerScriptBeside(moduleFile: string, bundled: string, source: string): string {
  const unpacked = moduleFile.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
  return scriptBeside(unpacked, bundled, source);
}
