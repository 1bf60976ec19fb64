/**
 * A helper script next to a module file: `bundled` beside a .cjs bundle (dist/main), `source` beside a
 * source file (tsx, vitest). The probe's child script (probe.ts) and the noise thread's worker
 * (noise-thread.ts) are found this way.
 */
import path from 'node:path';

export function scriptBeside(moduleFile: string, bundled: string, source: string): string {
  return path.join(path.dirname(moduleFile), path.extname(moduleFile) === '.cjs' ? bundled : source);
}
