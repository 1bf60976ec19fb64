/**
 * The names of every call and event in the renderer ↔ main contract.
 *
 * Kept free of zod so the sandboxed preload and the renderer's clients can use them without
 * pulling in the schemas. `contract.ts` declares one schema per name below; the compiler checks
 * that both lists stay in step (`satisfies Record<CallName, ...>` there).
 */
export const CALL_NAMES = [
  'system.info',
  'models.list',
  'models.card',
  'models.tokens',
  'models.import',
  'models.importCancel',
  'loras.list',
  'engine.samplers',
  'jobs.submit',
  'jobs.cancel',
  'jobs.list',
  'jobs.reorder',
  'jobs.remove',
  'gallery.list',
  'gallery.get',
  'gallery.delete',
  'gallery.restore',
  'gallery.reveal',
  'gallery.deleteMany',
  'gallery.restoreMany',
  'gallery.export',
  'images.readParameters',
  'edit.upload',
  'process.recording',
  'process.decodeStep',
  'process.export',
  'process.forward',
  'process.curves',
  'process.trajectories',
  'process.anomaly',
  'process.pipeline',
  'process.attention',
  'process.cancel',
  'playground.run',
  'settings.get',
  'settings.set',
  'app.openedFiles',
  'debug.crashEngine',
] as const;

export const EVENT_NAMES = [
  'job.queued',
  'job.started',
  'job.progress',
  'job.step',
  'job.done',
  'job.error',
  'job.output',
  'jobs.changed',
  'gallery.changed',
  'engine.crashed',
  'settings.changed',
  'import.progress',
  'import.done',
  'import.error',
  'app.fileOpened',
  'process.exportProgress',
] as const;

export type CallName = (typeof CALL_NAMES)[number];
export type EventName = (typeof EVENT_NAMES)[number];

/** Electron IPC channels: one for calls (invoke), one for events (main → renderer). */
export const IPC_CALL_CHANNEL = 'reverie:call';
export const IPC_EVENT_CHANNEL = 'reverie:event';

/** Browser mode HTTP paths: POST `${HTTP_CALL_PREFIX}<call name>`, WebSocket at HTTP_EVENTS_PATH. */
export const HTTP_CALL_PREFIX = '/api/call/';
export const HTTP_EVENTS_PATH = '/api/events';
/** Images (gallery files, previews) are served under this path in both modes (see README). */
export const MEDIA_PREFIX = '/media/';

export function isCallName(name: string): name is CallName {
  return (CALL_NAMES as readonly string[]).includes(name);
}

export function isEventName(name: string): name is EventName {
  return (EVENT_NAMES as readonly string[]).includes(name);
}
