/**
 * Models → Import and the LoRA list: a checkpoint import runs in the engine process (it converts
 * gigabytes) while the studio follows it through import.progress / import.done / import.error events
 * and may cancel it; the model list is refreshed before import.done, so the new model can be picked at once.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { listLoras } from '../../engine/checkpoints/lora-tags.ts';
import type { EngineHost } from '../../engine/hosting/host.ts';
import type { DataLayout } from '../../storage/paths.ts';
import type { Handlers } from '../dispatch.ts';
import { toApiError } from '../errors.ts';
import type { EventBus } from '../events.ts';

export interface ImportHandlerDeps {
  host: EngineHost;
  events: EventBus;
  layout: DataLayout;
  /** the app's models/ folder (the graph templates live in its templates/) */
  bundledModelsDir: string;
  /** rescans the models folders */
  refreshModels: () => Promise<unknown>;
}

type ImportHandlers = Pick<Handlers, 'models.import' | 'models.importCancel' | 'loras.list'>;

export function createImportHandlers(deps: ImportHandlerDeps): ImportHandlers & { cancelAll(): void } {
  const running = new Map<string, AbortController>();
  return {
    'models.import': async (request) => {
      const importId = `import-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
      const controller = new AbortController();
      running.set(importId, controller);
      const params = {
        file: path.resolve(request.file),
        modelsDir: deps.layout.modelsDir,
        templatesDirs: [path.join(deps.bundledModelsDir, 'templates'), path.join(deps.layout.root, 'templates')],
        ...(request.name !== undefined ? { name: request.name } : {}),
        ...(request.family !== undefined ? { family: request.family } : {}),
        ...(request.prediction !== undefined ? { prediction: request.prediction } : {}),
        ...(request.fp16 !== undefined ? { fp16: request.fp16 } : {}),
      };
      void deps.host
        .invoke('importCheckpoint', params, {
          signal: controller.signal,
          onEvent: (e) => {
            if (e.type === 'import') deps.events.emit('import.progress', { importId, stage: e.stage, done: e.done, total: e.total });
          },
        })
        .then(async (result) => {
          await deps.refreshModels().catch(() => undefined);
          deps.events.emit('import.done', {
            importId, name: result.name, model: result.dir, family: result.family, prediction: result.prediction,
            inpainting: result.inpainting, warnings: result.warnings,
          });
        })
        .catch((err: unknown) => {
          const error = toApiError(err);
          deps.events.emit('import.error', { importId, error, cancelled: error.code === 'CANCELLED' });
        })
        .finally(() => running.delete(importId));
      return Promise.resolve({ importId });
    },
    'models.importCancel': ({ importId }) => {
      const controller = running.get(importId);
      controller?.abort();
      return Promise.resolve({ cancelled: controller !== undefined });
    },
    'loras.list': async () => ({ dir: deps.layout.lorasDir, loras: (await listLoras([deps.layout.lorasDir])).map((l) => ({ name: l.name })) }),
    cancelAll: () => {
      for (const c of running.values()) c.abort();
    },
  };
}
