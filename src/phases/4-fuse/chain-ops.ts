/**
 * The elementwise ops a threshold chain may pass through between a binary layer and the next Sign: BatchNorm,
 * Clip/Relu, a per-channel shift or scale (Add/Sub/Mul/Div by a constant: XNOR-Net's alpha, ReActNet/Bi-Real's
 * learnable shift `Sign(x - b)`), and PRelu/LeakyRelu with non-negative slopes. threshold.ts evaluates the chain
 * for every reachable dot with the ops' own float semantics and requires the result to be monotone per channel,
 * so any such op folds into the integer threshold exactly; a negative slope (not monotone) stays a float op.
 */
import type { Graph, Node } from '../../graph/graph.js';
import { perChannelValues, type Tensor } from '../../graph/tensor.js';
import { attrFloat } from '../../ops/util/attrs.js';

const PER_CHANNEL_OPS = new Set(['Add', 'Sub', 'Mul', 'Div', 'PRelu']);

/** True when `node` reads the chain value `from` once, and everything else it reads is a per-channel constant. */
export function chainable(graph: Graph, node: Node, from: string): boolean {
  const shape = graph.values.get(from)?.shape;
  const out = graph.values.get(node.outputs[0] ?? '')?.shape;
  if (!shape || !out || out.join() !== shape.join() || node.inputs.filter((i) => i === from).length !== 1) return false;
  const constants = node.inputs.filter((i) => i && i !== from).map((i) => graph.constants.get(i));
  if (constants.some((t) => !t)) return false;
  switch (node.opType) {
    case 'BatchNormalization':
    case 'Clip':
    case 'Relu':
      return node.inputs[0] === from;
    case 'LeakyRelu':
      return attrFloat(node, 'alpha', 0.01) >= 0;
    case 'PRelu':
      return node.inputs[0] === from && constants.every((t) => perChannelValues(t!, shape) !== undefined && t!.data.every((v) => v >= 0));
    default:
      return PER_CHANNEL_OPS.has(node.opType) && constants.every((t) => perChannelValues(t!, shape) !== undefined);
  }
}

/**
 * A chain constant as threshold.ts's test tensor [1, C, 1, dots] needs it: per-channel values of a [1, C] value
 * ([C] or [1, C]) become [1, C, 1, 1]; scalars and constants of 4-D values already broadcast correctly.
 */
export function chainConstant(node: Node, t: Tensor, channels: number): Tensor {
  if (node.opType === 'BatchNormalization' || t.data.length !== channels || channels === 1) return t;
  return { ...t, shape: [1, channels, 1, 1] };
}
