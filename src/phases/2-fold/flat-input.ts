/**
 * An MLP export starts with its input [1, C, H, W] flattened (PyTorch `x.view(N, -1)` -> Reshape to [1, -1], or
 * Flatten). When that Flatten/Reshape is the input's only consumer, the compiled program takes the flat vector
 * [1, C*H*W] directly: the same values in the same memory order (so the same C input array), and every layer
 * after it reads an activation in the shape it was written in (5-lower cannot read a reshaped buffer through a
 * different [C, H, W] view yet). The Flatten/Reshape becomes an Identity. Runs on the folded graph (static shapes);
 * `loaded` and `folded` keep the model's own input shape.
 */
import type { Graph, Node } from '../../graph/graph.js';
import { sizeOf } from '../../graph/tensor.js';

export function flattenInput(g: Graph): Graph {
  const input = g.inputs[0];
  const info = input === undefined ? undefined : g.values.get(input);
  if (input === undefined || !info || info.shape.length < 3 || info.shape[0] !== 1 || g.outputs.includes(input)) return g;
  const consumers = g.nodes.filter((n) => n.inputs.includes(input));
  const node = consumers[0];
  if (consumers.length !== 1 || !node || node.domain !== '' || node.inputs[0] !== input) return g;
  if (node.opType !== 'Flatten' && node.opType !== 'Reshape') return g;
  const size = sizeOf(info.shape);
  const out = g.values.get(node.outputs[0]!);
  if (!out || out.shape.length !== 2 || out.shape[0] !== 1 || out.shape[1] !== size) return g;
  const identity: Node = { name: node.name, opType: 'Identity', domain: '', inputs: [input], outputs: [node.outputs[0]!], attrs: {} };
  const values = new Map(g.values);
  values.set(input, { dtype: info.dtype, shape: [1, size] });
  return { ...g, values, nodes: g.nodes.map((n) => (n === node ? identity : n)) };
}
