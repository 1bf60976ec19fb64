/**
 * The Process tab's Attention view, engine side: one text-to-image run through the attention copy of
 * the UNet (models/attention-graph.ts), its cross-attention probabilities aggregated DAAM's way
 * (attention-maps.ts; Tang et al., 2022, "What the DAAM: Interpreting Stable Diffusion Using Cross
 * Attention") into one heatmap per prompt token. The copy is opened for this run only and closed after
 * it; normal jobs never load it. A model whose UNet has no cross-attention Softmax gets the reason instead.
 */
import path from 'node:path';
import { pixelsToRgb8 } from '../imageio/convert.ts';
import { heatmapRgb8 } from '../imageio/heatmap.ts';
import { attentionUnet } from '../models/attention-graph.ts';
import type { AttentionSite } from '../models/attention-graph.ts';
import { listPromptTokens } from '../models/token-listing.ts';
import type { PipelineCache } from '../pipelines/cache.ts';
import { prepare, sampleAll } from '../pipelines/run.ts';
import type { Prepared } from '../pipelines/run-types.ts';
import { toFloat32 } from '../runtime/tensor.ts';
import { ModelSession } from '../runtime/session.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';
import { AttentionAccumulator } from './attention-maps.ts';
import type { PipelineParams } from './pipeline-capture.ts';
import { runFacts } from './run-facts.ts';
import type { RunFacts } from './run-facts.ts';
import { dataUrl } from './tensor-summary.ts';

export type AttentionParams = PipelineParams;

export interface AttentionToken {
  /** position in the text context (BOS is 0) */
  readonly slot: number;
  readonly text: string;
  /** Turbo heatmap PNG at the latent size, the token's sum divided by its maximum */
  readonly map: string;
  /** the same normalised map, row-major, mapHeight × mapWidth, 3 decimals */
  readonly values: number[];
}

export type AttentionViewResult =
  | { readonly supported: false; readonly model: string; readonly reason: string }
  | {
      readonly supported: true;
      readonly run: RunFacts;
      /** the generated image (PNG data URL) */
      readonly image: string;
      readonly mapWidth: number;
      readonly mapHeight: number;
      readonly tokens: AttentionToken[];
      /** cross-attention layers captured per UNet call, UNet calls aggregated, layer maps summed, their spatial sizes */
      readonly layers: number;
      readonly calls: number;
      readonly maps: number;
      readonly layerSizes: string[];
    };

/** Which batch items of a UNet call carry the prompt (not the negative prompt): their context equals cond. */
function conditionalItems(context: F32Tensor, cond: F32Tensor): number[] {
  const per = cond.data.length;
  const items: number[] = [];
  for (let b = 0; b < context.dims[0]; b++) {
    const item = context.data.subarray(b * per, (b + 1) * per);
    if (item.length === per && item.every((v, i) => v === cond.data[i])) items.push(b);
  }
  return items;
}

async function runCapturing(pr: Prepared, file: string, sites: readonly AttentionSite[], acc: AttentionAccumulator, cache: PipelineCache, signal?: AbortSignal): Promise<F32Tensor> {
  const session = await ModelSession.open(file, 'unet/model.onnx (attention copy)', pr.p.provider, { cacheDir: cache.ortCache });
  try {
    const model = pr.model.withUnet(session, (outputs, call) => {
      const items = conditionalItems(call.context, pr.cond);
      if (items.length === 0) return;
      for (const site of sites) {
        const probs = outputs[site.output];
        if (!probs) throw new EngineError('RUNTIME', `the attention copy of the UNet gave no ${site.output} (${site.node})`);
        acc.add(toFloat32(probs), call.x.dims[0], items);
      }
      acc.calls++;
    });
    let latents: F32Tensor | null = null;
    await sampleAll({ ...pr, model }, signal ? { signal } : {}, (result) => {
      latents = result;
      return Promise.resolve();
    });
    if (latents === null) throw new EngineError('INTERNAL', 'the attention run ended without latents');
    return latents;
  } finally {
    await session.dispose();
  }
}

export async function attentionView(params: AttentionParams, cache: PipelineCache, signal?: AbortSignal): Promise<AttentionViewResult> {
  const unet = await attentionUnet(params.modelDir, cache.attentionCacheDir);
  const name = path.basename(path.resolve(params.modelDir));
  if ('reason' in unet) return { supported: false, model: name, reason: `${name} does not expose attention: ${unet.reason}.` };
  // the copy is of the folder's own UNet: LoRA-merged weights would not match it
  const { loras, ...plain } = params;
  const pr = await prepare({ ...plain, batchSize: 1, batchCount: 1 }, cache, signal ? { signal } : {});
  const { model, p } = pr;
  const latentHeight = p.height / model.info.vaeFactor;
  const latentWidth = p.width / model.info.vaeFactor;
  const acc = new AttentionAccumulator(latentHeight, latentWidth);
  const latents = await runCapturing(pr, unet.file, unet.sites, acc, cache, signal);
  const [rgb] = pixelsToRgb8(await model.decode(latents));
  const listing = listPromptTokens(model.tokenizer, p.prompt, model.info.maxPromptChunks);
  const length = model.tokenizer.maxLength;
  const tokens: AttentionToken[] = [];
  for (const [row, chunk] of listing.rows.entries()) {
    for (const [k, t] of chunk.entries()) {
      if (t.role !== 'token') continue;
      const values = acc.normalized(row * length + k);
      tokens.push({
        slot: row * length + k,
        text: t.text,
        map: await dataUrl(heatmapRgb8(values, latentWidth, latentHeight, 1)),
        values: Array.from(values, (v) => Math.round(v * 1000) / 1000),
      });
    }
  }
  const warnings = [...pr.warnings];
  if ((loras?.length ?? 0) > 0) warnings.push('LoRA tags are not applied here: the Attention view runs the folder’s own UNet');
  return {
    supported: true,
    run: runFacts(pr, warnings),
    image: await dataUrl(rgb),
    mapWidth: latentWidth,
    mapHeight: latentHeight,
    tokens,
    layers: unet.sites.length,
    calls: acc.calls,
    maps: acc.layers,
    layerSizes: acc.layerSizes,
  };
}
