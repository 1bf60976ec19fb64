/**
 * VAE wrappers. The decoder takes scaled latents, divides by the scaling factor (from the folder's VAE
 * config or the family table, never a literal here) and returns pixels [B, 3, H, W] in about [-1, 1].
 * The encoder takes pixels in [-1, 1] and returns scaled latents; exports that give `latent_parameters`
 * (optimum: mean ‖ logvar) are sampled like diffusers' DiagonalGaussianDistribution (logvar clamped to
 * [-30, 20]) when a noise source is given, else their mean is used; `latent_sample` exports (diffusers
 * script) are used as they are.
 */
import type { ModelSession } from '../runtime/session.ts';
import { castFloat, f32, toFloat32 } from '../runtime/tensor.ts';
import { EngineError } from '../types.ts';
import type { F32Tensor } from '../types.ts';
import { allFinite, checkFinite } from './finite.ts';
import { checkSignature } from './signatures.ts';

function floatTypeOf(session: ModelSession, input: string): 'float32' | 'float16' {
  return session.input(input)?.type === 'float16' ? 'float16' : 'float32';
}

export class VaeDecoder {
  private readonly floatType: 'float32' | 'float16';
  readonly declaredChannels?: number;

  constructor(readonly session: ModelSession) {
    const problems = checkSignature('vae_decoder', session.inputs, session.outputs);
    if (problems.length > 0) throw new EngineError('MODEL_INVALID', problems.join('; '));
    this.floatType = floatTypeOf(session, 'latent_sample');
    const c = session.input('latent_sample')?.dims[1];
    this.declaredChannels = typeof c === 'number' && c > 0 ? c : undefined;
  }

  async decode(latents: F32Tensor, scalingFactor: number, channels: number): Promise<F32Tensor> {
    if (latents.dims.length !== 4 || latents.dims[1] !== channels) {
      throw new EngineError('BAD_INPUT', `decode takes latents [batch, ${channels}, h, w]; got [${latents.dims.join(', ')}]`);
    }
    if (!allFinite(latents.data)) {
      // every UNet output is checked (unet.ts), so this is the sampler's arithmetic running away
      throw new EngineError('NAN_OUTPUT', `the latents to decode hold NaN or infinite values although the UNet's outputs were finite: the sampler diverged; try another sampler or schedule, or a lower CFG scale`);
    }
    const unscaled = f32(latents.dims, latents.data.map((v) => v / scalingFactor));
    const out = await this.session.runBatched({ latent_sample: castFloat(unscaled, this.floatType) }, ['latent_sample'], latents.dims[0]);
    const pixels = toFloat32(out.sample);
    checkFinite(pixels, this.session.label, 'sample');
    return pixels;
  }
}

export class VaeEncoder {
  private readonly floatType: 'float32' | 'float16';
  readonly output: 'latent_sample' | 'latent_parameters';

  constructor(readonly session: ModelSession) {
    const problems = checkSignature('vae_encoder', session.inputs, session.outputs);
    if (problems.length > 0) throw new EngineError('MODEL_INVALID', problems.join('; '));
    this.floatType = floatTypeOf(session, 'sample');
    this.output = session.outputs.some((o) => o.name === 'latent_sample') ? 'latent_sample' : 'latent_parameters';
  }

  async encode(pixels: F32Tensor, scalingFactor: number, channels: number, noise?: () => number): Promise<F32Tensor> {
    const [b, c, h, w] = pixels.dims;
    if (pixels.dims.length !== 4 || c !== 3 || h % 8 !== 0 || w % 8 !== 0) {
      throw new EngineError('BAD_INPUT', `encode takes pixels [batch, 3, H, W] with H and W multiples of 8; got [${pixels.dims.join(', ')}]`);
    }
    const out = await this.session.runBatched({ sample: castFloat(pixels, this.floatType) }, ['sample'], b);
    const raw = toFloat32(out[this.output]);
    checkFinite(raw, this.session.label, this.output);
    const [rb, rc, rh, rw] = raw.dims;
    const wantC = this.output === 'latent_parameters' ? 2 * channels : channels;
    if (raw.dims.length !== 4 || rb !== b || rc !== wantC) {
      throw new EngineError('RUNTIME', `${this.session.label} returned ${this.output} [${raw.dims.join(', ')}]; expected [${b}, ${wantC}, h, w]`);
    }
    if (this.output === 'latent_sample') return f32(raw.dims, raw.data.map((v) => v * scalingFactor));
    const plane = rh * rw;
    const z = f32([b, channels, rh, rw]);
    for (let n = 0; n < b; n++) {
      for (let i = 0; i < channels * plane; i++) {
        const mean = raw.data[n * 2 * channels * plane + i];
        const logvar = Math.min(20, Math.max(-30, raw.data[(n * 2 + 1) * channels * plane + i]));
        const sample = noise ? mean + Math.exp(0.5 * logvar) * noise() : mean;
        z.data[n * channels * plane + i] = sample * scalingFactor;
      }
    }
    return z;
  }
}
