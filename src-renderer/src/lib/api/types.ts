/**
 * The contract's types, for the rest of the renderer. Type-only: the renderer never loads main-side
 * code (the schemas are validated on the main side).
 */
export type {
  ApiError,
  CallName,
  CallRequest,
  CallResponse,
  EngineRegistry,
  Envelope,
  EventName,
  EventPayload,
  GalleryItem,
  ImageParameters,
  JobRequest,
  JobRequestInput,
  JobSummary,
  ModelReport,
  ProviderStatusData,
  ReadParametersResult,
  ReverieApi,
  ReverieBridge,
  SamplerInfo,
  ScheduleInfo,
  Settings,
  SettingsPatch,
  SystemInfo,
  Txt2ImgParams,
  Id,
} from '../../../../src-main/ipc/contract.ts';
