/**
 * The nodes that binarize a real tensor in front of a binary layer, and what a zero input means at each:
 * - ONNX Sign: sign(0) = 0, which one bit cannot hold; bnngen packs +1 and counts the zero as a tie;
 * - QONNX BipolarQuant: 0 -> +1 by definition, exactly what the packed bit holds, so a zero is not a tie.
 * Both pack as bit = (x < 0), and a threshold compares dot >= tau, which is the same rule (docs/numerics.md).
 */
import type { Graph, Node } from '../../graph/graph.js';
import { isBipolarQuant } from '../bipolarquant.js';

/** Whether `node` turns its real input into ±1 (times a scale) that a binary layer can take as packed bits. */
export function isBinarizer(node: Pick<Node, 'opType' | 'domain'>): boolean {
  return (node.opType === 'Sign' && node.domain === '') || isBipolarQuant(node);
}

/** Whether an input of exactly 0 is a tie at this binarizer (ONNX Sign) rather than an exact +1 (BipolarQuant). */
export function zeroIsTie(node: Pick<Node, 'opType' | 'domain'>): boolean {
  return !isBipolarQuant(node);
}

/**
 * The factor the binarizer puts on ±1: 1 for Sign; for BipolarQuant its scale, which must be one positive finite
 * compile-time constant (so the binary layer's per-channel scale absorbs it and signs are unchanged).
 * Otherwise the reason why not, as a phrase.
 */
export function binarizerScale(graph: Graph, node: Node): number | string {
  if (!isBipolarQuant(node)) return 1;
  const scale = graph.constants.get(node.inputs[1] ?? '');
  if (!scale) return `the ${node.opType} scale is not a compile-time constant`;
  const first = scale.data[0];
  if (first === undefined || scale.data.some((v) => v !== first)) {
    return `the ${node.opType} scale is not one value (shape [${scale.shape}])`;
  }
  if (!(first > 0) || !Number.isFinite(first)) return `the ${node.opType} scale is ${first}, not a positive finite number`;
  return first;
}
