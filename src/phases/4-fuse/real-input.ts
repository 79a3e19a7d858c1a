/**
 * A binary-weight layer on a real input (1w32a): ±s_c weights, no Sign before it. The kernel adds or subtracts
 * each real input by its weight's sign; s_c (times Gemm's alpha) and a following BatchNorm become the float
 * affine epilogue, as for a binary layer's affine output. The output stays real: a Sign after it is a separate
 * pack step (its sum is a float, so no integer threshold can stand for it).
 */
import type { Graph, Node } from '../../graph/graph.js';
import type { BinaryWeights } from '../3-binarize/binarize.js';
import { batchNorm } from './batchnorm.js';
import { biasAndAlpha, convShape, followingBatchNorm } from './fuse.js';
import type { BinaryWeightConvOp } from './fused.js';

export function fuseRealInput(
  graph: Graph,
  node: Node,
  weights: BinaryWeights,
  single: (v: string) => Node | undefined,
  absorbed: Set<Node>,
): BinaryWeightConvOp {
  const shape = convShape(graph, node);
  const oc = weights.outChannels;
  const { bias, alpha } = biasAndAlpha(graph, node, oc);
  const bnNode = followingBatchNorm(node.outputs[0]!, single);
  const bn = bnNode ? batchNorm(graph, bnNode, oc) : undefined;
  const scale = new Float32Array(oc);
  const shift = new Float32Array(oc);
  for (let c = 0; c < oc; c++) {
    const s = weights.scales[c]! * alpha;
    scale[c] = bn ? s * bn.gain[c]! : s;
    shift[c] = bn ? (bias[c]! - bn.mean[c]!) * bn.gain[c]! + bn.beta[c]! : bias[c]!;
  }
  if (bnNode) absorbed.add(bnNode);
  return {
    kind: 'bwconv', origin: bnNode ? `${node.name} + ${bnNode.name}` : node.name, input: node.inputs[0]!,
    output: bnNode ? bnNode.outputs[0]! : node.outputs[0]!, signs: weights.signs, scale, shift, ...shape,
  };
}
