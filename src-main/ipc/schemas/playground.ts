import { z } from 'zod';

/**
 * The Playground tab: exact diffusion on 2-D Gaussian mixtures (engine/playground). One call gives
 * everything the tab draws for one setting; the lists mirror engine/playground (presets.ts,
 * process.ts, run.ts).
 */

export const PlaygroundDataSchema = z.enum(['gaussian', 'two', 'rings', 'moons', 'smiley', 'letters', 'points']);
export const PlaygroundProcessSchema = z.enum(['vp', 've', 'flow']);

const Coordinate = z.number().min(-6).max(6);
const XY = z.tuple([z.number(), z.number()]);

export const PlaygroundRunRequestSchema = z
  .object({
    data: PlaygroundDataSchema.default('two'),
    /** data "points": one small Gaussian per point, |x|, |y| ≤ 6 */
    userPoints: z.array(z.tuple([Coordinate, Coordinate])).max(500).default([]),
    process: PlaygroundProcessSchema.default('vp'),
    /** a sampler id of engine.samplers, or ddpm, or euler_maruyama */
    sampler: z.string().min(1).max(64).default('euler'),
    /** the sampler run beside it from the same noise (default: euler_maruyama beside an ODE sampler, euler beside an SDE one) */
    compare: z.string().min(1).max(64).optional(),
    steps: z.int().min(1).max(200).default(20),
    /** points generated */
    count: z.int().min(1).max(2000).default(500),
    seed: z.int().min(0).max(4294967295).default(0),
    /** points recorded at every step for the animations */
    trace: z.int().min(1).max(300).default(150),
    /** also measure sample quality against model calls (a second or two) */
    sweep: z.boolean().default(false),
  })
  .strict()
  .refine((r) => r.data !== 'points' || r.userPoints.length > 0, { message: 'data "points" needs at least one point in userPoints', path: ['userPoints'] });

const RunSchema = z.object({
  sampler: z.string(),
  label: z.string(),
  stochastic: z.boolean(),
  nfe: z.int(),
  /** sliced Wasserstein-2 distance to a data sample of the same size */
  distance: z.number(),
  /** process time per frame, ≈1 (noise) down to 0 */
  t: z.array(z.number()),
  frames: z.array(z.array(XY)),
  points: z.array(XY),
});

export const PlaygroundRunSchema = z.object({
  data: z.string(),
  process: PlaygroundProcessSchema,
  processLabel: z.string(),
  components: z.array(z.object({ weight: z.number(), mean: XY, std: z.number() })),
  /** [−extent, extent]²; density cells and arrows per side, row 0 at the top */
  grid: z.object({ extent: z.number(), density: z.int(), field: z.int() }),
  fieldKind: z.enum(['score', 'velocity']),
  /** the forward process at evenly spaced t from 0 to 1 */
  frames: z.array(
    z.object({
      t: z.number(),
      alpha: z.number(),
      sigma: z.number(),
      points: z.array(XY),
      /** 0 … 255 relative to the frame's largest density, row-major */
      density: z.array(z.int()),
      field: z.array(XY),
    }),
  ),
  /** the chosen sampler and its comparison, from the same noise */
  runs: z.tuple([RunSchema, RunSchema]),
  /** probability-flow ODE paths of flow and vp from the same noise */
  paths: z.array(z.object({ process: PlaygroundProcessSchema, t: z.array(z.number()), paths: z.array(z.array(XY)) })),
  quality: z
    .object({
      /** the distance between two data samples: what a perfect sampler would score */
      floor: z.number(),
      curves: z.array(
        z.object({
          sampler: z.string(),
          label: z.string(),
          stochastic: z.boolean(),
          points: z.array(z.object({ steps: z.int(), nfe: z.int(), distance: z.number() })),
        }),
      ),
    })
    .nullable(),
  samplers: z.array(z.object({ id: z.string(), label: z.string(), stochastic: z.boolean() })),
});
