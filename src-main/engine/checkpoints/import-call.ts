/**
 * The engine method behind the studio's Models → Import: importCheckpoint with the call's signal and
 * progress events, its errors turned into the engine's error kinds (bad input: the message says what
 * to do; cancel: CancelledError).
 */
import { CancelledError, EngineError } from '../types.ts';
import type { EngineCallContext } from '../types.ts';
import { ImportCancelled, ImportError, importCheckpoint } from './import.ts';
import type { ImportOptions, ImportProgress, ImportResult } from './import.ts';
import { SafetensorsFormatError } from './safetensors.ts';
import { TemplateError } from './templates.ts';

/** importCheckpoint's options as plain data (the signal and progress come from the call) */
export type ImportCheckpointInput = Omit<ImportOptions, 'signal' | 'onProgress'>;

export async function importForStudio(params: ImportCheckpointInput, ctx: EngineCallContext<ImportProgress>): Promise<ImportResult> {
  try {
    return await importCheckpoint({ ...params, signal: ctx.signal, onProgress: (p) => ctx.emit(p) });
  } catch (err) {
    if (err instanceof ImportCancelled) throw new CancelledError(err.message);
    if (err instanceof ImportError || err instanceof TemplateError || err instanceof SafetensorsFormatError) throw new EngineError('BAD_INPUT', err.message);
    throw err;
  }
}
