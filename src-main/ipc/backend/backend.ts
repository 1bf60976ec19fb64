/**
 * The handlers behind every call of the contract, shared by the Electron app and browser mode.
 * Heavy work goes to the engine host; settings and gallery are local files.
 */
import { randomInt } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { EngineHost } from '../../engine/hosting/host.ts';
import type { GalleryStore } from '../../storage/gallery.ts';
import type { DataLayout } from '../../storage/paths.ts';
import type { SettingsStore } from '../../storage/settings.ts';
import { removeStaleTemps } from '../../storage/temp-leftovers.ts';
import { MAX_IMAGE_BYTES } from '../contract.ts';
import type { ModelReport, Settings } from '../contract.ts';
import type { Handlers } from '../dispatch.ts';
import { ApiCallError } from '../errors.ts';
import { EventBus } from '../events.ts';
import { promptLoras } from './engine-jobs.ts';
import { createGalleryHandlers } from './gallery-requests.ts';
import { createImportHandlers } from './import-requests.ts';
import { jobMemoryRequest } from './job-memory.ts';
import { JobQueue } from './job-queue.ts';
import { InputStore, withParams } from './edit-inputs.ts';
import { createEditHandlers } from './edit-requests.ts';
import { QUEUE_FILE, QueueStore } from './queue-store.ts';
import type { QueueRestoreReport } from './queue-store.ts';
import { OpenedFiles } from './opened-files.ts';

export interface BackendDeps {
  mode: 'electron' | 'browser';
  appName: string;
  appVersion: string;
  electronVersion: string | null;
  host: EngineHost;
  layout: DataLayout;
  /** the models/ folder shipped with the app (repo checkout or installed resources) */
  bundledModelsDir: string;
  settings: SettingsStore;
  gallery: GalleryStore;
  /** enables debug.crashEngine (tests only; REVERIE_DEBUG_CALLS=1) */
  debugCalls: boolean;
  /** shows a file in the system file manager (Electron: shell.showItemInFolder); absent in browser mode */
  revealFile?: (file: string) => void;
}

export interface Backend {
  handlers: Handlers;
  events: EventBus;
  jobs: JobQueue;
  /** the jobs saved in <data>/queue.json queued again (or listed as failed) at start */
  queueRestored: Promise<QueueRestoreReport>;
  /** PNGs the operating system opened with the app (Electron hands them over; see opened-files.ts) */
  openedFiles: OpenedFiles;
  modelRoots(): string[];
  dispose(): Promise<void>;
}

export function modelRootsFor(bundled: string, layout: DataLayout, settings: Settings): string[] {
  const roots = [bundled, layout.modelsDir, ...settings.modelsDirs].map((r) => path.resolve(r));
  return [...new Set(roots)];
}

export function createBackend(deps: BackendDeps): Backend {
  const events = new EventBus();
  // uploaded input images of the edit tabs, stored by content hash in <data>/inputs
  const inputs = new InputStore(path.join(deps.layout.root, 'inputs'), deps.host, deps.gallery);
  const loraDirs = (): string[] => [deps.layout.lorasDir];
  const openedFiles = new OpenedFiles(events);
  // waiting jobs survive a quit or a crash: written to <data>/queue.json, queued again below
  const queueStore = new QueueStore(path.join(deps.layout.root, QUEUE_FILE));
  const jobs = new JobQueue({ host: deps.host, gallery: deps.gallery, events, previewEvery: () => deps.settings.get().previewEvery, inputs, loraDirs, onChange: () => queueStore.changed() });
  let lastModels: ModelReport[] = [];
  const roots = (): string[] => modelRootsFor(deps.bundledModelsDir, deps.layout, deps.settings.get());

  const listModels = async (): Promise<ModelReport[]> => {
    const rootList = roots();
    const reports = await deps.host.invoke('listModels', { roots: rootList });
    lastModels = reports.map((r) => ({ ...r, id: r.path, root: path.dirname(r.path) }));
    return lastModels;
  };
  /** A folder of the model list by id (the last scan, else a fresh one): calls never read an arbitrary path. */
  const listedModel = async (id: string): Promise<ModelReport | undefined> => {
    const wanted = path.resolve(id);
    return lastModels.find((m) => m.id === wanted) ?? (await listModels()).find((m) => m.id === wanted);
  };

  // deleted results wait a week in the trash for an undo; older ones go now (in the background)
  deps.gallery.purgeTrash().catch((err: unknown) => console.warn(`[reverie] could not empty old items from the trash: ${String(err)}`));
  // what a killed run left (temporary files, a PNG without sidecar) is put right now
  void deps.gallery.open();
  for (const dir of [deps.layout.root, inputs.dir]) void removeStaleTemps(dir);

  const importer = createImportHandlers({ host: deps.host, events, layout: deps.layout, bundledModelsDir: deps.bundledModelsDir, refreshModels: listModels });

  const unsubscribeCrash = deps.host.onCrash((report) => {
    events.emit('engine.crashed', { error: report.error, restarted: report.restarted, pid: report.pid });
  });

  const handlers: Handlers = {
    'system.info': async () => {
      const info = await deps.host.invoke('info', {});
      return {
        appName: deps.appName,
        appVersion: deps.appVersion,
        mode: deps.mode,
        platform: process.platform,
        arch: process.arch,
        nodeVersion: process.versions.node,
        electronVersion: deps.electronVersion,
        ortVersion: info.ortVersion,
        providers: info.providers,
        dataDir: deps.layout.root,
        modelRoots: roots(),
      };
    },
    'models.list': async () => ({ roots: roots(), models: await listModels() }),
    'models.card': async ({ model }) => {
      const report = await listedModel(model);
      if (!report) throw new ApiCallError('MODEL_NOT_FOUND', `No model folder "${model}" in the models folders (${roots().join(', ')}). Pick one from the model list.`);
      if (!report.hasCard) throw new ApiCallError('NOT_FOUND', `The model "${report.name}" has no model card (a README.md at the top of ${report.path}).`);
      return deps.host.invoke('modelCard', { modelDir: report.path });
    },
    'models.tokens': async ({ model, texts }) => {
      const report = await listedModel(model);
      if (!report?.valid) throw new ApiCallError('MODEL_NOT_FOUND', `No ready model folder "${model}" in the models folders (${roots().join(', ')}). Pick one from the model list.`);
      return deps.host.invoke('promptTokens', { modelDir: report.path, texts });
    },
    'engine.samplers': () => deps.host.invoke('registry', {}),
    'playground.run': (request) => deps.host.invoke('playground', request),
    'jobs.submit': async (request) => {
      const model = await listedModel(request.params.model);
      if (!model) {
        throw new ApiCallError('MODEL_NOT_FOUND', `No model folder "${request.params.model}" in the models folders (${roots().join(', ')}). Pick one from the model list.`);
      }
      if (!model.valid) {
        throw new ApiCallError('MODEL_INVALID', `The model "${model.name}" cannot be used: ${model.problems.join('; ')}`, { problems: model.problems });
      }
      await deps.host.invoke('checkMemory', jobMemoryRequest(request, model.path)); // too big for memory: refused now, with the numbers
      const seed = request.params.seed >= 0 ? request.params.seed : randomInt(0, 2 ** 32 - 1);
      await inputs.paths(request); // an edit job's images must exist now, not only when it runs
      await promptLoras(request.params.prompt, loraDirs()); // and its <lora:…> tags must name files
      const job = jobs.submit(withParams(request, { model: model.id, seed }), model);
      return { job };
    },
    ...createEditHandlers({
      host: deps.host,
      gallery: deps.gallery,
      inputs,
      models: async (refresh) => (refresh || lastModels.length === 0 ? listModels() : lastModels),
      settings: () => deps.settings.get(),
      jobs: () => jobs.list(),
      submit: (request) => handlers['jobs.submit'](request),
      loras: (prompt) => promptLoras(prompt, loraDirs()),
      events,
      exclusive: (run, signal) => jobs.runExclusive(run, signal),
    }),
    'models.import': importer['models.import'],
    'models.importCancel': importer['models.importCancel'],
    'loras.list': importer['loras.list'],
    'jobs.cancel': async ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
    'jobs.list': async () => ({ jobs: jobs.list() }),
    'jobs.reorder': async ({ jobId, toIndex }) => ({ jobs: jobs.reorder(jobId, toIndex) }),
    'jobs.remove': async ({ jobId }) => ({ removed: jobs.remove(jobId) }),
    ...createGalleryHandlers({ gallery: deps.gallery, events }),
    'gallery.get': async ({ id }) => {
      const item = await deps.gallery.get(id);
      if (!item) throw new ApiCallError('NOT_FOUND', `There is no gallery item "${id}" (it may have been deleted).`);
      return { item };
    },
    'gallery.delete': async ({ id }) => {
      const deleted = await deps.gallery.delete(id);
      if (deleted) events.emit('gallery.changed', { added: [], removed: [id] });
      return { deleted };
    },
    'gallery.restore': async ({ id }) => {
      const item = await deps.gallery.restore(id);
      if (item) events.emit('gallery.changed', { added: [item], removed: [] });
      return { item };
    },
    'gallery.reveal': async ({ id }) => {
      const item = await deps.gallery.get(id);
      if (!item) throw new ApiCallError('NOT_FOUND', `There is no gallery item "${id}" (it may have been deleted).`);
      if (!deps.revealFile) return { revealed: false, path: item.path };
      deps.revealFile(item.path);
      return { revealed: true, path: item.path };
    },
    'images.readParameters': async ({ data, name }) => {
      const bytes = Buffer.from(data, 'base64');
      if (bytes.length > MAX_IMAGE_BYTES) {
        throw new ApiCallError('BAD_REQUEST', `${name ?? 'The image'} is ${(bytes.length / 1048576).toFixed(1)} MiB; images are limited to ${MAX_IMAGE_BYTES / 1048576} MiB.`);
      }
      return deps.host.invoke('readParameters', { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), ...(name === undefined ? {} : { name }) });
    },
    'settings.get': async () => deps.settings.get(),
    'settings.set': async ({ patch }) => {
      if (patch.modelsDirs) await checkNewModelFolders(patch.modelsDirs, (await deps.settings.get()).modelsDirs);
      const settings = await deps.settings.update(patch);
      events.emit('settings.changed', { settings });
      return settings;
    },
    'app.openedFiles': async () => openedFiles.take(),
    'debug.crashEngine': async () => {
      if (!deps.debugCalls) throw new ApiCallError('FORBIDDEN', 'debug.crashEngine is only available when REVERIE_DEBUG_CALLS=1 (tests).');
      const pid = deps.host.pid();
      await deps.host.invoke('debugExit', { code: 70 });
      return { pid };
    },
  };

  // the saved queue goes through jobs.submit's own checks, as if the user submitted it again
  const queueRestored = queueStore.restore({
    list: () => jobs.list(),
    submit: async (request) => (await handlers['jobs.submit'](request)).job,
    failed: (request, error, createdAt) => jobs.addFailed(request, error, createdAt),
  });

  return {
    handlers,
    events,
    jobs,
    queueRestored,
    openedFiles,
    modelRoots: roots,
    dispose: async () => {
      unsubscribeCrash();
      await queueStore.close(); // before the jobs are cancelled: they are to come back next time
      jobs.cancelAll();
      importer.cancelAll();
      await deps.host.dispose();
    },
  };
}

/**
 * A models folder added in Settings must exist and be a folder: refused with the reason and what to
 * do, instead of being listed and scanned as nothing. Folders already in the list are not checked
 * again (a drive that is away for now must not block other settings).
 */
async function checkNewModelFolders(dirs: readonly string[], before: readonly string[]): Promise<void> {
  for (const dir of dirs.filter((d) => !before.includes(d))) {
    const s = await stat(dir).catch((err: NodeJS.ErrnoException) => err);
    if (s instanceof Error) {
      const why = s.code === 'ENOENT' ? 'does not exist' : s.code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be read (${s.code ?? s.message})`;
      throw new ApiCallError('BAD_REQUEST', `The folder ${dir} ${why}. Create it or check the path, then add it again.`, { path: dir });
    }
    if (!s.isDirectory()) throw new ApiCallError('BAD_REQUEST', `${dir} is a file, not a folder. Give the folder that holds your model folders.`, { path: dir });
  }
}
