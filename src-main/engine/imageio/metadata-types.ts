/** Generation parameters read back from an image, whichever program wrote them. */
export interface GenerationMetadata {
  readonly source: 'a1111' | 'comfyui' | 'invokeai';
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly steps?: number;
  /** the writer's own sampler name (A1111 label, ComfyUI sampler_name, InvokeAI scheduler) */
  readonly sampler?: string;
  /** the writer's own schedule name (A1111 "Schedule type", ComfyUI scheduler) */
  readonly schedule?: string;
  readonly cfgScale?: number;
  readonly seed?: number;
  readonly width?: number;
  readonly height?: number;
  readonly model?: string;
  /** every other setting, as text (A1111 keys such as "Model hash", "Version", "Denoising strength") */
  readonly extra: Readonly<Record<string, string>>;
}
