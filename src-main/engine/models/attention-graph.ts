/**
 * Cross-attention probabilities as extra UNet outputs, for the Process tab's Attention view (DAAM:
 * Tang et al., 2022, "What the DAAM: Interpreting Stable Diffusion Using Cross Attention"). The folder's
 * files are never changed: an "attention" copy of unet/model.onnx is derived on demand, the original
 * bytes with each cross-attention Softmax's output also given out as a float32 graph output, and written
 * under the data folder's cache beside links to the UNet's external weight files. Normal generation keeps
 * loading the untouched graph, so the capture costs nothing unless the view asks for it.
 *
 * Which Softmax is cross-attention is read from the graph's structure, not from node names (the bundled
 * model's are /d0a/a1/Softmax, diffusers' …/attn2/Softmax): the scores MatMul feeding it has one operand
 * that depends on encoder_hidden_states and not on sample — the keys come from the text alone.
 */
import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readGraph, withFloatOutputs } from './onnx-graph.ts';
import type { GraphNode, GraphSummary } from './onnx-graph.ts';

export interface AttentionSite {
  /** the Softmax node's name */
  readonly node: string;
  /** the graph output carrying its probabilities (float32) */
  readonly output: string;
}

export type AttentionSupport = { readonly sites: readonly AttentionSite[] } | { readonly reason: string };

const SAMPLE = 1;
const TEXT = 2;
/** ops that carry the scores from Q·Kᵀ to the Softmax (scaling, masks, casts) */
const PASS_THROUGH = new Set(['Mul', 'Div', 'Add', 'Cast', 'Identity', 'Where']);
const SHAPE_ONLY = new Set(['Shape', 'Size']);
/** fused attention ops whose probabilities never exist as a tensor */
const FUSED = /^(MultiHeadAttention|Attention|PackedAttention|GroupQueryAttention)$/;

/** For every tensor, which of sample and encoder_hidden_states its values depend on (bit mask). */
function dependencies(g: GraphSummary): Map<string, number> {
  const mask = new Map<string, number>([['sample', SAMPLE], ['encoder_hidden_states', TEXT]]);
  // ONNX files list nodes in topological order; a second pass covers one that does not
  for (let pass = 0, changed = true; changed && pass < 4; pass++) {
    changed = false;
    for (const n of g.nodes) {
      // a tensor's shape is not its values: shape arithmetic (batch size, head count) carries no dependency
      const m = SHAPE_ONLY.has(n.opType) ? 0 : n.inputs.reduce((acc, t) => acc | (mask.get(t) ?? 0), 0);
      for (const o of n.outputs) {
        if ((mask.get(o) ?? 0) !== m) {
          mask.set(o, m);
          changed = true;
        }
      }
    }
  }
  return mask;
}

/** The Softmax's scores MatMul, walking up through scaling and casts. */
function scoresMatMul(softmax: GraphNode, producer: ReadonlyMap<string, GraphNode>): GraphNode | undefined {
  let node = producer.get(softmax.inputs[0] ?? '');
  for (let hops = 0; node && hops < 6; hops++) {
    if (node.opType === 'MatMul') return node;
    if (!PASS_THROUGH.has(node.opType)) return undefined;
    node = producer.get(node.inputs[0] ?? '');
  }
  return undefined;
}

/** The cross-attention Softmax nodes of a UNet graph, or why it has none. */
export function findCrossAttention(model: Uint8Array): AttentionSupport {
  const g = readGraph(model);
  if (!g.inputs.includes('encoder_hidden_states')) return { reason: 'its UNet takes no encoder_hidden_states input, so it has no text cross-attention' };
  const producer = new Map<string, GraphNode>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  const deps = dependencies(g);
  const sites: AttentionSite[] = [];
  for (const n of g.nodes) {
    if (n.opType !== 'Softmax' || (n.domain !== '' && n.domain !== 'ai.onnx')) continue;
    const mm = scoresMatMul(n, producer);
    const textOnly = mm?.inputs.some((t) => (deps.get(t) ?? 0) === TEXT);
    if (mm && textOnly && n.outputs[0]) sites.push({ node: n.name || n.outputs[0], output: `attention_probs_${sites.length}` });
  }
  if (sites.length > 0) return { sites };
  const fused = g.nodes.find((n) => FUSED.test(n.opType));
  if (fused) return { reason: `its UNet computes attention in fused ${fused.domain ? `${fused.domain}.` : ''}${fused.opType} nodes, which never expose the attention probabilities` };
  return { reason: `its UNet has no cross-attention Softmax (no Softmax whose keys come from encoder_hidden_states among its ${g.nodes.length} nodes)` };
}

/** The graph with every site's probabilities as an extra output (sites from findCrossAttention of the same bytes). */
export function attentionGraph(model: Uint8Array, sites: readonly AttentionSite[]): Uint8Array {
  const g = readGraph(model);
  const byName = new Map(g.nodes.filter((n) => n.opType === 'Softmax').map((n) => [n.name || n.outputs[0], n.outputs[0]]));
  const tensors = sites.map((s) => {
    const t = byName.get(s.node);
    if (t === undefined) throw new Error(`the UNet graph has no Softmax node "${s.node}"`);
    return t;
  });
  return withFloatOutputs(model, tensors, sites.map((s) => s.output));
}

async function folderKey(unetDir: string): Promise<string> {
  const files: string[] = [];
  for (const name of (await readdir(unetDir)).sort()) {
    const s = await stat(path.join(unetDir, name)).catch(() => null);
    if (s?.isFile()) files.push(`${name}:${s.size}:${Math.round(s.mtimeMs)}`);
  }
  return createHash('sha256').update(JSON.stringify([path.resolve(unetDir), files])).digest('hex').slice(0, 24);
}

/** Hard link (same disk), else symbolic link, else copy: the copy's external weights beside it. */
async function placeBeside(from: string, to: string): Promise<void> {
  for (const make of [link, symlink]) {
    try {
      await make(from, to);
      return;
    } catch {
      // try the next way
    }
  }
  await copyFile(from, to);
}

export type AttentionUnet = { readonly file: string; readonly sites: readonly AttentionSite[] } | { readonly reason: string };

/**
 * The attention copy of `modelDir`'s UNet under `cacheRoot` (made once per version of the UNet folder),
 * or why the model has none. The copy's folder holds model.onnx and links to every other file of the
 * UNet folder, so external-data paths resolve as in the original.
 */
export async function attentionUnet(modelDir: string, cacheRoot: string): Promise<AttentionUnet> {
  const unetDir = path.join(modelDir, 'unet');
  const dir = path.join(cacheRoot, await folderKey(unetDir));
  const record = path.join(dir, 'attention.json');
  const known = await readFile(record, 'utf8').then((t) => JSON.parse(t) as AttentionSupport, () => null);
  if (known) return 'reason' in known ? known : { file: path.join(dir, 'model.onnx'), sites: known.sites };
  const model = await readFile(path.join(unetDir, 'model.onnx'));
  const support = findCrossAttention(model);
  const tmp = `${dir}.${process.pid}.${Date.now().toString(36)}.tmp`;
  await mkdir(tmp, { recursive: true });
  try {
    if ('sites' in support) {
      await writeFile(path.join(tmp, 'model.onnx'), attentionGraph(model, support.sites));
      for (const name of await readdir(unetDir)) {
        if (name !== 'model.onnx' && (await stat(path.join(unetDir, name))).isFile()) await placeBeside(path.join(unetDir, name), path.join(tmp, name));
      }
    }
    await writeFile(path.join(tmp, 'attention.json'), `${JSON.stringify(support)}\n`);
    await rename(tmp, dir).catch(() => rm(tmp, { recursive: true, force: true }));
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return 'reason' in support ? support : { file: path.join(dir, 'model.onnx'), sites: support.sites };
}
