/**
 * The threshold epilogue of a binary layer whose chain ends in a Sign, shared by the plain layer (fuse.ts) and the
 * layer before a max pool on its bits (pooled-threshold.ts): per-channel thresholds from threshold.ts, and the
 * layer's weights with the channels negated whose compare threshold.ts reversed.
 */
import type { Graph, Node } from '../../graph/graph.js';
import { zeroIsTie } from '../../ops/util/binarizer.js';
import type { BinaryWeights } from '../3-binarize/binarize.js';
import type { BinaryConvOp, ConvShape } from './fused.js';
import { thresholdsFor } from './threshold.js';

export interface ThresholdLayer {
  /** The layer's ±1 weights, negated in the flipped channels. */
  readonly signs: Int8Array;
  readonly epilogue: Extract<BinaryConvOp['epilogue'], { kind: 'threshold' }>;
  /** 1 for the channels whose compare is reversed (their output falls as the dot rises). */
  readonly flip: Uint8Array;
}

/** `chain` is the nodes between the layer and `sign` (BatchNorm, Clip, ...), in graph order. */
export function thresholdLayer(
  graph: Graph,
  layer: Node,
  weights: BinaryWeights,
  shape: ConvShape,
  affine: { bias: Float64Array; alpha: number },
  chain: readonly Node[],
  sign: Node,
): ThresholdLayer {
  const k = shape.window.kH * shape.window.kW * shape.inShape[0];
  const dotScale = Float32Array.from(weights.scales, (s) => Math.fround(s * affine.alpha));
  const t = thresholdsFor(graph, layer, k, dotScale, affine.bias, chain.map((node) => ({ node })));
  const signs = Int8Array.from(weights.signs);
  for (let c = 0; c < weights.outChannels; c++) {
    if (!t.flip[c]) continue;
    for (let i = 0; i < weights.perChannel; i++) signs[c * weights.perChannel + i] = -signs[c * weights.perChannel + i]!;
  }
  // Exact zeros before a BipolarQuant are +1 by definition, not ties.
  const tieDots = zeroIsTie(sign) ? t.tieDots : t.tieDots.map(() => []);
  return { signs, flip: t.flip, epilogue: { kind: 'threshold', thresholds: t.thresholds, tieDots } };
}
