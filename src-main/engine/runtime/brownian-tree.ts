/**
 * Brownian-tree noise for the SDE samplers (k-diffusion's BrownianTreeNoiseSampler, which wraps
 * torchsde's BrownianTree; the idea is the virtual Brownian tree of Li et al. 2020, "Scalable
 * Gradients for Stochastic Differential Equations", §4). One Brownian path W(t) per image over the
 * run's sigma range, t = σ, and a step from σ to σ' draws the normalised increment
 * (W(σ') − W(σ)) / √|σ' − σ|, a standard normal. Because the path is fixed by the seed, not by the
 * steps, the same seed at 20 or 40 steps walks the same path: the image changes less with the step
 * count than with fresh Gaussian noise per step (the reason k-diffusion uses it for DPM++ SDE).
 *
 * The path is built lazily, from the top: W(t0) = 0, W(t1) = √(t1 − t0)·z, and each interval [a, b]
 * split at m = √(a·b) by a Brownian bridge draw, W(m) = W(a) + (m − a)/(b − a)·(W(b) − W(a)) +
 * √((m − a)(b − m)/(b − a))·z, down to LEVELS levels. The splits are even in log σ, where schedules
 * space their steps, so a step needs few new nodes; the leaves are 1/256 of the log range (2.4 % of σ
 * on SD's range). Inside a leaf a queried t is a bridge draw between its nearest known neighbours (the
 * leaf's ends or recent queries there), so increments are exact Brownian increments however close the
 * queries are. Every z comes from a generator keyed by (seed, node) (keyedNormals),
 * so a node's value does not depend on which other nodes were built first. Not torchsde's numbers
 * (those come from PyTorch's generator through torchsde's own splitting): the same law, Reverie's seed.
 */

/** levels below the root: leaves are 1/256 of the log-sigma range */
export const LEVELS = 8;
/** tree nodes kept (the paths of the last few queries); older ones are rebuilt if asked again */
const NODE_CACHE = 4 * LEVELS;
/** queried points kept (the sampler's increments use the last few); their arrays are reused */
const KNOWN_KEPT = 8;

/** murmur3's 32-bit finaliser: a well-mixed 32-bit value from any 32-bit input. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A key for one node's (or one in-leaf query's) draws. */
function nodeKey(seed: number, a: number, b: number): number {
  return mix32(mix32(mix32(seed ^ 0x5bd1e995) ^ a) + Math.imul(b, 0x9e3779b9));
}

// Ziggurat tables (Marsaglia & Tsang 2000, "The Ziggurat Method for Generating Random Variables",
// 128 layers), for 25-bit signed draws: the layer comes from the low 7 bits of a 32-bit output, the
// value from the other 25 (so layer and value are independent, Doornik 2005's remark on the original)
const R = 3.442619855899;
const M1 = 2 ** 24;
const KN = new Float64Array(128);
const WN = new Float64Array(128);
const FN = new Float64Array(128);
{
  let dn = R;
  let tn = dn;
  const vn = 9.91256303526217e-3;
  const q = vn / Math.exp(-0.5 * dn * dn);
  KN[0] = (dn / q) * M1;
  KN[1] = 0;
  WN[0] = q / M1;
  WN[127] = dn / M1;
  FN[0] = 1;
  FN[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    KN[i + 1] = (dn / tn) * M1;
    tn = dn;
    FN[i] = Math.exp(-0.5 * dn * dn);
    WN[i] = dn / M1;
  }
}

/**
 * `out.length` standard normals from the stream keyed by `key`: sfc32 (Doty-Humphrey's small fast
 * counting generator) seeded from the key, through the ziggurat. A node's draws depend on its key alone.
 */
export function keyedNormals(key: number, out: Float64Array): void {
  const st = new Int32Array([key, mix32(key + 0x6a09e667), mix32(key + 0xbb67ae85), 1]);
  for (let i = 0; i < 12; i++) sfc32(st);
  // the fast path inlined, with the state in locals (st is synced around the rare slow path)
  let a = st[0];
  let b = st[1];
  let c = st[2];
  let d = st[3];
  for (let i = 0; i < out.length; i++) {
    const u = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + u) | 0;
    const iz = u & 127;
    const hz = u >> 7;
    if (Math.abs(hz) < KN[iz]) {
      out[i] = hz * WN[iz];
    } else {
      st[0] = a;
      st[1] = b;
      st[2] = c;
      st[3] = d;
      out[i] = slowNormal(st, hz, iz);
      a = st[0];
      b = st[1];
      c = st[2];
      d = st[3];
    }
  }
}

/** sfc32's next output as a signed 32-bit integer; the state lives in st. */
function sfc32(st: Int32Array): number {
  const a = st[0];
  const b = st[1];
  const c = st[2];
  const d = st[3];
  const t = (((a + b) | 0) + d) | 0;
  st[3] = (d + 1) | 0;
  st[0] = b ^ (b >>> 9);
  st[1] = (c + (c << 3)) | 0;
  st[2] = (((c << 21) | (c >>> 11)) + t) | 0;
  return t;
}

/** A uniform in (0, 1) from the stream (a top-level function: tsx's keep-names wraps every closure it creates) */
function uniform(st: Int32Array): number {
  return ((sfc32(st) >>> 0) + 0.5) / 4294967296;
}

/** The ziggurat's slow path (about 1 draw in 80): the base strip's tail, or the wedge test. */
function slowNormal(st: Int32Array, hzIn: number, izIn: number): number {
  let hz = hzIn;
  let iz = izIn;
  for (;;) {
    if (iz === 0) {
      let x: number;
      let y: number;
      do {
        x = -Math.log(uniform(st)) / R;
        y = -Math.log(uniform(st));
      } while (y + y < x * x);
      return hz > 0 ? R + x : -R - x;
    }
    const x = hz * WN[iz];
    if (FN[iz] + uniform(st) * (FN[iz - 1] - FN[iz]) < Math.exp(-0.5 * x * x)) return x;
    const u = sfc32(st);
    iz = u & 127;
    hz = u >> 7;
    if (Math.abs(hz) < KN[iz]) return hz * WN[iz];
  }
}

interface Known {
  readonly t: number;
  readonly w: Float32Array;
}

/** One image's Brownian path over [t0, t1] (n values per time: one latent). */
export class BrownianTree {
  // W is stored in float32 (|W| ≲ √range, so a 1e-7 relative error, far below any step's increment)
  // and computed in doubles
  private readonly zero: Float32Array;
  private readonly top: Float32Array;
  /** scratch for the normals of one draw */
  private readonly z: Float64Array;
  /** built midpoints by "level:index", most recently used last */
  private readonly nodes = new Map<string, Float32Array>();
  /** recent queried times, with their leaf, oldest first */
  private readonly known: (Known & { readonly leaf: number })[] = [];
  /** arrays of forgotten nodes and points, for the next ones (a fresh 256 KiB array costs page faults) */
  private readonly spare: Float32Array[] = [];
  private held: Float32Array | undefined;

  constructor(
    private readonly seed: number,
    readonly n: number,
    readonly t0: number,
    readonly t1: number,
  ) {
    if (!(t1 > t0 && t0 > 0) || !Number.isFinite(t1)) throw new RangeError(`a Brownian tree needs 0 < t0 < t1, got [${t0}, ${t1}]`);
    this.zero = new Float32Array(n);
    this.top = new Float32Array(n);
    this.z = new Float64Array(n);
    keyedNormals(nodeKey(seed, 0, 0), this.z);
    const s = Math.sqrt(t1 - t0);
    for (let i = 0; i < n; i++) this.top[i] = this.z[i] * s;
  }

  /** W(t) for t in [t0, t1] (clamped), not to be written. Queries inside one leaf are conditioned on each other. */
  at(tIn: number): Float32Array {
    const t = this.clamp(tIn);
    const { leaf, a, b, wa, wb } = this.descend(t);
    if (t <= a) return wa;
    if (t >= b) return wb;
    const hit = this.known.find((k) => k.t === t);
    if (hit) return hit.w;
    // nearest known neighbours inside the leaf (the Markov property makes them all that matters)
    let lo: Known = { t: a, w: wa };
    let hi: Known = { t: b, w: wb };
    for (const k of this.known) {
      if (k.leaf !== leaf) continue;
      if (k.t < t && k.t > lo.t) lo = k;
      if (k.t > t && k.t < hi.t) hi = k;
    }
    const w = this.bridge(lo, hi, t, nodeKey(this.seed, LEVELS + 1 + leaf, floatBits(t)));
    this.known.push({ t, w, leaf });
    if (this.known.length > KNOWN_KEPT) this.spare.push((this.known.shift() as Known).w);
    return w;
  }

  /** Builds the nodes down to t's leaf (the next query near t is then cheap); adds no query point. */
  warm(t: number): void {
    this.descend(t);
  }

  /** The normalised increment (W(tb) − W(ta)) / √|tb − ta| into out (a standard normal per element). */
  increment(ta: number, tb: number, out: Float32Array | Float64Array): void {
    // W(ta) is copied before W(tb) is built: building may reuse the array of a forgotten node or point
    this.held ??= new Float32Array(this.n);
    this.held.set(this.at(ta));
    const wa = this.held;
    const wb = this.at(tb);
    const scale = 1 / Math.sqrt(Math.abs(this.clamp(tb) - this.clamp(ta)));
    for (let i = 0; i < this.n; i++) out[i] = (wb[i] - wa[i]) * scale;
  }

  private clamp(t: number): number {
    return Math.min(this.t1, Math.max(this.t0, t));
  }

  /** The leaf holding t, its ends and W there, building (or reusing) the nodes on the way. */
  private descend(tIn: number): { leaf: number; a: number; b: number; wa: Float32Array; wb: Float32Array } {
    const t = this.clamp(tIn);
    let a = this.t0;
    let b = this.t1;
    let wa = this.zero;
    let wb = this.top;
    let index = 0;
    for (let level = 1; level <= LEVELS; level++) {
      const m = Math.sqrt(a * b);
      const wm = this.node(level, index, a, b, wa, wb);
      if (t < m) {
        b = m;
        wb = wm;
        index = 2 * index;
      } else {
        a = m;
        wa = wm;
        index = 2 * index + 1;
      }
    }
    return { leaf: index, a, b, wa, wb };
  }

  /** The midpoint of interval `index` one level up: cached, or drawn as a bridge between its ends. */
  private node(level: number, index: number, a: number, b: number, wa: Float32Array, wb: Float32Array): Float32Array {
    const id = `${level}:${index}`;
    const cached = this.nodes.get(id);
    if (cached) {
      this.nodes.delete(id);
      this.nodes.set(id, cached);
      return cached;
    }
    const w = this.bridge({ t: a, w: wa }, { t: b, w: wb }, Math.sqrt(a * b), nodeKey(this.seed, level, index));
    this.nodes.set(id, w);
    if (this.nodes.size > NODE_CACHE) {
      const oldest = this.nodes.keys().next().value as string;
      // never the path being walked: its nodes were just used, so they are the newest
      this.spare.push(this.nodes.get(oldest) as Float32Array);
      this.nodes.delete(oldest);
    }
    return w;
  }

  /** W(t) given W at lo.t < t < hi.t: mean on the chord, variance (t − lo)(hi − t)/(hi − lo). */
  private bridge(lo: Known, hi: Known, t: number, key: number): Float32Array {
    const z = this.z;
    keyedNormals(key, z);
    const f = (t - lo.t) / (hi.t - lo.t);
    const sd = Math.sqrt(((t - lo.t) * (hi.t - t)) / (hi.t - lo.t));
    const out = this.spare.pop() ?? new Float32Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = lo.w[i] + f * (hi.w[i] - lo.w[i]) + sd * z[i];
    return out;
  }
}

/** The low 32 bits of a double's bit pattern mixed with the high ones: a key for "this exact t". */
function floatBits(t: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, t);
  return mix32(view.getUint32(0) ^ mix32(view.getUint32(4)));
}

/** What a run's Brownian noise needs: the sigma range its paths span and the schedule it walks. */
export interface BrownianSpec {
  /** the run's sigmas (descending, ending in 0): the range is their smallest positive and largest */
  readonly sigmas: readonly number[];
  /**
   * DPM++ SDE's r: the sampler also asks for the noise from σ to its half step exp(−(t + r·h)) (t = −log σ,
   * h the step in t), which is then drawn ahead too
   */
  readonly halfStep?: number;
}

/** DPM++ SDE's intermediate sigma, computed exactly as the sampler computes it (so a draw made ahead matches). */
export function halfStepSigma(sigma: number, sigmaNext: number, r: number): number {
  const t = -Math.log(sigma);
  const tNext = -Math.log(sigmaNext);
  const h = tNext - t;
  return Math.exp(-(t + h * r));
}

/** A step's noise drawn before it was asked for: the images' increments from sigma to sigmaNext. */
export interface AheadDraw {
  readonly sigma: number;
  readonly sigmaNext: number;
  readonly data: Float32Array;
}

/**
 * A batch's Brownian noise: one tree per image (seeded by the image's seed), the noise of a step the
 * images' normalised increments side by side. `warm` draws ahead the increment from the last draw's
 * lower sigma to the schedule's next one, which is what a multistep SDE sampler asks for next: the
 * noise thread warms right after answering (and after the initial noise), while the model runs; the
 * JavaScript thread does the same at the same moments, so the trees see the same queries in the same
 * order and the values are the same either way. A draw that was not foreseen is computed when asked.
 */
export class BrownianNoise {
  private readonly trees: BrownianTree[];
  private readonly grid: number[];
  private readonly halfStep: number | undefined;
  private lastLow: number;
  /** draws made ahead and kept, newest last (two: DPM++ SDE's half-step draw comes between the step's own ones) */
  private ahead: AheadDraw[] = [];

  constructor(
    seeds: readonly number[],
    readonly perImage: number,
    spec: BrownianSpec,
  ) {
    this.grid = spec.sigmas.filter((s) => s > 0).sort((a, b) => b - a);
    const t0 = this.grid[this.grid.length - 1] ?? 0;
    const t1 = this.grid[0] ?? 0;
    // one positive sigma (a one-step run) spans nothing: a tiny range around it keeps the law
    const [lo, hi] = t1 > t0 ? [t0, t1] : [t0 / 2, t0 * 2];
    this.trees = seeds.map((seed) => new BrownianTree(seed, perImage, lo, hi));
    this.halfStep = spec.halfStep;
    this.lastLow = t1;
  }

  /** The images' normalised increments from sigma to sigmaNext, [B·perImage] (a new array). */
  draw(sigma: number, sigmaNext: number): Float32Array {
    this.lastLow = Math.min(sigma, sigmaNext);
    const k = this.ahead.findIndex((a) => a.sigma === sigma && a.sigmaNext === sigmaNext);
    if (k >= 0) return this.ahead.splice(k, 1)[0].data;
    return this.compute(sigma, sigmaNext);
  }

  /**
   * The caller used a draw it took with `takeAhead` for (sigma, sigmaNext): the bookkeeping of `draw`
   * without the array, so the next `warm` foresees the same step.
   */
  claim(sigma: number, sigmaNext: number): void {
    this.lastLow = Math.min(sigma, sigmaNext);
  }

  /**
   * Draws ahead the step from the last draw's lower sigma, when that is a sigma of the schedule, to the
   * schedule's next one (none at the end), and with `halfStep` the half step before it, in the order the
   * sampler asks for them. They are kept for `draw`, or with `send` handed to it one by one as soon as
   * each is made (the noise thread sends them on before they are asked for: DPM++ SDE's half-step draw,
   * which the sampler wants after the step's first model call, goes before the full step is drawn).
   */
  warm(send?: (draw: AheadDraw) => void): void {
    const from = this.lastLow;
    this.lastLow = -Infinity;
    const next = this.grid.find((s) => s < from);
    if (next === undefined || !this.grid.includes(from)) return;
    if (this.halfStep !== undefined && next > 0) this.drawAhead(from, halfStepSigma(from, next, this.halfStep), send);
    this.drawAhead(from, next, send);
  }

  private drawAhead(sigma: number, sigmaNext: number, send: ((draw: AheadDraw) => void) | undefined): void {
    if (this.ahead.some((a) => a.sigma === sigma && a.sigmaNext === sigmaNext)) return;
    const draw = { sigma, sigmaNext, data: this.compute(sigma, sigmaNext) };
    if (send) return send(draw);
    this.ahead.push(draw);
    if (this.ahead.length > 2) this.ahead.shift();
  }

  private compute(sigma: number, sigmaNext: number): Float32Array {
    const out = new Float32Array(this.perImage * this.trees.length);
    this.trees.forEach((tree, k) => tree.increment(sigma, sigmaNext, out.subarray(k * this.perImage, (k + 1) * this.perImage)));
    return out;
  }
}
