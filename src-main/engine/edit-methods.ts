/**
 * The engine methods behind the studio's edit tabs and process viewers, as one table that
 * service.ts merges into its own: the edit jobs (img2img, inpaint, denoise), the check of an
 * uploaded image, and the process viewers' calls (recording previews, full decode of a step,
 * exports, forward frames, schedule curves, anomaly map, the pipeline opened up). They share the engine's model cache.
 */
import type { PipelineCache } from './pipelines/cache.ts';
import type { EngineCallContext } from './types.ts';
import { runDenoiseJob, runImg2ImgJob, runInpaintJob } from './jobs/edit-job.ts';
import type { DenoiseJobInput, EditJobResult, EngineJobEvent, Img2ImgJobInput, InpaintJobInput } from './jobs/job-types.ts';
import { exportRecording } from './trajectory/export.ts';
import type { ExportInput, ExportProgress, ExportResult } from './trajectory/export.ts';
import { anomaly, curves, forwardFrames, inspectImage } from './trajectory/forward-view.ts';
import type { AnomalyInput, AnomalyView, CurvesInput, CurvesView, ForwardFrameView, ForwardInput, InspectedImage } from './trajectory/forward-view.ts';
import { RecordingStore, decodeRecordedStep, recordingView } from './trajectory/recording-view.ts';
import { pipelineView } from './trajectory/pipeline-view.ts';
import type { PipelineParams, PipelineViewResult } from './trajectory/pipeline-view.ts';
import type { DecodeStepInput, RecordingView, RecordingViewInput } from './trajectory/recording-view.ts';

export type { DenoiseJobInput, EditJobResult, Img2ImgJobInput, InpaintJobInput, JobOutput } from './jobs/job-types.ts';

export interface EditEngineMethods {
  img2img: { params: Img2ImgJobInput; result: EditJobResult; event: EngineJobEvent };
  inpaint: { params: InpaintJobInput; result: EditJobResult; event: EngineJobEvent };
  denoise: { params: DenoiseJobInput; result: EditJobResult; event: EngineJobEvent };
  /** an uploaded image as the pipelines will read it (untrusted bytes: decoded in the engine process) */
  inspectImage: { params: { file: string; what: string }; result: InspectedImage; event: never };
  processRecording: { params: RecordingViewInput; result: RecordingView; event: never };
  processDecodeStep: { params: DecodeStepInput; result: { url: string; width: number; height: number }; event: never };
  processExport: { params: ExportInput; result: ExportResult; event: ExportProgress };
  processForward: { params: ForwardInput; result: { frames: ForwardFrameView[]; seed: number; width: number; height: number }; event: never };
  processCurves: { params: CurvesInput; result: CurvesView; event: never };
  processAnomaly: { params: AnomalyInput; result: AnomalyView; event: never };
  /** one run with every stage kept and summarised (trajectory/pipeline-view.ts) */
  processPipeline: { params: PipelineParams; result: PipelineViewResult; event: never };
}

type EditImpl = {
  [M in keyof EditEngineMethods]: (params: EditEngineMethods[M]['params'], ctx: EngineCallContext<EditEngineMethods[M]['event']>) => Promise<EditEngineMethods[M]['result']>;
};

export function createEditImpl(cache: PipelineCache): EditImpl {
  const recordings = new RecordingStore();
  return {
    img2img: (params, ctx) => runImg2ImgJob(params, ctx, cache),
    inpaint: (params, ctx) => runInpaintJob(params, ctx, cache),
    denoise: (params, ctx) => runDenoiseJob(params, ctx, cache),
    inspectImage: (params) => inspectImage(params.file, params.what),
    processRecording: (params) => recordingView(params, recordings),
    processDecodeStep: (params, ctx) => decodeRecordedStep(params, recordings, cache, ctx.signal),
    processExport: (params, ctx) => exportRecording(params, recordings, cache, ctx.signal, (p) => ctx.emit(p)),
    processForward: (params, ctx) => forwardFrames(params, cache, ctx.signal),
    processCurves: (params) => curves(params),
    processAnomaly: (params, ctx) => anomaly(params, cache, ctx.signal),
    processPipeline: (params, ctx) => pipelineView(params, cache, ctx.signal),
  };
}
