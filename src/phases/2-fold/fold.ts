/**
 * Phase 2: shape inference and constant folding in one topological walk. A node whose inputs are all constants
 * is evaluated and its outputs become constants; so is a node whose outputs follow from input types alone
 * (Shape). This removes every initializer-only subgraph (IR-Net's Libra-PB weight standardisation) and the
 * shape arithmetic exporters emit on activations. Every other node gets its output types from infer.
 */
import { BnnError } from '../../errors.js';
import { evaluateNode, evaluationWork, foldNodeFromInfo, inferNode, sameShape } from '../../graph/evaluate.js';
import type { Graph, Node, ValueInfo } from '../../graph/graph.js';
import { MAX_CONSTANT_BYTES, MAX_FOLD_WORK } from '../../graph/limits.js';
import { sizeOf, type Tensor } from '../../graph/tensor.js';

export interface FoldResult {
  readonly graph: Graph;
  /** How many nodes were folded away. */
  readonly folded: number;
}

export function foldGraph(g: Graph): FoldResult {
  const constants = new Map(g.constants);
  const values = new Map(g.values);
  const kept: Node[] = [];
  const infoOf = (name: string): ValueInfo | undefined => {
    if (name === '') return undefined;
    const info = values.get(name);
    if (!info) throw new BnnError(`value '${name}' has no known type (is the graph loaded?)`, { file: g.file });
    return info;
  };
  const spent = { work: 0, bytes: [...constants.values()].reduce((n, t) => n + t.data.byteLength, 0) };
  for (const node of g.nodes) {
    const known = node.inputs.map((name) => (name === '' ? undefined : constants.get(name)));
    const allConstant = node.inputs.every((name, i) => name === '' || known[i] !== undefined);
    const infos = node.inputs.map(infoOf);
    // Infer first (this validates attributes, types and shapes, and refuses oversized outputs), so a node is
    // folded only when its cost is known and acceptable.
    const outInfos = inferNode(g, node, infos, (i) => known[i]);
    if (allConstant) chargeFold(g, node, infos, outInfos, spent);
    const outs = allConstant ? evaluateNode(g, node, known) : foldNodeFromInfo(g, node, infos);
    if (outs) {
      node.outputs.forEach((name, k) => {
        if (name === '') return;
        const t = outs[k]!;
        const info = outInfos[k];
        if (info && (info.dtype !== t.dtype || !sameShape(info.shape, t.shape))) {
          throw new Error(
            `internal: ${node.name} (${node.opType}) folds output ${k} to ${t.dtype}[${t.shape}], ` +
              `infers ${info.dtype}[${info.shape}]`,
          );
        }
        constants.set(name, t);
        values.set(name, { dtype: t.dtype, shape: t.shape });
      });
      continue;
    }
    node.outputs.forEach((name, k) => {
      if (name === '') return;
      const info = outInfos[k];
      if (!info) throw new Error(`internal: ${node.name} (${node.opType}) inferred no type for output ${k}`);
      values.set(name, info);
    });
    kept.push(node);
  }
  return { graph: prune(g, kept, constants, values), folded: g.nodes.length - kept.length };
}

/**
 * Adds the cost of folding `node` to `spent`, refusing (before any work is done) when the work of all folding
 * would pass MAX_FOLD_WORK, or the constants held would pass MAX_CONSTANT_BYTES.
 */
function chargeFold(
  g: Graph,
  node: Node,
  inputs: readonly (ValueInfo | undefined)[],
  outputs: readonly ValueInfo[],
  spent: { work: number; bytes: number },
): void {
  const where = { file: g.file, node: `${node.name} (${node.opType})` };
  spent.work += evaluationWork(g, node, inputs, outputs);
  if (spent.work > MAX_FOLD_WORK) {
    throw new BnnError(`constant folding would take more than ${MAX_FOLD_WORK} operations (at this node)`, where);
  }
  spent.bytes += outputs.reduce((n, o) => n + sizeOf(o.shape) * (o.dtype === 'float32' ? 4 : 8), 0);
  if (spent.bytes > MAX_CONSTANT_BYTES) {
    throw new BnnError(`constants would need more than ${MAX_CONSTANT_BYTES} bytes once folded (at this node)`, where);
  }
}

/** Keeps the constants and value types the remaining nodes and the graph outputs still refer to. */
function prune(
  g: Graph,
  nodes: readonly Node[],
  constants: ReadonlyMap<string, Tensor>,
  values: ReadonlyMap<string, ValueInfo>,
): Graph {
  const used = new Set<string>([...g.inputs, ...g.outputs]);
  for (const n of nodes) for (const name of [...n.inputs, ...n.outputs]) if (name !== '') used.add(name);
  const keptConstants = new Map([...constants].filter(([name]) => used.has(name)));
  const keptValues = new Map([...values].filter(([name]) => used.has(name)));
  return { ...g, nodes, constants: keptConstants, values: keptValues };
}
