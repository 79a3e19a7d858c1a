/**
 * Phase 2: shape inference and constant folding in one topological walk. A node whose inputs are all constants
 * is evaluated and its outputs become constants; so is a node whose outputs follow from input types alone
 * (Shape). This removes every initializer-only subgraph (IR-Net's Libra-PB weight standardisation) and the
 * shape arithmetic exporters emit on activations. Every other node gets its output types from infer.
 */
import { BnnError } from '../../errors.js';
import { evaluateNode, foldNodeFromInfo, inferNode, sameShape } from '../../graph/evaluate.js';
import type { Graph, Node, ValueInfo } from '../../graph/graph.js';
import type { Tensor } from '../../graph/tensor.js';

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
  for (const node of g.nodes) {
    const known = node.inputs.map((name) => (name === '' ? undefined : constants.get(name)));
    const allConstant = node.inputs.every((name, i) => name === '' || known[i] !== undefined);
    const infos = node.inputs.map(infoOf);
    // evaluateNode runs infer too, so a folded node is validated (attributes, types, shapes) like any other.
    const outInfos = allConstant ? undefined : inferNode(g, node, infos, (i) => known[i]);
    const outs = allConstant ? evaluateNode(g, node, known) : foldNodeFromInfo(g, node, infos);
    if (outs) {
      node.outputs.forEach((name, k) => {
        if (name === '') return;
        const t = outs[k]!;
        const info = outInfos?.[k];
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
      const info = outInfos?.[k];
      if (!info) throw new Error(`internal: ${node.name} (${node.opType}) inferred no type for output ${k}`);
      values.set(name, info);
    });
    kept.push(node);
  }
  return { graph: prune(g, kept, constants, values), folded: g.nodes.length - kept.length };
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
