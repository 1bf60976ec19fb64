/**
 * The one contract between the renderer and the main side (Electron IPC and browser mode alike).
 *
 * Every call has a request and a response schema, every event a payload schema. The main side
 * validates every request (and, in tests, every response and event) with these schemas; the
 * renderer imports the inferred types only (`import type`). Errors cross as `{ code, message,
 * details? }` (ApiErrorData). Adding a call: add its name to names.ts, its schemas here, its
 * handler in ipc/backend.ts — the compiler points at every place that still misses it.
 */
import { z } from 'zod';
import type { CallName, EventName } from './names.ts';
import { ApiErrorSchema, EmptySchema } from './schemas/common.ts';
import type { IdSchema } from './schemas/common.ts';
import type { ImageRefSchema } from './schemas/edit.ts';
import {
  ImportDoneEventSchema,
  ImportErrorEventSchema,
  ImportIdRequestSchema,
  ImportProgressEventSchema,
  LorasListSchema,
  ModelsImportCancelResponseSchema,
  ModelsImportRequestSchema,
  ModelsImportResponseSchema,
} from './schemas/imports.ts';
import type { StepKindSchema } from './schemas/process.ts';
import {
  EngineRegistrySchema,
  ModelCardRequestSchema,
  ModelCardSchema,
  ModelsListRequestSchema,
  ModelsListSchema,
  PromptTokensRequestSchema,
  PromptTokensSchema,
  SystemInfoSchema,
} from './schemas/system.ts';
import {
  JobCancelResponseSchema,
  JobErrorEventSchema,
  JobIdRequestSchema,
  JobProgressEventSchema,
  JobQueuedEventSchema,
  JobReorderRequestSchema,
  JobRemoveResponseSchema,
  JobRequestSchema,
  JobStartedEventSchema,
  JobStepEventSchema,
  JobSubmitResponseSchema,
  JobsListSchema,
} from './schemas/jobs.ts';
import {
  GalleryChangedEventSchema,
  GalleryDeleteManySchema,
  GalleryDeleteSchema,
  GalleryExportRequestSchema,
  GalleryExportSchema,
  GalleryGetSchema,
  GalleryIdRequestSchema,
  GalleryIdsRequestSchema,
  GalleryListRequestSchema,
  GalleryListSchema,
  GalleryRestoreManySchema,
  GalleryRestoreSchema,
  GalleryRevealSchema,
  JobDoneEventSchema,
} from './schemas/gallery.ts';
import { ImageUploadSchema, ReadParametersResponseSchema } from './schemas/images.ts';
import { SettingsChangedEventSchema, SettingsSchema, SettingsSetRequestSchema } from './schemas/settings.ts';
import { EditUploadRequestSchema, EditUploadResponseSchema, JobOutputEventSchema } from './schemas/edit.ts';
import {
  ProcessAnomalyRequestSchema,
  ProcessAnomalySchema,
  ProcessCancelRequestSchema,
  ProcessCancelSchema,
  ProcessCurvesRequestSchema,
  ProcessCurvesSchema,
  ProcessDecodeStepRequestSchema,
  ProcessDecodeStepSchema,
  ProcessExportRequestSchema,
  ProcessExportProgressEventSchema,
  ProcessExportSchema,
  ProcessForwardRequestSchema,
  ProcessForwardSchema,
  ProcessIdRequestSchema,
  ProcessRecordingSchema,
  ProcessTrajectoriesRequestSchema,
  ProcessTrajectoriesSchema,
} from './schemas/process.ts';
import { ProcessPipelineRequestSchema, ProcessPipelineSchema } from './schemas/pipeline.ts';
import { ProcessAttentionRequestSchema, ProcessAttentionSchema } from './schemas/attention.ts';
import { PlaygroundRunRequestSchema, PlaygroundRunSchema } from './schemas/playground.ts';
import { FileOpenedEventSchema, OpenedFilesSchema } from './schemas/opened-files.ts';

export * from './schemas/common.ts';
export * from './schemas/system.ts';
export * from './schemas/txt2img.ts';
export * from './schemas/jobs.ts';
export * from './schemas/gallery.ts';
export * from './schemas/settings.ts';
export * from './schemas/images.ts';
export * from './schemas/edit.ts';
export * from './schemas/process.ts';
export * from './schemas/pipeline.ts';
export * from './schemas/attention.ts';
export * from './schemas/playground.ts';
export * from './schemas/opened-files.ts';
export * from './names.ts';

interface CallSpec {
  readonly request: z.ZodType;
  readonly response: z.ZodType;
}

export const CALLS = {
  'system.info': { request: EmptySchema, response: SystemInfoSchema },
  'models.list': { request: ModelsListRequestSchema, response: ModelsListSchema },
  'models.card': { request: ModelCardRequestSchema, response: ModelCardSchema },
  'models.tokens': { request: PromptTokensRequestSchema, response: PromptTokensSchema },
  'models.import': { request: ModelsImportRequestSchema, response: ModelsImportResponseSchema },
  'models.importCancel': { request: ImportIdRequestSchema, response: ModelsImportCancelResponseSchema },
  'loras.list': { request: EmptySchema, response: LorasListSchema },
  'engine.samplers': { request: EmptySchema, response: EngineRegistrySchema },
  'jobs.submit': { request: JobRequestSchema, response: JobSubmitResponseSchema },
  'jobs.cancel': { request: JobIdRequestSchema, response: JobCancelResponseSchema },
  'jobs.list': { request: EmptySchema, response: JobsListSchema },
  'jobs.reorder': { request: JobReorderRequestSchema, response: JobsListSchema },
  'jobs.remove': { request: JobIdRequestSchema, response: JobRemoveResponseSchema },
  'gallery.list': { request: GalleryListRequestSchema, response: GalleryListSchema },
  'gallery.get': { request: GalleryIdRequestSchema, response: GalleryGetSchema },
  'gallery.delete': { request: GalleryIdRequestSchema, response: GalleryDeleteSchema },
  'gallery.restore': { request: GalleryIdRequestSchema, response: GalleryRestoreSchema },
  'gallery.reveal': { request: GalleryIdRequestSchema, response: GalleryRevealSchema },
  'gallery.deleteMany': { request: GalleryIdsRequestSchema, response: GalleryDeleteManySchema },
  'gallery.restoreMany': { request: GalleryIdsRequestSchema, response: GalleryRestoreManySchema },
  'gallery.export': { request: GalleryExportRequestSchema, response: GalleryExportSchema },
  'images.readParameters': { request: ImageUploadSchema, response: ReadParametersResponseSchema },
  // edit tabs and process viewers (schemas/edit.ts, schemas/process.ts; handlers in backend/edit-requests.ts)
  'edit.upload': { request: EditUploadRequestSchema, response: EditUploadResponseSchema },
  'process.recording': { request: ProcessIdRequestSchema, response: ProcessRecordingSchema },
  'process.decodeStep': { request: ProcessDecodeStepRequestSchema, response: ProcessDecodeStepSchema },
  'process.export': { request: ProcessExportRequestSchema, response: ProcessExportSchema },
  'process.forward': { request: ProcessForwardRequestSchema, response: ProcessForwardSchema },
  'process.curves': { request: ProcessCurvesRequestSchema, response: ProcessCurvesSchema },
  'process.trajectories': { request: ProcessTrajectoriesRequestSchema, response: ProcessTrajectoriesSchema },
  'process.anomaly': { request: ProcessAnomalyRequestSchema, response: ProcessAnomalySchema },
  'process.pipeline': { request: ProcessPipelineRequestSchema, response: ProcessPipelineSchema },
  'process.attention': { request: ProcessAttentionRequestSchema, response: ProcessAttentionSchema },
  'process.cancel': { request: ProcessCancelRequestSchema, response: ProcessCancelSchema },
  // the Playground tab: exact 2-D diffusion (schemas/playground.ts)
  'playground.run': { request: PlaygroundRunRequestSchema, response: PlaygroundRunSchema },
  'settings.get': { request: EmptySchema, response: SettingsSchema },
  'settings.set': { request: SettingsSetRequestSchema, response: SettingsSchema },
  /** PNGs the operating system opened with the app ("Open in Reverie"), taken once; browser mode has none */
  'app.openedFiles': { request: EmptySchema, response: OpenedFilesSchema },
  /** test-only: makes the engine process exit; refused with FORBIDDEN unless REVERIE_DEBUG_CALLS=1 */
  'debug.crashEngine': { request: EmptySchema, response: z.object({ pid: z.int().nullable() }) },
} as const satisfies Record<CallName, CallSpec>;

export const EVENTS = {
  'job.queued': JobQueuedEventSchema,
  'job.started': JobStartedEventSchema,
  'job.progress': JobProgressEventSchema,
  'job.step': JobStepEventSchema,
  'job.done': JobDoneEventSchema,
  'job.error': JobErrorEventSchema,
  'job.output': JobOutputEventSchema,
  'jobs.changed': JobsListSchema,
  'gallery.changed': GalleryChangedEventSchema,
  'engine.crashed': z.object({ error: ApiErrorSchema, restarted: z.boolean(), pid: z.int().nullable() }),
  'settings.changed': SettingsChangedEventSchema,
  'import.progress': ImportProgressEventSchema,
  'import.done': ImportDoneEventSchema,
  'import.error': ImportErrorEventSchema,
  'app.fileOpened': FileOpenedEventSchema,
  'process.exportProgress': ProcessExportProgressEventSchema,
} as const satisfies Record<EventName, z.ZodType>;

// ── inferred types ─────────────────────────────────────────────────────
/** what a caller may send (defaults still optional) */
export type CallRequest<K extends CallName> = z.input<(typeof CALLS)[K]['request']>;
/** what the handler receives after validation (defaults applied) */
export type ParsedRequest<K extends CallName> = z.output<(typeof CALLS)[K]['request']>;
export type CallResponse<K extends CallName> = z.output<(typeof CALLS)[K]['response']>;
export type EventPayload<E extends EventName> = z.output<(typeof EVENTS)[E]>;

export type ApiError = z.infer<typeof ApiErrorSchema>;
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ApiError };

export type SystemInfo = CallResponse<'system.info'>;
export type ProviderStatusData = SystemInfo['providers'][number];
export type ModelReport = CallResponse<'models.list'>['models'][number];
export type ModelVocabulary = NonNullable<ModelReport['vocabulary']>;
export type ModelCard = CallResponse<'models.card'>;
export type PromptTokens = CallResponse<'models.tokens'>;
export type EngineRegistry = CallResponse<'engine.samplers'>;
export type SamplerInfo = EngineRegistry['samplers'][number];
export type ScheduleInfo = EngineRegistry['schedules'][number];
export type JobRequest = z.output<typeof JobRequestSchema>;
export type JobRequestInput = z.input<typeof JobRequestSchema>;
export type Txt2ImgParams = Extract<JobRequest, { kind: 'txt2img' }>['params'];
export type JobSummary = CallResponse<'jobs.list'>['jobs'][number];
export type GalleryItem = CallResponse<'gallery.get'>['item'];
export type ReadParametersResult = CallResponse<'images.readParameters'>;
export type ImageParameters = NonNullable<ReadParametersResult['parameters']>;
export type { Settings, SettingsPatch } from './schemas/settings.ts';
export type Id = z.infer<typeof IdSchema>;
export type ImageRef = z.infer<typeof ImageRefSchema>;
export type EditUploadResult = CallResponse<'edit.upload'>;
export type JobOutput = EventPayload<'job.output'>['output'];
export type ProcessRecording = CallResponse<'process.recording'>;
export type RecordedStepView = ProcessRecording['steps'][number];
export type ProcessCurves = CallResponse<'process.curves'>;
export type ForwardFrame = CallResponse<'process.forward'>['frames'][number];
export type ProcessAnomaly = CallResponse<'process.anomaly'>;
export type ProcessPipeline = CallResponse<'process.pipeline'>;
export type ProcessAttention = CallResponse<'process.attention'>;
export type StepKind = z.infer<typeof StepKindSchema>;
export type PlaygroundRequest = CallRequest<'playground.run'>;
export type PlaygroundRun = CallResponse<'playground.run'>;

// ── the API the renderer sees ──────────────────────────────────────────
type Namespace<K extends string> = K extends `${infer N}.${string}` ? N : never;
type CallFn<K extends CallName> =
  Record<string, never> extends CallRequest<K>
    ? (request?: CallRequest<K>) => Promise<CallResponse<K>>
    : (request: CallRequest<K>) => Promise<CallResponse<K>>;

/** `api.models.list()`, `api.jobs.submit({...})`: one function per call, grouped by namespace. */
export type ReverieCalls = {
  readonly [N in Namespace<CallName>]: {
    readonly [K in CallName as K extends `${N}.${infer M}` ? M : never]: CallFn<K>;
  };
};

export type EventListener<E extends EventName> = (payload: EventPayload<E>) => void;

export interface ReverieApi extends ReverieCalls {
  readonly mode: 'electron' | 'browser';
  /** Where a dropped File lives on disk: the desktop app knows; a browser page never does (null). */
  pathForFile(file: unknown): string | null;
  /** subscribe to one event; returns the unsubscribe function */
  on<E extends EventName>(event: E, listener: EventListener<E>): () => void;
}

/**
 * What the Electron preload exposes as `window.reverie` (contextBridge): one function per call,
 * each resolving to an Envelope (errors thrown across contextBridge lose their fields), and one
 * event subscription. The renderer's Electron client (lib/api/electron.ts) turns it into ReverieApi.
 */
export interface ReverieBridge {
  readonly version: 1;
  readonly calls: { readonly [K in CallName]: (request: unknown) => Promise<Envelope<CallResponse<K>>> };
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void;
  /** The path on disk of a dropped File (Electron's webUtils.getPathForFile; File.path is gone since Electron 32), '' when it has none. */
  pathForFile?(file: unknown): string;
}
