/**
 * The stages of the Pipeline view (Process tab), in the order a generation runs them, each with a
 * short plain explanation and its formula. The idea of showing a diffusion model's pipeline as a
 * chain of stages, each opened up, is Diffusion Explainer's (Lee et al., IEEE VIS 2023).
 */
export type PipelineStageId = 'tokens' | 'embeddings' | 'schedule' | 'latents' | 'guidance' | 'decode';

export interface PipelineStage {
  readonly id: PipelineStageId;
  /** the card's name */
  readonly label: string;
  readonly explain: string;
  readonly formula: string;
}

export const PIPELINE_STAGES: readonly PipelineStage[] = [
  {
    id: 'tokens',
    label: 'Tokens',
    explain:
      'The tokenizer cuts the prompt into pieces from a fixed vocabulary and looks up each piece’s number. The text encoder reads a fixed number of ids: a start token, the prompt, an end token, then padding. What does not fit is cut off.',
    formula: 'ids = [BOS, t₁, …, tₙ, EOS, PAD, …]  (length L)',
  },
  {
    id: 'embeddings',
    label: 'Text embeddings',
    explain:
      'The text encoder turns every id into a vector that also depends on the words around it. These vectors are all the image model knows of the prompt; it looks at them at every step. The negative prompt is encoded the same way.',
    formula: 'c = TextEncoder(ids) ∈ ℝ^(L×H),  norm per token ‖cᵢ‖₂',
  },
  {
    id: 'schedule',
    label: 'Noise schedule',
    explain:
      'Generation starts from pure noise at the largest noise level σ_max and walks down a list of noise levels to 0. The schedule decides how big each stride is.',
    formula: 'x_T = σ_max · ε,  ε ~ N(0, I);   σ₀ > σ₁ > … > σ_N = 0',
  },
  {
    id: 'latents',
    label: 'Latents per step',
    explain:
      'The picture is made in a small latent space: a few channels at 1/8 of the size. At each step the model guesses the clean latents x̂₀ and the sampler moves x a little toward that guess, removing some noise.',
    formula: 'Euler: x_{i+1} = x_i + (σ_{i+1} − σ_i) · (x_i − x̂₀) / σ_i',
  },
  {
    id: 'guidance',
    label: 'Guidance split',
    explain:
      'At each step the model predicts twice: without the prompt (the negative prompt) and with it. Their difference is the direction the prompt pulls in; the CFG scale w stretches it. Scale 1 uses the prompt’s prediction alone.',
    formula: 'x̂₀ = x̂₀(∅) + w · (x̂₀(c) − x̂₀(∅))',
  },
  {
    id: 'decode',
    label: 'VAE decode',
    explain: 'The VAE decoder turns the final latents into pixels: 8 times wider and taller, three colour channels, values from −1 to 1 shown as 0 to 255.',
    formula: 'image = Decoder(z₀ / s),  s = the VAE’s scaling factor',
  },
];
