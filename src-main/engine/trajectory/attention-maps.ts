/**
 * DAAM's aggregation (Tang et al., 2022, "What the DAAM: Interpreting Stable Diffusion Using Cross
 * Attention", §3): each cross-attention layer's probabilities [batch·heads, query = h·w, key = tokens]
 * are averaged over heads, laid out at the layer's spatial size, upsampled to the latent size, and summed
 * over layers and over every UNet call of the run (conditional half of the CFG batch only); each token's
 * sum is then normalised for display. DAAM upsamples bicubically; bilinear (align_corners = false, as
 * torch's F.interpolate) keeps every value inside its neighbours' range here.
 */
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';

/** The layer's spatial size: the latent size halved (rounding up, as stride-2 convolutions do) until h·w = query. */
export function layerSize(query: number, latentHeight: number, latentWidth: number): [number, number] {
  for (let h = latentHeight, w = latentWidth; ; h = Math.ceil(h / 2), w = Math.ceil(w / 2)) {
    if (h * w === query) return [h, w];
    if (h === 1 && w === 1) break;
  }
  throw new EngineError('MODEL_UNSUPPORTED', `a cross-attention layer has ${query} queries, which is no halving of the ${latentHeight}×${latentWidth} latent grid`);
}

/** Adds `plane` (h×w) bilinearly upsampled to H×W into `into` (H×W), align_corners = false. */
export function addUpsampled(plane: Float32Array, h: number, w: number, into: Float32Array, H: number, W: number): void {
  for (let y = 0; y < H; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / H - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < W; x++) {
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / W - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      const top = plane[y0 * w + x0] * (1 - fx) + plane[y0 * w + x1] * fx;
      const bottom = plane[y1 * w + x0] * (1 - fx) + plane[y1 * w + x1] * fx;
      into[y * W + x] += top * (1 - fy) + bottom * fy;
    }
  }
}

export class AttentionAccumulator {
  /** per key position (token slot), the latent-sized sum */
  readonly sums: Float32Array[] = [];
  /** how many layer maps went into the sums, and from how many UNet calls */
  layers = 0;
  calls = 0;
  private readonly sizes = new Set<string>();

  constructor(
    readonly latentHeight: number,
    readonly latentWidth: number,
  ) {}

  /** the distinct spatial sizes of the layers seen, e.g. ['16×16', '8×8'] */
  get layerSizes(): string[] {
    return [...this.sizes];
  }

  /**
   * One layer's probabilities of one UNet call: [batch·heads, q, k] or [batch, heads, q, k], batch-major
   * (diffusers' head_to_batch_dim); only the batch items in `items` (the conditional ones) are added.
   */
  add(probs: F32Tensor, batch: number, items: readonly number[]): void {
    const dims = probs.dims;
    if (dims.length < 3) throw new EngineError('MODEL_UNSUPPORTED', `cross-attention probabilities [${dims.join(', ')}] have no query and key axes`);
    const [query, keys] = dims.slice(-2);
    const lead = dims.slice(0, -2).reduce((a, b) => a * b, 1);
    if (lead % batch !== 0) throw new EngineError('MODEL_UNSUPPORTED', `cross-attention probabilities [${dims.join(', ')}] do not split into a batch of ${batch}`);
    const heads = lead / batch;
    const [h, w] = layerSize(query, this.latentHeight, this.latentWidth);
    this.sizes.add(`${h}×${w}`);
    while (this.sums.length < keys) this.sums.push(new Float32Array(this.latentHeight * this.latentWidth));
    const plane = new Float32Array(query);
    for (let k = 0; k < keys; k++) {
      plane.fill(0);
      for (const b of items) {
        for (let head = 0; head < heads; head++) {
          const base = (b * heads + head) * query * keys + k;
          for (let q = 0; q < query; q++) plane[q] += probs.data[base + q * keys] / heads;
        }
      }
      addUpsampled(plane, h, w, this.sums[k], this.latentHeight, this.latentWidth);
    }
    this.layers++;
  }

  /** The sum of token slot k divided by its maximum (all zeros stay zeros). */
  normalized(k: number): Float32Array {
    const sum = this.sums[k] ?? new Float32Array(this.latentHeight * this.latentWidth);
    let max = 0;
    for (const v of sum) max = Math.max(max, v);
    return max > 0 ? sum.map((v) => v / max) : sum.slice();
  }
}
